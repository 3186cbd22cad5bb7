"""A linear-chain CRF's decoding in numpy: the weights a CRFsuite model learned, read from an ``.npz``.

Training stays with CRFsuite (``scripts/train_ner.py``, python-crfsuite); the package ships its weights as
arrays (``export``) and tags with them here: a token's label scores are the sum of its attributes' weight
rows, and the best label sequence is found for many sentences at once (``viterbi``), as CRFsuite's own
tagger finds it (same scores: state weights plus transition weights, no start or end weights).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np


class LinearChain(NamedTuple):
    """A CRF's weights: ``state[attributes[a]]`` are attribute ``a``'s scores per label (its weight times
    value 1), ``transition[i, j]`` the score of label ``j`` after label ``i``."""

    labels: tuple[str, ...]
    attributes: dict[str, int]
    state: np.ndarray  # [attributes, labels], float64
    transition: np.ndarray  # [labels, labels], float64

    def scores(self, attributes: Iterable[str]) -> np.ndarray:
        """The label scores of a token holding ``attributes`` (those the model does not know weigh nothing)."""
        rows = [k for a in attributes if (k := self.attributes.get(a)) is not None]
        return self.state[rows].sum(0) if rows else np.zeros(len(self.labels))


def export(crfsuite_model: Path, out: Path) -> int:
    """Write the weights of a CRFsuite model file as the ``.npz`` that ``load`` reads (byte-identical for the
    same model: fixed entry dates); returns the number of attributes. Needs python-crfsuite."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(crfsuite_model))
    info = tagger.info()
    labels = sorted(info.labels, key=info.labels.get)
    lab = {name: k for k, name in enumerate(labels)}
    attrs = sorted({a for a, _ in info.state_features})
    row = {a: k for k, a in enumerate(attrs)}
    state = np.zeros((len(attrs), len(labels)))
    for (a, name), w in info.state_features.items():
        state[row[a], lab[name]] = w
    transition = np.zeros((len(labels), len(labels)))
    for (a, b), w in info.transitions.items():
        transition[lab[a], lab[b]] = w
    arrays = {"labels": np.array("\n".join(labels).encode()), "attributes": np.array("\n".join(attrs).encode()),
              "state": state, "transition": transition}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.save(buf, arr, allow_pickle=False)
            z.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(2020, 1, 1, 0, 0, 0)), buf.getvalue(),
                       compress_type=zipfile.ZIP_DEFLATED)
    return len(attrs)


def load(path: Path) -> LinearChain:
    """The weights ``export`` wrote."""
    with np.load(path, allow_pickle=False) as z:
        labels = tuple(bytes(z["labels"]).decode().split("\n"))
        attrs = bytes(z["attributes"]).decode().split("\n")
        return LinearChain(labels, {a: k for k, a in enumerate(attrs)}, z["state"], z["transition"])


def viterbi(emissions: Sequence[np.ndarray], transition: np.ndarray, group: int = 64) -> list[list[int]]:
    """The best label index sequence of each sentence, from its ``[tokens, labels]`` scores. Sentences are
    decoded ``group`` at a time, by length (so that little padding is decoded), one step per position of a
    group's longest; empty sentences give empty paths."""
    lengths = [len(e) for e in emissions]
    out: list[list[int]] = [[] for _ in emissions]
    order = sorted((k for k, n in enumerate(lengths) if n), key=lengths.__getitem__)
    for lo in range(0, len(order), group):
        ks = order[lo:lo + group]
        for k, path in zip(ks, _decode([emissions[k] for k in ks], transition), strict=True):
            out[k] = path
    return out


def _decode(emissions: Sequence[np.ndarray], transition: np.ndarray) -> list[list[int]]:
    """``viterbi`` of sentences of one group (none empty)."""
    ends = np.array([len(e) for e in emissions])
    n, longest, n_labels = len(emissions), int(ends.max()), transition.shape[0]
    scores = np.zeros((n, longest, n_labels))
    for row, e in enumerate(emissions):
        scores[row, :len(e)] = e
    best = scores[:, 0].copy()
    back = np.empty((n, longest, n_labels), dtype=np.intp)
    same = np.arange(n_labels)
    for t in range(1, longest):
        cand = best[:, :, None] + transition[None]  # [sentence, previous, next]
        arg = cand.argmax(1)
        going = (t < ends)[:, None]
        back[:, t] = np.where(going, arg, same)  # a finished sentence keeps its label through the padding
        best = np.where(going, np.take_along_axis(cand, arg[:, None, :], 1)[:, 0] + scores[:, t], best)
    path = np.empty((n, longest), dtype=np.intp)
    path[:, -1] = best.argmax(1)
    rows = np.arange(n)
    for t in range(longest - 1, 0, -1):
        path[:, t - 1] = back[rows, t, path[:, t]]
    return [path[row, :e].tolist() for row, e in enumerate(ends)]
