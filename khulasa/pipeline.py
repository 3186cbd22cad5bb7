"""The whole pipeline: articles -> stories and events -> a cited summary per story (the digest).

``digest`` is the one entry point the CLI, the web app and batch runners call. Each stage is a plain
function over frozen values; ``on_stage`` lets a caller show progress without the stages knowing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from datasketch import LeanMinHash

from khulasa.dedupe import DuplicateGroup
from khulasa.entities import Entity, mentions, resolve
from khulasa.figures import FigureGroup, extract, group_figures
from khulasa.model import Article, Citation, FileIssue, Summary
from khulasa.stories import ClusterConfig, Story, cluster
from khulasa.summarize import DEFAULT_CONFIG, SummaryConfig, summarize
from khulasa.text import sentences, tokenize

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class StoryDigest:
    """One story: its summary (every sentence cited), timeline (``story.events``), the people,
    places and organizations it mentions, and its key figures with the outlets' agreement."""

    story: Story
    summary: Summary
    entities: tuple[Entity, ...] = ()
    figures: tuple[FigureGroup, ...] = ()


@dataclass(frozen=True, slots=True)
class Digest:
    """The digest of a batch: stories (largest first), the articles they cite, the input issues."""

    stories: tuple[StoryDigest, ...]
    articles: tuple[Article, ...]
    issues: tuple[FileIssue, ...] = ()
    max_words: int = 250


def cite_copies(summary: Summary, groups: Sequence[DuplicateGroup], by_id: dict[str, Article],
                min_overlap: float = 0.6) -> Summary:
    """Add, to every citation of a kept article, the matching sentence of each of its folded copies
    (the copy's sentence with the highest token Jaccard overlap, when at least ``min_overlap``)."""
    copies = {g.representative: [by_id[m] for m in g.members[1:] if m in by_id] for g in groups}
    if not copies:
        return summary
    index = {a.id: [(frozenset(tokenize(s.text)), s) for s in sentences(a)] for cs in copies.values() for a in cs}
    out = []
    for item in summary.sentences:
        extra: list[Citation] = []
        for c in item.citations:
            cited = frozenset(tokenize(by_id[c.article_id].text[c.start:c.end]))
            for copy in copies.get(c.article_id, ()):
                if any(x.article_id == copy.id for x in (*item.citations, *extra)) or not cited:
                    continue
                overlap, match = max(((len(cited & toks) / len(cited | toks), sent) for toks, sent in index[copy.id]),
                                     key=lambda t: (t[0], -t[1].index), default=(0.0, None))
                if match is not None and overlap >= min_overlap:
                    extra.append(Citation(copy.id, copy.credit, copy.date, match.index, match.start, match.end,
                                          round(overlap, 3)))
        out.append(replace(item, citations=(*item.citations, *extra)) if extra else item)
    return replace(summary, sentences=tuple(out))


def _noop(stage: str, done: int, total: int) -> None:
    return None


def digest(articles: Sequence[Article], *, max_words: int = 250, issues: Sequence[FileIssue] = (),
           cluster_config: ClusterConfig | None = None, summary_config: SummaryConfig = DEFAULT_CONFIG,
           min_articles: int = 1, max_entities: int = 12, workers: int = 1, summaries: bool = True,
           on_stage: Progress = _noop) -> Digest:
    """Group ``articles`` into stories and summarize each within ``max_words``.

    Args:
        articles: cleaned articles (``read_articles``).
        max_words: word budget of each story's summary.
        issues: input issues to carry into the digest (reported with it).
        min_articles: stories with fewer articles are left out.
        max_entities: the most mentioned entities kept per story.
        workers: processes for the per-story work (summary, entities, figures); 1 runs in-process.
            The result is the same either way.
        summaries: False leaves every summary empty (entities and figures only, as ``khulasa facts``).
        on_stage: called as ``on_stage(stage, done, total)`` while the work goes on.
    """
    on_stage("stories", 0, 1)
    stories = [s for s in cluster(articles, cluster_config) if len(s.article_ids) >= min_articles]
    on_stage("stories", 1, 1)  # then per story: summary, entities, figures
    by_id = {a.id: a for a in articles}
    jobs = [(story, {a: by_id[a] for a in story.article_ids + tuple(m for g in story.duplicates for m in g.members)},
             max_words, summary_config, max_entities, summaries) for story in stories]
    out: list[StoryDigest] = []
    if workers > 1 and len(jobs) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            for n, result in enumerate(pool.map(_story_job, jobs, chunksize=max(1, len(jobs) // (4 * workers))), 1):
                out.append(result)
                on_stage("summaries", n, len(jobs))
    else:
        for n, job in enumerate(jobs, start=1):
            out.append(_story_job(job))
            on_stage("summaries", n, len(jobs))
    return Digest(tuple(out), tuple(articles), tuple(issues), max_words)


def _story_job(job: tuple[Story, dict[str, Article], int, SummaryConfig, int, bool]) -> StoryDigest:
    """One story's work as a picklable job (the same function runs in-process or in a worker)."""
    story, by_id, max_words, config, max_entities, summaries = job
    return story_digest(story, by_id, max_words=max_words, summary_config=config, max_entities=max_entities,
                        summary=summaries)


def story_digest(story: Story, by_id: dict[str, Article], *, max_words: int = 250,
                 summary_config: SummaryConfig = DEFAULT_CONFIG, max_entities: int = 12,
                 summary: bool = True) -> StoryDigest:
    """Summary (empty when ``summary`` is False), entities and figures of one story (articles from ``by_id``)."""
    members = [by_id[a] for a in story.article_ids]
    written = summarize(members, max_words=max_words, config=summary_config) if summary else \
        Summary((), max_words, tuple(a.id for a in members))
    entities = resolve([m for a in members for m in mentions(a)])
    figures = group_figures([f for a in members for f in extract(a)])
    return StoryDigest(story, cite_copies(written, story.duplicates, by_id), tuple(entities[:max_entities]),
                       tuple(figures))


class LiveDigest:
    """The digest of a growing collection, kept up to date as articles arrive (the server uses it).

    New articles are checked against an incremental MinHash LSH (copies are credited, not clustered)
    and placed by the incremental ``StoryIndex``; nothing is reclustered. A story's summary, entities
    and figures are recomputed only when its set of articles changed.
    """

    def __init__(self, *, max_words: int = 120, cluster_config: ClusterConfig | None = None) -> None:
        from khulasa.dedupe import lsh_index
        from khulasa.stories import StoryIndex

        self.max_words = max_words
        self.index = StoryIndex(cluster_config)
        self.lsh = lsh_index()
        self.signatures: dict[str, LeanMinHash] = {}
        self.copies: dict[str, list[str]] = {}
        self.articles: dict[str, Article] = {}
        self._cache: dict[tuple[str, ...], StoryDigest] = {}

    def add(self, articles: Sequence[Article]) -> None:
        """Take in new articles (ids already seen are ignored)."""
        from khulasa.dedupe import THRESHOLD, signature
        from khulasa.stories import canonical_order

        fresh: list[Article] = []
        for a in canonical_order(x for x in articles if x.id not in self.articles):
            self.articles[a.id] = a
            sig = signature(a.text)
            original = next((k for k in sorted(self.lsh.query(sig))
                             if sig.jaccard(self.signatures[k]) >= THRESHOLD), None)
            if original is not None:
                self.copies.setdefault(original, []).append(a.id)
                continue
            self.lsh.insert(a.id, sig)
            self.signatures[a.id] = sig
            fresh.append(a)
        self.index.update(fresh)

    def digest(self) -> Digest:
        """The current digest; unchanged stories reuse their earlier summary."""
        groups = [DuplicateGroup(rep, (rep, *cs), tuple(dict.fromkeys(self.articles[m].credit for m in (rep, *cs))))
                  for rep, cs in sorted(self.copies.items())]
        out = []
        for story in self.index.stories(groups):
            key = (*story.article_ids, *(m for g in story.duplicates for m in g.members))
            if key not in self._cache:
                self._cache[key] = story_digest(story, self.articles, max_words=self.max_words)
            cached = self._cache[key]
            out.append(StoryDigest(story, cached.summary, cached.entities, cached.figures))
        return Digest(tuple(out), tuple(self.articles.values()), (), self.max_words)
