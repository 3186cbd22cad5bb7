"""A ROUGE that reads Arabic: tokens are runs of Unicode letters/digits after khulasa's normalization.

R-1, R-2, R-L (LCS over the whole summary) and R-SU4 (skip bigrams, gap <= 4, plus unigrams); F-scores
with several references pooled as ROUGE-1.5.5 does (hits and counts summed over the references).
No stemming, no stopword removal; peers are cut to the word limit before scoring.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from khulasa.text import normalize

_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Lower-cased Unicode word tokens of normalized ``text``."""
    return _TOKEN.findall(normalize(text))


def cut(text: str, max_words: int) -> str:
    """The first ``max_words`` whitespace-separated words of ``text``."""
    return " ".join(text.split()[:max_words])


def _ngrams(toks: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


def _skip_bigrams(toks: list[str], gap: int = 4) -> Counter[tuple[str, ...]]:
    grams: Counter[tuple[str, ...]] = Counter((t,) for t in toks)
    for i, a in enumerate(toks):
        for j in range(i + 1, min(len(toks), i + gap + 2)):
            grams[(a, toks[j])] += 1
    return grams


def _lcs(a: list[str], b: list[str]) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, start=1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def _f(hits: int, ref_total: int, peer_total: int) -> float:
    r = hits / ref_total if ref_total else 0.0
    p = hits / peer_total if peer_total else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def rouge(peer: str, references: Sequence[str], max_words: int = 250) -> dict[str, float]:
    """F-scores (x100) of ``peer`` against pooled ``references``: keys R1, R2, RL, SU4."""
    p = tokens(cut(peer, max_words))
    refs = [tokens(r) for r in references]
    out: dict[str, float] = {}
    for name, fn in (("R1", lambda t: _ngrams(t, 1)), ("R2", lambda t: _ngrams(t, 2)), ("SU4", _skip_bigrams)):
        pg = fn(p)
        hits = ref_total = peer_total = 0
        for r in refs:
            rg = fn(r)
            hits += sum((pg & rg).values())
            ref_total += sum(rg.values())
            peer_total += sum(pg.values())
        out[name] = 100 * _f(hits, ref_total, peer_total)
    hits = sum(_lcs(p, r) for r in refs)
    out["RL"] = 100 * _f(hits, sum(len(r) for r in refs), len(p) * len(refs))
    return out
