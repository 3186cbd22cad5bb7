"""Figures of different articles that give one quantity, grouped, with the verdict: agree, approximate,
disagree."""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence

from khulasa.model import Figure, FigureGroup, Verdict


def _context_similarity(ca: Counter[str], cb: Counter[str], sa: int, sb: int) -> float:
    """The cosine of two figures' context word counts ``ca``, ``cb`` whose squared lengths are ``sa``, ``sb``."""
    dot = sum(v * cb[k] for k, v in ca.items())
    if not dot:
        return 0.0
    return dot / math.sqrt(sa * sb)


def _compatible(a: Figure, b: Figure, tolerance: float) -> bool:
    """Two figures of different articles that may give the same quantity: same unit, close values."""
    if a.article_id == b.article_id or a.unit != b.unit:
        return False
    if a.qualifier == "indefinite" or b.qualifier == "indefinite":
        return False
    hi, lo = max(a.value, b.value), min(a.value, b.value)
    return hi > 0 and (hi - lo) / hi <= tolerance


def verdict(figures: Sequence[Figure]) -> Verdict:
    """"agree", "approximate" or "disagree" for figures that describe one quantity."""
    values = {f.value for f in figures}
    if len(values) == 1:
        return "agree"
    exact = {f.value for f in figures if not f.approximate}
    return "approximate" if len(exact) <= 1 else "disagree"


def group_figures(figures: Sequence[Figure], tolerance: float = 0.25, min_context: float = 0.1) -> list[FigureGroup]:
    """Group figures from different articles that give one quantity; best-matching pairs first.

    Candidate pairs share a counted-thing or governing-noun key (an inverted index, not all pairs),
    a unit, values within ``tolerance``, and surrounding words (context cosine ≥ ``min_context``).
    Two groups merge only if no article would appear twice and every value stays within
    ``tolerance`` of every other. Only groups reported by two or more articles are returned,
    disagreements first.
    """
    figs = sorted(figures, key=lambda f: (f.article_id, f.start))
    by_key: dict[tuple[str, str], list[int]] = {}
    for i, f in enumerate(figs):
        for k in f.keys:
            by_key.setdefault((f.unit, k), []).append(i)
    pairs: set[tuple[int, int]] = set()
    for members in by_key.values():
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                pairs.add((min(i, j), max(i, j)))
    scored = []
    @functools.cache
    def context(i: int) -> tuple[Counter[str], int]:  # each figure's context counted once
        counts = Counter(figs[i].context)
        return counts, sum(v * v for v in counts.values())

    for i, j in pairs:
        if _compatible(figs[i], figs[j], tolerance):
            (ca, sa), (cb, sb) = context(i), context(j)
            sim = _context_similarity(ca, cb, sa, sb)
            if sim >= min_context:
                scored.append((-sim, i, j))
    scored.sort()
    group_of = list(range(len(figs)))
    members_of: dict[int, list[int]] = {i: [i] for i in range(len(figs))}
    for _, i, j in scored:
        a, b = group_of[i], group_of[j]
        if a == b:
            continue
        joined = members_of[a] + members_of[b]
        if len({figs[m].article_id for m in joined}) < len(joined):
            continue
        if not all(_compatible(figs[m], figs[n], tolerance) for m in members_of[a] for n in members_of[b]):
            continue
        for m in members_of[b]:
            group_of[m] = a
        members_of[a] = joined
        del members_of[b]
    out = []
    for members in members_of.values():
        if len(members) >= 2:
            g = tuple(figs[m] for m in sorted(members))
            out.append(FigureGroup(g[0].thing or g[0].unit, g[0].unit, g, verdict(g)))
    order = {"disagree": 0, "approximate": 1, "agree": 2}
    out.sort(key=lambda g: (order[g.verdict], -len(g.figures), g.figures[0].article_id, g.figures[0].start))
    return out
