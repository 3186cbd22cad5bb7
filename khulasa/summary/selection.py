"""Sentence selection under the word budget: greedy by gain per word (default) or the exact coverage model
with HiGHS; a sentence too close to one already chosen is skipped."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from khulasa.config import SummaryConfig

if TYPE_CHECKING:
    from khulasa.summary.units import FloatArray
from khulasa.summary.units import _Story

log = logging.getLogger(__name__)

class _Redundancy:
    """Cosine of content-stem counts between a candidate and the sentences chosen so far (chosen rows
    are kept dense, so a check is one small product)."""

    def __init__(self, story: _Story) -> None:
        import numpy as np

        counts = self.counts = story.counts
        self.norms = counts.row_norms()
        self.chosen = np.zeros((8, counts.shape[1]))
        self.chosen_norms: list[float] = []

    def add(self, i: int) -> None:
        import numpy as np

        k = len(self.chosen_norms)
        if k == len(self.chosen):
            self.chosen = np.vstack((self.chosen, np.zeros_like(self.chosen)))
        cols, values = self.counts.row(i)
        self.chosen[k, cols] = values
        self.chosen_norms.append(float(self.norms[i]))

    def too_close(self, i: int, threshold: float) -> bool:
        """Whether sentence ``i``'s cosine with a chosen one exceeds ``threshold``."""
        import numpy as np

        k = len(self.chosen_norms)
        cols, values = self.counts.row(i)
        if not k or not len(cols):
            return False
        shared = self.chosen[:k, cols] @ values
        return bool((shared > threshold * self.norms[i] * np.array(self.chosen_norms)).any())


def _select(story: _Story, weights: FloatArray, max_words: int, cfg: SummaryConfig) -> list[int]:
    """Budgeted greedy concept coverage; returns the chosen rows in the order they were taken.

    Each round takes the best sentence by covered-weight gain per word (``length_exponent``) plus the
    lead-position term, doubled (``new_article_bonus``) for an article not yet represented; ties go
    to the earlier article and sentence. A sentence over the budget, too close to a chosen one, or
    pointing back to a predecessor not chosen (it waits for it) is passed over. What budget is left
    is filled with the densest remaining sentences that fit.
    """
    import numpy as np

    units = story.units
    matrix = story.concepts
    words, orders, position = story.words, story.orders, 1.0 + story.positions
    pool = np.fromiter((u.eligible for u in units), dtype=bool, count=len(units)) & (words <= max_words)
    per_word = np.maximum(words, 1.0) ** cfg.length_exponent
    uncovered = np.array(weights, dtype=np.float64)
    represented = np.zeros(story.n_articles, dtype=bool)
    close = _Redundancy(story)
    chosen: list[int] = []
    taken: set[tuple[int, int]] = set()
    used = 0

    def scores() -> FloatArray:
        gain = matrix.dot(uncovered)
        value = gain / per_word + cfg.position_prior * gain / position
        return value * np.where(represented[orders], 1.0, 1 + cfg.new_article_bonus)

    def take(i: int) -> None:
        nonlocal used
        u = units[i]
        chosen.append(i)
        taken.add((u.order, u.sentence.index))
        represented[u.order] = True
        uncovered[matrix.row(i)[0]] = 0.0
        close.add(i)
        used += u.words

    alive = pool.copy()
    waiting: dict[tuple[int, int], int] = {}  # dangling sentences waiting for their predecessor
    score = scores()
    while True:
        masked = np.where(alive, score, -np.inf)
        i = int(np.argmax(masked))  # the first of equal scores: the earlier article and sentence
        if not masked[i] > 0:
            break
        alive[i] = False
        u = units[i]
        if used + u.words > max_words:
            continue
        if u.dangling and (u.order, u.sentence.index - 1) not in taken:
            waiting[(u.order, u.sentence.index - 1)] = i
            continue
        if close.too_close(i, cfg.redundancy):
            continue
        take(i)
        nxt = waiting.pop((u.order, u.sentence.index), None)
        if nxt is not None:
            alive[nxt] = True
        alive &= words <= max_words - used  # what no longer fits never will
        score = scores()
    # Fill what is left of the budget with the densest remaining sentences that still fit.
    density = matrix.dot(np.asarray(weights, dtype=np.float64)) / np.maximum(words, 1.0)
    rest = np.flatnonzero(pool & (words <= max_words - used)).tolist()
    for i in sorted((i for i in rest if i not in chosen), key=lambda i: (-density[i], i)):
        u = units[i]
        if used + u.words > max_words:
            continue
        if u.dangling and (u.order, u.sentence.index - 1) not in taken:
            continue
        if not close.too_close(i, cfg.redundancy):
            take(i)
    return chosen


def _select_ilp(story: _Story, weights: FloatArray, max_words: int, cfg: SummaryConfig) -> list[int]:
    """Exact concept coverage (Gillick & Favre 2009) with HiGHS: max covered weight under the budget.

    Variables: one per eligible sentence and one per weighted concept. A concept counts once, when a
    chosen sentence holds it; a per-sentence position term breaks ties towards article leads.
    Dangling sentences may only be chosen with their predecessor; near-duplicates exclude each other.
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import bmat, coo_matrix, csr_matrix, diags

    units = story.units
    pool = [i for i, u in enumerate(units) if u.eligible and u.words <= max_words]
    if not pool:
        return []
    weights = np.asarray(weights, dtype=np.float64)
    cols = np.flatnonzero(weights > 0)
    held = story.concepts.to_scipy()[pool][:, cols]  # pool x weighted concepts
    n, m = held.shape
    mean_w = float(weights[cols].mean()) if m else 0.0
    index = np.array([units[i].sentence.index for i in pool], dtype=np.float64)
    cost = np.concatenate((-cfg.position_prior * mean_w * np.asarray(held.sum(axis=1)).ravel() / (1 + index),
                           -weights[cols]))
    budget = csr_matrix(np.concatenate(([units[i].words for i in pool], np.zeros(m)))[None, :])
    cover = bmat([[-held.T.tocsr(), diags(np.ones(m))]])  # a concept only if a holder is chosen
    extra: list[tuple[list[int], list[float]]] = []
    at = {(units[i].order, units[i].sentence.index): k for k, i in enumerate(pool)}
    for k, i in enumerate(pool):
        u = units[i]
        if u.dangling:
            prev = at.get((u.order, u.sentence.index - 1))
            extra.append(([k], [1.0]) if prev is None else ([k, prev], [1.0, -1.0]))
    counts = story.counts.to_scipy()[pool]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    sims = (counts @ counts.T).toarray() / np.maximum(np.outer(norms, norms), 1e-300)
    orders = np.array([units[i].order for i in pool])
    exclusive = [(a, b) for a, b in zip(*np.nonzero(np.triu(sims > cfg.redundancy, 1)), strict=True)
                 if orders[a] != orders[b]]
    rows = [r for r, _ in extra] + [[int(a), int(b)] for a, b in exclusive]
    vals = [v for _, v in extra] + [[1.0, 1.0] for _ in exclusive]
    his = [0.0] * len(extra) + [1.0] * len(exclusive)
    pairs = coo_matrix((np.array([v for vs in vals for v in vs]),
                        (np.repeat(np.arange(len(rows)), [len(r) for r in rows]).astype(np.int64),
                         np.array([c for r in rows for c in r], dtype=np.int64))), shape=(len(rows), n + m))
    constraints = [LinearConstraint(budget, -np.inf, max_words), LinearConstraint(cover, -np.inf, 0)]
    if rows:
        constraints.append(LinearConstraint(pairs.tocsr(), -np.inf, np.array(his)))
    res = milp(cost, constraints=constraints, integrality=np.ones(n + m), bounds=Bounds(0, 1),
               options={"time_limit": 2.0})
    if res.x is None:
        log.info("the exact solver found no solution within its time limit (%d sentences): greedy selection",
                 len(pool))
        return _select(story, weights, max_words, cfg)
    return [i for k, i in enumerate(pool) if res.x[k] > 0.5]
