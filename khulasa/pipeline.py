"""The whole pipeline: articles -> analyses -> stories and events -> a cited summary per story (the digest).

``digest`` is the one entry point the CLI, the web app and batch runners call. Every article is
analysed once (``khulasa.text.analyse``: sentences, tokens, normalized forms, stems) and every stage
reads that analysis. Each stage is a plain function over frozen values and a ``Config``; ``on_stage``
lets a caller show progress without the stages knowing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from khulasa.config import DEFAULT, ClusterConfig, Config, NerMode, SummaryConfig
from khulasa.model import (
    Analysis,
    Article,
    ArticleFacts,
    ArticleUnits,
    Digest,
    FileIssue,
    Story,
    StoryDigest,
    Summary,
)
from khulasa.text import TokenMemo, analysed

if TYPE_CHECKING:
    from khulasa.engine import Engine

Progress = Callable[[str, int, int], None]  # on_progress(stage, done, total), for a progress bar


def no_progress(stage: str, done: int, total: int) -> None:
    """The ``Progress`` of a caller that shows none."""
    return None


def digest(articles: Sequence[Article | Analysis], *, config: Config = DEFAULT, max_words: int | None = None,
           issues: Sequence[FileIssue] = (), cluster_config: ClusterConfig | None = None,
           summary_config: SummaryConfig | None = None, min_articles: int | None = None,
           max_entities: int | None = None, workers: int | None = None, summaries: bool = True,
           on_stage: Progress = no_progress, engine: Engine | None = None) -> Digest:
    """Group the articles into stories and summarize each.

    Args:
        articles: cleaned articles (``read_articles``), or their analyses.
        config: every setting; the keyword arguments below override single settings of it.
        max_words: word budget of each story's summary (``config.summary.max_words``).
        issues: input issues to carry into the digest (reported with it).
        min_articles: stories with fewer articles are left out (``config.output.min_articles``).
        max_entities: the most mentioned entities kept per story (``config.facts.max_entities``).
        workers: processes for the per-story work (summary, entities, figures); 1 runs in-process.
            The result is the same either way (``config.output.workers``).
        engine: where the per-story work runs (``khulasa.engine.open_engine``: local, processes, ray);
            the caller opens and closes it. Overrides ``workers``.
        summaries: False leaves every summary empty (entities and figures only, as ``khulasa facts``).
        on_stage: called as ``on_stage(stage, done, total)`` while the work goes on.
    """
    config = _override(config, max_words, cluster_config, summary_config, min_articles, max_entities, workers)
    on_stage("analysis", 0, len(articles))
    memo = TokenMemo()
    analyses = [analysed(a, memo) for a in articles]
    on_stage("stories", 0, 1)
    from khulasa.stories import cluster

    stories = [s for s in cluster(analyses, config) if len(s.article_ids) >= config.output.min_articles]
    on_stage("stories", 1, 1)  # then per story: summary, entities, figures
    by_id = {a.id: a for a in analyses}
    jobs = _story_jobs(stories, by_id, config, summaries)
    out: list[StoryDigest] = []
    from khulasa.engine import Local, Processes

    own = engine is None and config.output.workers > 1 and len(jobs) > 1
    runner: Engine = Processes(config.output.workers) if own else (engine or Local())
    try:
        for result in runner.map(_run_job, jobs):
            out += result
            on_stage("summaries", len(out), len(stories))
    finally:
        if own:
            runner.close()
    return Digest(tuple(out), tuple(a.article for a in analyses), tuple(issues), config.summary.max_words)


def _override(config: Config, max_words: int | None, cluster_config: ClusterConfig | None,
              summary_config: SummaryConfig | None, min_articles: int | None, max_entities: int | None,
              workers: int | None) -> Config:
    """``config`` with the single settings given as keyword arguments (None: kept)."""
    summary = summary_config or config.summary
    if max_words is not None:
        summary = replace(summary, max_words=max_words)
    output = config.output
    if min_articles is not None or workers is not None:
        output = replace(output, min_articles=output.min_articles if min_articles is None else min_articles,
                         workers=output.workers if workers is None else workers)
    facts = config.facts if max_entities is None else replace(config.facts, max_entities=max_entities)
    return replace(config, summary=summary, cluster=cluster_config or config.cluster, output=output, facts=facts)


@dataclass(frozen=True, slots=True)
class _StoryJob:
    """Some stories' work, picklable: the same function runs it in-process or in a worker process."""

    stories: tuple[Story, ...]
    by_id: dict[str, Analysis]
    config: Config
    summaries: bool


def _run_job(job: _StoryJob) -> list[StoryDigest]:
    memo = TokenMemo()  # the stories of a job share what the tagger learns of each token
    return [story_digest(s, job.by_id, config=job.config, summary=job.summaries, memo=memo) for s in job.stories]


def _story_jobs(stories: Sequence[Story], by_id: Mapping[str, Analysis], config: Config, summaries: bool,
                size: int = 300) -> list[_StoryJob]:
    """The stories in jobs of about ``size`` articles (a larger story alone), in order."""
    parts: list[list[Story]] = [[]]
    n = 0
    for story in stories:
        if n >= size:
            parts.append([])
            n = 0
        parts[-1].append(story)
        n += len(story.every_article)
    return [_StoryJob(tuple(p), {a: by_id[a] for s in p for a in s.every_article}, config, summaries)
            for p in parts if p]


def article_facts(items: Sequence[Article | Analysis], ner: NerMode = "fast") -> list[ArticleFacts]:
    """The entity mentions (by the ``ner`` tagger) and figures of each article (the articles share what is
    learned of each token)."""
    from khulasa.entities import mentions_each
    from khulasa.figures import extract

    memo = TokenMemo()
    analyses = [analysed(a, memo) for a in items]
    return [ArticleFacts(tuple(found), tuple(extract(a))) for a, found in zip(analyses, mentions_each(analyses, ner),
                                                                             strict=True)]


def latest_articles(story: Story, by_id: Mapping[str, Article | Analysis | ArticleUnits], limit: int) -> list[str]:
    """The story's articles its summary is written from: all of them, or, past ``limit``, the latest
    ``limit`` (by date, then id), in the story's order."""
    if len(story.article_ids) <= limit:
        return list(story.article_ids)

    def key(aid: str) -> tuple[dt.date, str]:
        item = by_id[aid]
        art = item if isinstance(item, Article) else item.article
        return (art.date or dt.date.min, aid)

    latest = set(sorted(story.article_ids, key=key)[-limit:])
    return [a for a in story.article_ids if a in latest]


def story_digest(story: Story, by_id: Mapping[str, Article | Analysis | ArticleUnits], *, config: Config = DEFAULT,
                 summary: bool = True, facts: Mapping[str, ArticleFacts] | None = None,
                 memo: TokenMemo | None = None) -> StoryDigest:
    """Summary (empty when ``summary`` is False), entities and figures of one story (articles from ``by_id``,
    as articles, analyses or what the summarizer reads of them, ``summary.units.article_units``, e.g. a
    store's; ``facts``: their mentions and figures found earlier, e.g. by a store; else they are found here;
    ``memo``: what analysing earlier articles learned of their tokens, when a caller digests many stories)."""
    from khulasa.entities import mentions_all, resolve
    from khulasa.figures import extract, group_figures
    from khulasa.summary import summarize_parts

    memo = memo if memo is not None else TokenMemo()

    def read(item: Article | Analysis | ArticleUnits) -> Analysis | ArticleUnits:
        return item if isinstance(item, ArticleUnits) else analysed(item, memo)

    chosen = latest_articles(story, by_id, config.summary.max_articles)
    members = [read(by_id[a]) for a in chosen]
    kept = set(chosen)
    copies = [read(by_id[m]) for g in story.duplicates if g.representative in kept
              for m in g.members[1:] if m in by_id]
    if summary:
        wanted = config.summary
        parts = [(kept, {c.id for c in copies}, wanted.max_words)]
        for e in story.events:
            ids = set(e.article_ids)
            parts.append((ids, {m for g in story.duplicates if g.representative in ids for m in g.members[1:]},
                          wanted.event_max_words))
        written, *event_summaries = summarize_parts(members, parts, config=wanted, also_cite=copies)
        events = tuple(event_summaries)
    else:
        written, events = Summary((), config.summary.max_words, tuple(a.id for a in members)), ()
    if facts is None:
        known = {m.id: m for m in members if isinstance(m, Analysis)}  # analysed above: not again
        everyone = [known.get(a) or analysed(item if isinstance(item := by_id[a], Article | Analysis) else item.article,
                                             memo) for a in story.article_ids]
        found = mentions_all(everyone, config.facts.ner, memo)
        numbers = [f for a in everyone for f in extract(a)]
    else:
        found = [m for a in story.article_ids for m in facts[a].mentions]
        numbers = [f for a in story.article_ids for f in facts[a].figures]
    entities = resolve(found)
    cfg = config.facts
    figures = group_figures(numbers, cfg.figure_tolerance, cfg.figure_min_context)
    return StoryDigest(story, written, tuple(entities[:cfg.max_entities]), tuple(figures), events)
