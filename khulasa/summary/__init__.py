"""Multi-document extractive summarization with citations.

Method (Gillick & Favre's concept-coverage model, greedy by default, exact with HiGHS on request):

1. Every sentence becomes a set of *concepts*: stemmed word bigrams (not both stopwords) and, at
   half weight, stemmed content words. A concept is worth the articles that carry it, each vote
   discounted by how late in that article the concept first appears (content several outlets
   report up front), plus a vote for each headline that carries it. Concepts carried by a single
   article count for nothing.
2. Sentences that cannot stand alone are never candidates: fragments and captions, questions,
   lines ending in a colon, and openings that point back ("وأضاف أن", "جاء ذلك") unless the
   sentence they continue is also chosen.
3. Selection maximizes the covered concept weight (each concept counted once, so repeating
   content gains nothing) plus a lead-position term, under the word budget, greedily by gain per
   word, doubled for articles (outlets) not yet represented (``solver="ilp"`` solves the coverage
   model exactly with HiGHS, ~6x slower for no measured gain); a sentence too close to one already
   chosen is skipped. Leftover budget is filled with the best
   sentences that still fit.
4. Order: article date; on one date, articles whose lead was chosen first (a summary opens with a
   lead, not with "ويزن القمر ..."); then article, then position (dateline context stays with the lead).
5. Citations: each chosen sentence cites its own span and, for every other article, the sentence
   that reports the same content (stem overlap above a threshold).

Stems get integer ids, so a story's concepts and word counts are two sparse matrices (one row per
sentence) built with numpy in one pass, and selection and citation are matrix products.

Deterministic: same input, same output (ties break on article order and sentence index; sums run in
a fixed column order, not in set order).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import replace

from khulasa.config import SummaryConfig
from khulasa.model import Analysis, Article, ArticleUnits, Summary, SummarySentence
from khulasa.summary.citations import _citations, _fact_matrix
from khulasa.summary.ordering import _reading_dates
from khulasa.summary.selection import _select, _select_ilp
from khulasa.summary.units import _as_units, _build_story, _Story
from khulasa.summary.weights import _concept_weights

log = logging.getLogger(__name__)
DEFAULT_CONFIG = SummaryConfig()


def _language(analyses: Sequence[ArticleUnits], language: str | None) -> str:
    lang = language or Counter(a.article.language for a in analyses).most_common(1)[0][0]
    return lang if lang in ("ar", "en") else "ar"


def cite_all(items: Sequence[Article | Analysis | ArticleUnits | str], *, language: str | None = None,
             config: SummaryConfig = DEFAULT_CONFIG) -> tuple[SummarySentence, ...]:
    """Every sentence of the articles with its citations, as ``summarize`` would cite it if chosen.

    Answers "which other outlets report this sentence?" for a whole story; articles in input order,
    sentences in article order.
    """
    analyses = _as_units(items)
    if not analyses:
        return ()
    story = _build_story(analyses, _language(analyses, language), config)
    articles = [a.article for a in analyses]
    cited = _citations(range(len(story.units)), story, _fact_matrix(story), articles, config)
    return tuple(SummarySentence(u.sentence, c) for u, c in zip(story.units, cited, strict=True))


def summarize(items: Sequence[Article | Analysis | ArticleUnits | str], max_words: int | None = None, *,
              language: str | None = None, config: SummaryConfig = DEFAULT_CONFIG,
              also_cite: Sequence[Article | Analysis | ArticleUnits] = ()) -> Summary:
    """Summarize the articles of one story within ``max_words`` words, every sentence cited.

    Args:
        items: khulasa ``Article``s, or plain article texts (cleaned as ingestion would).
        max_words: budget in whitespace-separated words; never exceeded (default: ``config.max_words``).
        language: "ar" or "en"; by default the language of most articles.
        config: selection knobs.
        also_cite: articles that are never summarized but are cited where they report a chosen
            sentence, by the same rule as the others (the story's folded copies: every outlet that
            carried the wire copy is credited).

    Returns:
        A ``Summary`` whose sentences are input sentences in reading order, each citing its own
        span first and then the matching sentence of every other article that reports it.
    """
    max_words = config.max_words if max_words is None else max_words
    if max_words < 1:
        raise ValueError(f"max_words must be at least 1, got {max_words}")
    analyses = _as_units(items)
    if not analyses:
        return Summary((), max_words, ())
    extra = _as_units(also_cite) if also_cite else []
    story = _build_story(analyses + extra, _language(analyses, language), config)
    n = len(analyses)
    return _summary(story, [a.article for a in analyses + extra], list(range(n)), list(range(n, n + len(extra))),
                    max_words, config)


def summarize_parts(items: Sequence[Article | Analysis | ArticleUnits | str], parts: Sequence[tuple[Collection[str], Collection[str], int]],
                    *, language: str | None = None, config: SummaryConfig = DEFAULT_CONFIG,
                    also_cite: Sequence[Article | Analysis | ArticleUnits] = ()) -> list[Summary]:
    """One summary per part of a story (its whole and each event, say), the story's sentences analysed and
    counted once for all of them.

    Each part is (ids of the ``items`` it summarizes, ids of the ``also_cite`` articles it also cites, its
    word budget); its summary is ``summarize`` of those articles (in the order of ``items``) with that
    budget, citing those copies, in the language of the whole story. ``items`` given as texts get ids
    ``doc1``, ``doc2``, ... as in ``summarize``.
    """
    for _, _, words in parts:
        if words < 1:
            raise ValueError(f"max_words must be at least 1, got {words}")
    analyses = _as_units(items)
    extra = _as_units(also_cite) if also_cite else []
    if not analyses:
        return [Summary((), words, ()) for _, _, words in parts]
    story = _build_story(analyses + extra, _language(analyses, language), config)
    articles = [a.article for a in analyses + extra]
    out = []
    for own_ids, cited_ids, words in parts:
        own = [k for k, a in enumerate(analyses) if a.id in own_ids]
        cited = [len(analyses) + k for k, a in enumerate(extra) if a.id in cited_ids]
        out.append(_summary(story, articles, own, cited, words, config) if own else Summary((), words, ()))
    return out


def _summary(full: _Story, every: list[Article], own: list[int], extra: list[int], max_words: int,
             config: SummaryConfig) -> Summary:
    """The summary of the articles ``own`` (orders in ``full``, whose articles are ``every``) within
    ``max_words``, citing also the articles ``extra``."""
    story = full.subset(own)
    articles = [every[k] for k in own]
    weights = _concept_weights(story, config)
    eligible = sum(u.eligible for u in story.units)
    use_ilp = config.solver == "ilp" and eligible <= config.ilp_max_sentences
    if config.solver == "ilp" and not use_ilp:
        log.info("%d candidate sentences, over summary.ilp_max_sentences (%d): greedy selection instead of the "
                 "exact solver", eligible, config.ilp_max_sentences)
    rows = (_select_ilp if use_ilp else _select)(story, weights, max_words, config)
    if not rows and any(u.overlong and u.words <= max_words for u in story.units):
        # Only sentences longer than max_sentence_words would fit: better one long sentence than none.
        story = replace(story, units=[u._replace(eligible=True) if u.overlong else u for u in story.units])
        rows = _select(story, weights, max_words, config)
    units = story.units
    facts = _fact_matrix(story)
    far = dt.date.max
    leads = {units[i].order for i in rows if units[i].sentence.index == 0}
    dates = _reading_dates(articles, units, facts)
    rows = sorted(rows, key=lambda i: (dates[units[i].order][0] or far, dates[units[i].order][1],
                                       units[i].order not in leads, units[i].order, units[i].sentence.index))
    if extra:  # one citation rule for all: the copies' sentences join the rows cited, not the IDF
        cite_story = full.subset(own + extra)
        cited = _citations(rows, cite_story, _fact_matrix(cite_story, len(units)), [every[k] for k in own + extra],
                           config)
    else:
        cited = _citations(rows, story, facts, articles, config)
    out = tuple(SummarySentence(units[i].sentence, c) for i, c in zip(rows, cited, strict=True))
    return Summary(out, max_words, tuple(a.id for a in articles))
