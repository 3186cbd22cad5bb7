"""A ROUGE that reads Arabic: tokens are runs of Unicode letters/digits after khulasa's normalization.

R-1, R-2, R-L (summary-level union LCS over reference sentences) and R-SU4 (skip bigrams, gap <= 4, plus unigrams); F-scores
with several references pooled as ROUGE-1.5.5 does (hits and counts summed over the references).
No stemming, no stopword removal; peers are cut to the word limit before scoring.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from khulasa.text import normalize, split_sentences

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


def _lcs_positions(a: list[str], b: list[str]) -> set[int]:
    """Indices of ``a`` on one longest common subsequence of ``a`` and ``b``."""
    if not a or not b:
        return set()
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a, start=1):
        row, prev = table[i], table[i - 1]
        for j, y in enumerate(b, start=1):
            row[j] = prev[j - 1] + 1 if x == y else max(prev[j], row[j - 1])
    out: set[int] = set()
    i, j = len(a), len(b)
    while i and j:
        if a[i - 1] == b[j - 1]:
            out.add(i - 1)
            i, j = i - 1, j - 1
        elif table[i - 1][j] >= table[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return out


def _sentence_tokens(text: str) -> list[list[str]]:
    return [t for t in (tokens(s.text) for s in split_sentences(text)) if t]


def _union_lcs(ref_sents: list[list[str]], peer_sents: list[list[str]]) -> int:
    """Summary-level LCS hits as ROUGE-1.5.5 counts them: per reference sentence, the union of its
    LCS with every peer sentence, each token hit at most as often as it occurs in peer and reference."""
    peer_left = Counter(t for p in peer_sents for t in p)
    ref_left = Counter(t for r in ref_sents for t in r)
    hits = 0
    for r in ref_sents:
        union = set().union(*(_lcs_positions(r, p) for p in peer_sents)) if peer_sents else set()
        for i in sorted(union):
            tok = r[i]
            if peer_left[tok] > 0 and ref_left[tok] > 0:
                hits += 1
                peer_left[tok] -= 1
                ref_left[tok] -= 1
    return hits


def _f(hits: int, ref_total: int, peer_total: int) -> float:
    r = hits / ref_total if ref_total else 0.0
    p = hits / peer_total if peer_total else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def rouge(peer: str, references: Sequence[str], max_words: int = 250,
          measures: Sequence[str] = ("R1", "R2", "RL", "SU4")) -> dict[str, float]:
    """F-scores (x100) of ``peer`` against pooled ``references`` for ``measures`` (R1, R2, RL, SU4)."""
    p = tokens(cut(peer, max_words))
    refs = [tokens(r) for r in references]
    out: dict[str, float] = {}
    for name, fn in (("R1", lambda t: _ngrams(t, 1)), ("R2", lambda t: _ngrams(t, 2)), ("SU4", _skip_bigrams)):
        if name not in measures:
            continue
        pg = fn(p)
        hits = ref_total = peer_total = 0
        for r in refs:
            rg = fn(r)
            hits += sum((pg & rg).values())
            ref_total += sum(rg.values())
            peer_total += sum(pg.values())
        out[name] = 100 * _f(hits, ref_total, peer_total)
    if "RL" not in measures:
        return out
    peer_sents = _sentence_tokens(cut(peer, max_words))
    hits = sum(_union_lcs(_sentence_tokens(r), peer_sents) for r in references)
    out["RL"] = 100 * _f(hits, sum(len(r) for r in refs), len(p) * len(refs))
    return out
