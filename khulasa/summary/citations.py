"""Citations: each chosen sentence cites its own span and, per other article, the sentence that reports the
same content (cosine of story-IDF-weighted content stems at or above ``cite_threshold``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from khulasa.config import SummaryConfig
from khulasa.model import Article, Citation

if TYPE_CHECKING:
    from khulasa.summary.units import FloatArray, Sparse
from khulasa.summary.units import _Story, _Unit


def _fact_matrix(story: _Story, idf_units: int | None = None) -> Sparse:
    """The sentences as rows of unit length over their content stems, weighted by IDF over the story's
    sentences (one row per unit); ``idf_units``: only the first that many
    units count for the IDF (the story's own, not the copies cited beside them).

    Words every outlet uses for the story (صندوق، المياه) say little about which *fact* a sentence
    states; the rarer words it shares with another sentence do.
    """
    import numpy as np

    counts = story.counts
    n_units = counts.shape[0]
    n_idf = n_units if idf_units is None else idf_units
    df = np.bincount(counts.indices[:counts.indptr[n_idf]], minlength=counts.shape[1])
    idf = np.log1p(n_idf / np.maximum(df, 1))[counts.indices]
    values = np.where(counts.data > 1, (1 + np.log(counts.data)) * idf, idf)
    weighted = counts.with_data(values)
    return weighted.with_data(values / np.maximum(weighted.row_norms(), 1e-300)[counts.row_of])


def _similarity_rows(facts: Sparse, rows: list[int]) -> Iterator[FloatArray]:
    """Per row in ``rows``, its cosines with every sentence (a dense numpy row), one row at a time: citing
    a large story never holds a sentences x sentences matrix."""
    import numpy as np

    dense = np.zeros(facts.shape[1])
    for r in rows:
        cols, values = facts.row(r)
        dense[cols] = values
        yield facts.dot(dense)
        dense[cols] = 0.0


def _citations(rows: Sequence[int], story: _Story, facts: Sparse, articles: list[Article],
               cfg: SummaryConfig) -> list[tuple[Citation, ...]]:
    """Per unit in ``rows``: its own span, then per other article the closest sentence (cosine of
    their fact rows) at or above ``cite_threshold``, closest first (ties: the earlier sentence)."""
    import numpy as np

    def cite(u: _Unit, sim: float) -> Citation:
        art = articles[u.order]
        s = u.sentence
        return Citation(art.id, art.credit, art.date, s.index, s.start, s.end, sim)

    units, orders = story.units, story.orders
    rows = list(rows)
    out: list[tuple[Citation, ...]] = []
    for i, row in zip(rows, _similarity_rows(facts, rows), strict=True):
        unit = units[i]
        best: dict[int, tuple[float, _Unit]] = {}
        for j in np.flatnonzero((row >= cfg.cite_threshold) & (orders != unit.order)).tolist():
            other, sim = units[j], float(row[j])
            prev = best.get(other.order)
            if prev is None or sim > prev[0]:
                best[other.order] = (sim, other)
        others = sorted(best.values(), key=lambda t: (-t[0], t[1].order))
        out.append((cite(unit, 1.0), *(cite(u, round(sim, 6)) for sim, u in others)))
    return out
