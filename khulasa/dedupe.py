"""Near-duplicate articles (wire copy republished by several outlets): MinHash LSH, folded with provenance.

Signatures are MinHashes of word 3-shingles of the normalized text (datasketch, fixed seed, CRC32
shingle hashes, so signatures are identical across processes and runs). LSH finds candidate pairs
without comparing all pairs; a candidate is a duplicate when its estimated Jaccard similarity
reaches the threshold. Duplicates are grouped transitively; the representative of a group is its
earliest article (then the longest, then the smallest id).
"""

from __future__ import annotations

import datetime as dt
import functools
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from datasketch import LeanMinHash, MinHash, MinHashLSH

from khulasa.config import DEFAULT
from khulasa.model import Analysis, Article, DuplicateGroup
from khulasa.perf import paused_gc
from khulasa.text import analyse, analysed

NUM_PERM = 128
SEED = 1
THRESHOLD = DEFAULT.dedupe.threshold


def find_root(parent: list[int], i: int) -> int:
    """Union-find root of ``i`` with path halving (``parent`` is updated in place)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@functools.cache
def _template(num_perm: int) -> MinHash:
    """An empty MinHash whose permutations are drawn once (datasketch redraws them per MinHash)."""
    return MinHash(num_perm=num_perm, seed=SEED, hashfunc=zlib.crc32)


def signature(item: str | Article | Analysis, num_perm: int = NUM_PERM) -> LeanMinHash:
    """MinHash of the word 3-shingles of a text or an article (its analysis' normalized words and numbers;
    CRC32-hashed: deterministic across runs)."""
    if isinstance(item, str):
        item = analyse(Article(id="", text=item))
    tokens = [n for t in analysed(item).tokens for n in t.term_norm]
    shingles = {" ".join(tokens[i:i + 3]).encode("utf-8") for i in range(max(1, len(tokens) - 2))}
    template = _template(num_perm)
    m = MinHash(num_perm=num_perm, seed=SEED, hashfunc=zlib.crc32, permutations=template.permutations,
                scheme=template.scheme)
    m.update_batch(list(shingles))
    return LeanMinHash(m)


# LSH bands tuned for recall (datasketch weighs false positives and negatives equally by default,
# which with 64 permutations found a pair of Jaccard 0.7 only 71% of the time; with 128 permutations and
# these weights it is found 98.5% of the time). Every candidate is checked against the threshold.
_LSH_WEIGHTS = (0.2, 0.8)


def lsh_index(threshold: float = THRESHOLD) -> MinHashLSH:
    """An empty MinHash LSH index whose candidates include nearly every pair above ``threshold``."""
    return MinHashLSH(threshold=threshold, num_perm=NUM_PERM, weights=_LSH_WEIGHTS)


def _copies_of(sig: LeanMinHash, lsh: MinHashLSH, signature_of: Callable[[str], LeanMinHash],
               threshold: float) -> list[str]:
    """The keys of ``lsh`` whose signature is a copy of ``sig``: LSH candidates whose estimated Jaccard
    similarity reaches ``threshold`` (the one test of a copy, for the batch and the live index alike)."""
    return [k for k in lsh.query(sig) if sig.jaccard(signature_of(k)) >= threshold]


def _rank(article: Article) -> tuple[dt.date, int, str]:
    return (article.date or dt.date.max, -len(article.text), article.id)


def find_duplicates(items: Sequence[Article | Analysis], threshold: float = THRESHOLD,
                    signatures: Iterable[LeanMinHash] | None = None) -> list[DuplicateGroup]:
    """Groups of near-duplicate articles (only groups of two or more), in representative order.

    Args:
        articles: the articles to compare.
        threshold: minimum estimated Jaccard similarity of word 3-shingles.
        signatures: precomputed ``signature(article.text)`` values, in article order.
    """
    with paused_gc():
        return _find_duplicates(items, threshold, signatures)


def _find_duplicates(items: Sequence[Article | Analysis], threshold: float,
                     signatures: Iterable[LeanMinHash] | None) -> list[DuplicateGroup]:
    sigs = list(signatures) if signatures is not None else [signature(a) for a in items]
    articles = [a.article if isinstance(a, Analysis) else a for a in items]
    lsh = lsh_index(threshold)
    parent = list(range(len(articles)))
    for i, sig in enumerate(sigs):
        for key in _copies_of(sig, lsh, lambda k: sigs[int(k)], threshold):
            a, b = find_root(parent, i), find_root(parent, int(key))
            if a != b:
                parent[max(a, b)] = min(a, b)
        lsh.insert(str(i), sig, check_duplication=False)
    groups: dict[int, list[int]] = {}
    for i in range(len(articles)):
        groups.setdefault(find_root(parent, i), []).append(i)
    out: list[DuplicateGroup] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        ordered = sorted(members, key=lambda k: _rank(articles[k]))
        credits = list(dict.fromkeys(articles[k].credit for k in ordered))
        out.append(DuplicateGroup(articles[ordered[0]].id, tuple(articles[k].id for k in ordered), tuple(credits)))
    out.sort(key=lambda g: g.representative)
    return out


_Item = TypeVar("_Item", bound=Article | Analysis)


def fold(articles: Sequence[_Item], threshold: float = THRESHOLD) -> tuple[list[_Item], list[DuplicateGroup]]:
    """Keep one article per near-duplicate group; return the kept articles (input order) and the groups.

    Idempotent: folding the kept articles again finds no groups.
    """
    groups = find_duplicates(articles, threshold)
    dropped = {m for g in groups for m in g.members[1:]}
    return [a for a in articles if a.id not in dropped], groups




@functools.cache
def _band_ranges(threshold: float) -> tuple[tuple[int, int], ...]:
    return tuple(lsh_index(threshold).hashranges)


def band_keys(sig: LeanMinHash, threshold: float = THRESHOLD) -> list[int]:
    """The LSH band keys of a signature as signed 64-bit integers, one per band (the same bands as
    ``lsh_index``): two signatures sharing a key are candidate copies. A store indexes these."""
    import hashlib

    out = []
    for band, (start, end) in enumerate(_band_ranges(threshold)):
        digest = hashlib.blake2b(bytes([band]) + sig.hashvalues[start:end].tobytes(), digest_size=8).digest()
        out.append(int.from_bytes(digest, "big", signed=True))
    return out


def signature_bytes(sig: LeanMinHash) -> bytes:
    """A signature's hash values as bytes (``signature_from_bytes`` reads them back)."""
    return bytes(sig.hashvalues.astype("<u8").tobytes())


def signature_from_bytes(data: bytes) -> LeanMinHash:
    """The signature ``signature_bytes`` wrote."""
    import numpy as np

    return LeanMinHash(seed=SEED, hashvalues=np.frombuffer(data, dtype="<u8").astype(np.uint64),
                       scheme=_template(NUM_PERM).scheme)
