"""Concept weights: the articles (or, for one article, the sentences) that carry a concept, position-discounted,
plus the headlines that carry it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from khulasa.config import SummaryConfig

if TYPE_CHECKING:
    from khulasa.summary.units import FloatArray
from khulasa.summary.units import _Story


def _concept_weights(story: _Story, cfg: SummaryConfig) -> FloatArray:
    """Weight of each concept column: the articles that carry it, each counting more when it says it early.

    An article contributes ``1 / (1 + i) ** position_decay`` where ``i`` is the index of its first
    sentence with the concept; concepts carried by fewer than ``min_support`` articles weigh nothing.
    With one article, its sentences vote the same way (``1 / (1 + i) ** position_decay`` for sentence
    ``i``), and a concept one sentence carries counts. Each headline
    that carries a concept adds ``title_weight`` (headlines say what an article is about). Unigrams
    weigh ``unigram_weight`` of that.
    """
    import numpy as np

    matrix = story.concepts
    n_cols = matrix.shape[1]
    cols = matrix.indices.astype(np.int64)
    rows = matrix.row_of
    if story.n_articles > 1:
        article = story.orders[rows]
        index = story.positions[rows]
        key = article * n_cols + cols
        by_key = np.lexsort((index, key))  # per (article, concept), its earliest sentence first
        firsts, at = np.unique(key[by_key], return_index=True)
        concept = firsts % n_cols
        support = np.bincount(concept, minlength=n_cols)
        value = np.bincount(concept, weights=1.0 / (1.0 + index[by_key][at]) ** cfg.position_decay,
                            minlength=n_cols)  # summed in article order
        min_support = cfg.min_support
    else:  # one article: its sentences vote as articles do, each counting more the earlier it comes
        support = np.bincount(cols, minlength=n_cols)
        value = np.bincount(cols, weights=1.0 / (1.0 + story.positions[rows]) ** cfg.position_decay,
                            minlength=n_cols)
        min_support = 1
    weights = (value + cfg.title_weight * story.in_titles) * np.where(story.bigram, 1.0, cfg.unigram_weight)
    weights[support < min_support] = 0.0
    return weights
