"""The numpy CRF decoder (khulasa.crf) against CRFsuite's own tagger, on a small model trained here."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khulasa import crf

pycrfsuite = pytest.importorskip("pycrfsuite", reason="python-crfsuite (the dev and train extras) trains the model")

_WORDS = [f"w{k}" for k in range(30)]
_LABELS = ["O", "B-X", "I-X", "B-Y", "I-Y"]


def _features(words: list[str]) -> list[dict[str, str | float]]:
    out: list[dict[str, str | float]] = []
    for i, w in enumerate(words):
        f: dict[str, str | float] = {"w": w, "-1:w": words[i - 1] if i else "<s>"}
        if w[1:].isdigit() and int(w[1:]) % 3 == 0:
            f["flag"] = 1.0
        out.append(f)
    return out


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    rnd = random.Random(3)
    trainer = pycrfsuite.Trainer(verbose=False)
    for _ in range(300):  # labels that depend on the word and the label before: transitions carry weight
        words = rnd.choices(_WORDS, k=rnd.randrange(1, 12))
        labels, prev = [], "O"
        for w in words:
            k = int(w[1:])
            lab = "O" if k < 10 else ("B-X" if k < 20 else "B-Y")
            if lab != "O" and prev[2:] == lab[2:] and k % 2:
                lab = "I-" + lab[2:]
            labels.append(lab)
            prev = lab
        trainer.append(_features(words), labels)
    trainer.set_params({"c1": 0.01, "c2": 0.01, "max_iterations": 60, "feature.possible_transitions": True})
    root = tmp_path_factory.mktemp("crf")
    trainer.train(str(root / "m.crfsuite"))
    crf.export(root / "m.crfsuite", root / "m.npz")
    return root / "m.crfsuite", root / "m.npz"


def _attributes(f: dict[str, str | float]) -> list[str]:
    return [k if isinstance(v, float) else f"{k}:{v}" for k, v in f.items()]


@given(st.lists(st.lists(st.sampled_from([*_WORDS, "unknown"]), max_size=15), max_size=8))
@settings(max_examples=60, deadline=None)
def test_decoding_gives_crfsuites_tags(model: tuple[Path, Path], sentences: list[list[str]]) -> None:
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model[0]))
    chain = crf.load(model[1])
    emissions = [np.array([chain.scores(_attributes(f)) for f in _features(s)]).reshape(len(s), len(chain.labels))
                 for s in sentences]
    got = [[chain.labels[k] for k in path] for path in crf.viterbi(emissions, chain.transition, group=3)]
    assert got == [tagger.tag(_features(s)) if s else [] for s in sentences]


def test_the_transitions_decide_some_tags(model: tuple[Path, Path]) -> None:
    # The model must be one where decoding matters: the best label of a token alone is not always its tag.
    chain = crf.load(model[1])
    assert np.abs(chain.transition).max() > 0.1
    rnd = random.Random(5)
    differs = 0
    for _ in range(200):
        words = rnd.choices(_WORDS, k=8)
        e = np.array([chain.scores(_attributes(f)) for f in _features(words)])
        differs += crf.viterbi([e], chain.transition)[0] != e.argmax(1).tolist()
    assert differs


def test_export_is_byte_identical(model: tuple[Path, Path], tmp_path: Path) -> None:
    crf.export(model[0], tmp_path / "again.npz")
    assert hashlib.sha256((tmp_path / "again.npz").read_bytes()).digest() == \
        hashlib.sha256(model[1].read_bytes()).digest()
