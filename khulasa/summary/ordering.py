"""Reading order: by article date (an undated article read at the date of the dated article closest to it),
leads first on one date, then article and position."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from khulasa.model import Article

if TYPE_CHECKING:
    from khulasa.summary.units import Sparse
from khulasa.summary.units import _Unit


def _reading_dates(articles: list[Article], units: list[_Unit], facts: Sparse) -> list[tuple[dt.date | None, bool]]:
    """Per article, the date it is read at and whether that date is borrowed.

    A dated article is read at its date. An undated one is read at the date of the dated article
    closest to it in content (sum of its sentences' fact rows), after that date's own articles:
    an undated report of a conference belongs beside the conference, not after every later event.
    With no dated article sharing a word, it stays undated (read last).
    """
    import numpy as np

    own = [(a.date, False) for a in articles]
    dated = [i for i, a in enumerate(articles) if a.date]
    if not dated or len(dated) == len(articles):
        return own
    profiles = facts.row_sums(np.array([u.order for u in units], dtype=np.int64), len(articles))
    profiles /= np.maximum(np.linalg.norm(profiles, axis=1, keepdims=True), 1e-300)
    sims = profiles @ profiles[dated].T
    for i, a in enumerate(articles):
        if a.date is None:
            k = max(range(len(dated)), key=lambda k: (sims[i, k], -k))  # ties: the earlier article in input order
            if sims[i, k] > 0:
                own[i] = (articles[dated[k]].date, True)
    return own
