"""Stories, events and timelines: grouping a news stream the way an editor would.

1. Near-duplicates are folded first (``dedupe``), keeping which outlets carried them.
2. Articles are taken in a canonical order (date, then content hash), so the result does not depend
   on the order they were given in. Each article becomes a TF-IDF vector of content stems (IDF from
   the articles seen so far; a stem no other article has weighs half: it cannot link) and joins the
   most similar story among the candidates that share one of its top terms (an inverted index: no step
   compares all pairs), or starts a new story.
   Stories the single pass split are then merged by average link over the stories' centroids;
   stories dated within a month of each other need less similarity (news comes in bursts), and the
   smaller of two groups joins the other only when it is clearly closer to it than to any third story
   (the margin rule: in a dense stream, a fragment as close to two stories belongs to neither).
3. Inside a story, an article joins the most similar event when it is close enough in content and
   its happening date (article date, or a weekday / "أمس" in its lead, resolved) falls within a
   few days of the event; otherwise it starts a new event.
4. Timeline: the events of a story in date order, each with a date or range, a confidence, a
   headline taken from its most central article, and its articles and outlets.

``StoryIndex`` is the incremental builder: ``add`` new articles to it at any time; ``cluster`` is
the batch entry point and is exactly an index fed in canonical order.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from khulasa.config import DEFAULT, ClusterConfig, Config
from khulasa.dates import find_dates
from khulasa.dedupe import fold
from khulasa.ingest.meta import dateline_of
from khulasa.model import Analysis, Article, DuplicateGroup, Event, Story
from khulasa.perf import paused_gc
from khulasa.text import TokenMemo, analysed, content_terms, stopwords
from khulasa.vectors import dot, unit


@functools.cache
def _place_stems() -> frozenset[str]:
    """Stems of the shipped gazetteer's place names: where a story happens tells stories apart."""
    from khulasa.entities import gazetteer

    return gazetteer()["PLACE_STEMS"]


_CANDIDATES = 16  # groups compared per article (those sharing most of its top terms)
_RECENT_EVENTS = 32  # events of a story an article is compared with (the latest ones)
_MAX_POSTING = 256  # a term heading more groups than this is not used to find candidates


@dataclass
class _Group:
    """Mutable centroid of a story or event while the index is being built."""

    centroid: dict[str, float] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    first: dt.date | None = None
    last: dt.date | None = None
    confidences: list[float] = field(default_factory=list)
    loaded_events: list[_Group] | None = field(default_factory=list)  # None: not read from the store yet
    norm: float = 0.0
    load_events: Callable[[], list[_Group]] | None = field(default=None, repr=False, compare=False)

    @property
    def events(self) -> list[_Group]:
        """The group's events (a store reads them on first use)."""
        if self.loaded_events is None:
            self.loaded_events = self.load_events() if self.load_events is not None else []
        return self.loaded_events

    def add(self, vec: dict[str, float], article_id: str, when: dt.date | None, conf: float, keep: int) -> None:
        for t, w in vec.items():
            self.centroid[t] = self.centroid.get(t, 0.0) + w
        if len(self.centroid) > keep * 2:
            self.centroid = {t: self.centroid[t] for t in _top(self.centroid, keep)}
        self.norm = math.sqrt(sum(v * v for v in self.centroid.values()))
        self.members.append(article_id)
        self.confidences.append(conf)
        if when is not None:
            self.first = when if self.first is None else min(self.first, when)
            self.last = when if self.last is None else max(self.last, when)


def _cosine(vec: dict[str, float], group: _Group) -> float:
    """Cosine of a unit vector with a group's centroid (its cached norm)."""
    shared = dot(vec, group.centroid)
    return shared / group.norm if shared and group.norm else 0.0


_TF = [0.0, *(1 + math.log(c) for c in range(1, 64))]  # a term's TF weight by its count


def _top(weights: dict[str, float], k: int) -> list[str]:
    """The ``k`` heaviest terms (ties: alphabetical), heaviest first."""
    return [t for _, t in heapq.nsmallest(k, [(-w, t) for t, w in weights.items()])]


def _best_candidates(terms: Iterable[str], postings: dict[str, list[int]] | dict[str, set[int]], limit: int,
                     exclude: int = -1) -> list[int]:
    """The ``limit`` groups sharing most of ``terms`` (ties: lower id), from an inverted index.

    Terms that head more than ``_MAX_POSTING`` groups say nothing about which group is right and
    are skipped, so the cost per lookup stays bounded however large the archive grows.
    """
    shared: Counter[int] = Counter()
    for t in terms:
        posting = postings.get(t, ())
        if len(posting) <= _MAX_POSTING:
            shared.update(posting)
    shared.pop(exclude, None)
    return [g for _, g in heapq.nsmallest(limit, [(-c, g) for g, c in shared.items()])]


def happening_date(item: Article | Analysis) -> tuple[dt.date | None, float]:
    """When the article's news happened, with a confidence: a weekday or "أمس" in its lead resolved
    against the article date, else the article date itself; an undated article may still name a full
    date in its lead. ``(None, 0.0)`` when nothing says."""
    analysis = analysed(item)
    article = analysis.article
    lead_sentences = [s.text for s in analysis.sentences[:2]]
    if lead_sentences:
        dl = dateline_of(lead_sentences[0])
        if dl is not None and dl.rest:
            lead_sentences[0] = dl.rest  # "لندن- يستضيف ...": the tense is in the verb after the dateline
    lead = " ".join(lead_sentences)
    mentions = [m for m in find_dates(lead, article.date) if m.first == m.last]
    if article.date is not None:
        near = [m for m in mentions if abs((m.first - article.date).days) <= 7 and m.confidence >= 0.7]
        if near:
            return near[0].first, 0.9
        return article.date, 0.8
    explicit = [m for m in mentions if m.confidence >= 1.0]
    if explicit:
        return explicit[0].first, 0.5
    return None, 0.0


def _dates_compatible(a: _Group, b: _Group, days: int) -> bool:
    """False when both groups are dated and more than ``days`` apart."""
    if a.first is None or b.first is None or a.last is None or b.last is None:
        return True
    return max((a.first - b.last).days, (b.first - a.last).days, 0) <= days


def average_link(groups: Sequence[_Group], threshold: float, top: int, max_gap_days: int | None = None,
                 same_time_factor: float = 1.0, max_fragment: int | None = None,
                 near_days: int | None = None, margin: float = 1.0) -> list[_Group]:
    """``average_link_parts`` without the parts."""
    return average_link_parts(groups, threshold, top, max_gap_days, same_time_factor, max_fragment, near_days,
                              margin)[0]


def average_link_parts(groups: Sequence[_Group], threshold: float, top: int, max_gap_days: int | None = None,
                       same_time_factor: float = 1.0, max_fragment: int | None = None,
                       near_days: int | None = None, margin: float = 1.0) -> tuple[list[_Group], list[list[int]]]:
    """Average-link agglomeration of groups (each holding the sum of its members' unit vectors), best pair first.

    The average cosine between the members of two groups is ``dot(S_a, S_b) / (n_a * n_b)``, so no
    member pair is compared; candidate pairs come from an inverted index over the groups' top terms.
    With ``max_gap_days``, dated groups further apart than that never merge, and dated groups within
    it need only ``threshold * same_time_factor`` (agreeing dates are evidence of one happening).
    With ``max_fragment``, a merge needs one side of at most that many members: fragments join
    groups, but two established groups (which the single pass kept apart) are not re-decided.
    With ``near_days``, only dated groups within that many days of each other get the lower threshold
    (other pairs need the full one): the articles of one story come in bursts (topic detection and
    tracking's time window).

    With ``margin`` above 1, a pair is joined only when the smaller group is ``margin`` times closer to
    the other than to any third group among its candidates (a rival: not itself close to the other and,
    with ``near_days``, of the smaller group's own time): in a dense stream (a day of five outlets) a
    fragment close to several stories belongs to none of them, while in a sparse one (a few topics, or
    the look-alike story years away) its one close story stands out.

    Returns the merged groups and, for each, the positions in ``groups`` of the groups it is made of
    (in the order their members were joined).
    """

    live: dict[int, _Group] = dict(enumerate(groups))
    parts: dict[int, list[int]] = {i: [i] for i in live}
    window = near_days if near_days is not None else max_gap_days  # dated this close: the lower threshold

    tops: dict[int, list[str]] = {}  # a live group's centroid never changes: its top terms are computed once

    def top_terms(i: int) -> list[str]:
        if i not in tops:
            tops[i] = _top(live[i].centroid, top)
        return tops[i]

    postings: dict[str, set[int]] = {}
    for i in live:
        for t in top_terms(i):
            postings.setdefault(t, set()).add(i)

    def avg_sim(ga: _Group, gb: _Group) -> float:
        return dot(ga.centroid, gb.centroid) / (len(ga.members) * len(gb.members))

    heap: list[tuple[float, int, int]] = []
    rival_below = threshold * same_time_factor  # a third group at least this close to the partner is no rival

    near: dict[int, list[int]] = {}  # a group's candidates, found once; a group merged later joins its neighbours' lists

    def candidates(i: int) -> list[int]:
        if i not in near:
            near[i] = _best_candidates(top_terms(i), postings, _CANDIDATES * 2, exclude=i)
            for j in near[i]:
                if j in near and i not in near[j]:
                    near[j].append(i)
        return [j for j in near[i] if j in live]

    def stands_out(small: int, other: int, sim: float) -> bool:
        """The smaller group is ``margin`` times closer to ``other`` than to any third candidate that is
        not itself close to ``other`` (two fragments of one story are no rivals) and is of its time."""
        ga, gb = live[small], live[other]
        for j in candidates(small):
            if j == other or (window is not None and not _dates_compatible(ga, live[j], window)):
                continue
            if sim < margin * avg_sim(ga, live[j]) and avg_sim(gb, live[j]) < rival_below:
                return False
        return True

    def push_candidates(i: int) -> None:
        g = live[i]
        cands = candidates(i)
        for j in cands:
            h = live[j]
            if max_fragment is not None and min(len(g.members), len(h.members)) > max_fragment:
                continue
            needed = threshold
            if max_gap_days is not None and not _dates_compatible(g, h, max_gap_days):
                continue
            if window is not None and g.first is not None and h.first is not None and _dates_compatible(g, h, window):
                needed = threshold * same_time_factor
            sim = avg_sim(g, h)
            if sim >= needed:
                heapq.heappush(heap, (-sim, min(i, j), max(i, j)))

    for i in sorted(live):
        push_candidates(i)
    next_id = len(groups)
    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in live or b not in live:
            continue
        if margin > 1.0:
            small, other = (a, b) if len(live[a].members) <= len(live[b].members) else (b, a)
            if not stands_out(small, other, -neg):
                continue
        merged = combine((live.pop(a), live.pop(b)))
        live[next_id] = merged
        parts[next_id] = parts.pop(a) + parts.pop(b)
        for t in top_terms(next_id):
            postings.setdefault(t, set()).add(next_id)
        push_candidates(next_id)
        next_id += 1
    return [live[k] for k in sorted(live)], [parts[k] for k in sorted(live)]


def combine(groups: Sequence[_Group]) -> _Group:
    """One group holding ``groups`` in order, as ``average_link`` joins them (members, events, dates,
    summed centroid)."""
    parts = list(groups)
    merged = _Group(loaded_events=None, load_events=lambda: [e for g in parts for e in g.events])  # read on use
    for g in parts:
        for t, w in g.centroid.items():
            merged.centroid[t] = merged.centroid.get(t, 0.0) + w
        merged.members.extend(g.members)
        merged.confidences.extend(g.confidences)
        for when in (g.first, g.last):
            if when is not None:
                merged.first = when if merged.first is None else min(merged.first, when)
                merged.last = when if merged.last is None else max(merged.last, when)
    merged.norm = math.sqrt(sum(v * v for v in merged.centroid.values()))
    return merged


def term_counts(analysis: Analysis) -> Counter[str]:
    """The content stems of an article (its title's count twice) and how often each occurs: what its
    story and event vectors weigh."""
    stop = stopwords(analysis.language)
    tf = Counter(2 * [s for s in content_terms(analysis.title, stop) if len(s) > 1])
    for tokens in analysis.tokens:
        tf.update(s for s in content_terms(tokens, stop) if len(s) > 1)
    return tf


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """What the index keeps of an article to build its story: the canonical order key, its publisher and
    the text that heads an event or a story it is central to (its title, else its first sentence)."""

    date: dt.date | None
    content_hash: str
    credit: str
    headline: str

    @staticmethod
    def of(analysis: Analysis) -> ArticleInfo:
        """The info of an analysed article."""
        a = analysis.article
        head = a.title or (analysis.sentences[0].text if analysis.sentences else a.text[:120])
        return ArticleInfo(a.date, a.content_hash, a.credit, head)


def story_id(root: ArticleInfo, article_id: str) -> str:
    """The stable id of a story whose earliest article (canonical order) is ``article_id``: ``s`` and 12
    hex digits of that article's content hash, the same in the batch digest, the store and the server."""
    from khulasa.text import content_hash

    return "s" + (root.content_hash or content_hash(article_id))[:12]


class StoryIndex:
    """Incremental story and event clustering. Picklable; feed it with ``add``; read it with ``stories``.

    Its state is plain values (``group_state``, ``df``, ``postings``, ``n_docs``; ``load`` restores it),
    so a store can keep it; ``dirty_groups`` and ``dirty_terms`` say what changed since they were last
    cleared. ``tf`` and ``info`` (per article) are needed only to build stories: a store may drop them and
    fill them again for the members of the stories it rebuilds.
    """

    def __init__(self, config: ClusterConfig | None = None) -> None:
        self.config = config or ClusterConfig()
        self.df: Counter[str] = Counter()
        self.n_docs = 0
        self.groups: _GroupList = []
        self.postings: dict[str, list[int]] = {}
        self.info: dict[str, ArticleInfo] = {}
        self.tf: dict[str, Counter[str]] = {}  # term counts of the articles added (a store keeps them)
        self.assignment: dict[str, tuple[int, int]] = {}
        self.observed: set[str] = set()
        self.term_counts: dict[str, Counter[str]] = {}  # of observed articles not added yet
        self.dirty_groups: set[int] = set()
        self.dirty_terms: set[str] = set()
        self._vectors_now: dict[str, dict[str, float]] = {}
        self._idf: dict[str, float] = {}  # each term's IDF while ``n_docs`` is ``_idf_docs`` (df unchanged)
        self._idf_docs = -1
        self.clusters: dict[int, list[int]] = {}  # the merge's partition: cluster id -> its groups
        self.cluster_of: dict[int, int] = {}
        self.cluster_terms: dict[int, list[str]] = {}
        self.cluster_postings: dict[str, list[int]] = {}  # lists, not sets: a third of the memory
        self.next_cluster = 0
        self.dirty_clusters: set[int] = set()
        self.dropped_clusters: set[int] = set()

    def observe(self, items: Iterable[Article | Analysis]) -> None:
        """Count the terms of the articles into the document frequencies (once per article id).

        Observing a whole batch before adding it gives every article of the batch the same IDF.
        """
        for item in items:
            if item.id in self.observed or item.id in self.assignment:
                continue
            self.observed.add(item.id)
            tf = term_counts(analysed(item))
            self.term_counts[item.id] = tf
            self.n_docs += 1
            self.df.update(tf.keys())
            self.dirty_terms.update(tf.keys())

    def _vectors(self, tf: Mapping[str, int]) -> tuple[dict[str, float], dict[str, float]]:
        """An article's story vector and event vector from its term counts (place names weighted by
        ``event_place_weight`` in the event vector).

        In the story vector a term no other article has (yet) weighs ``unique_term_weight`` of its TF-IDF:
        IDF gives such terms the highest weights, yet they are in no other vector, so they only lengthen
        the article's and lower its cosine with its own story. The event vector keeps them whole: the
        details of one article are what tells one happening from the next.
        """
        base = self._tfidf(tf)
        return self.vector(tf, base), self._unit(base, self.config.event_place_weight)

    def _tfidf(self, tf: Mapping[str, int]) -> dict[str, float]:
        n, df = self.n_docs, self.df
        if self._idf_docs != n:  # every change of df changes n_docs (``load`` clears it too)
            self._idf.clear()
            self._idf_docs = n
        idf = self._idf
        out = {}
        for t, c in tf.items():
            w = idf.get(t)
            if w is None:
                w = idf[t] = math.log((1 + n) / (1 + df[t])) + 1
            out[t] = (_TF[c] if c < len(_TF) else 1 + math.log(c)) * w
        return out

    def vector(self, tf: Mapping[str, int], base: dict[str, float] | None = None) -> dict[str, float]:
        """The story vector of an article's term counts ``tf`` with the document frequencies as they are now."""
        weights = self._tfidf(tf) if base is None else base
        df, lone, place = self.df, self.config.unique_term_weight, self.config.place_weight
        if place == 1.0:
            return self._unit({t: w * lone if df[t] < 2 else w for t, w in weights.items()}, 1.0)
        places = _place_stems()  # both scalings in one pass (in the same order: lone, then place)
        return self._unit({t: (w * lone if df[t] < 2 else w) * (place if t in places else 1.0)
                           for t, w in weights.items()}, 1.0)

    def _unit(self, weights: dict[str, float], place_weight: float) -> dict[str, float]:
        """Place names scaled by ``place_weight``, the ``vector_terms`` heaviest kept, unit length."""
        if place_weight != 1.0:
            places = _place_stems()
            weights = {t: v * place_weight if t in places else v for t, v in weights.items()}
        if len(weights) > self.config.vector_terms:
            weights = {t: weights[t] for t in _top(weights, self.config.vector_terms)}
        return unit(weights)

    def add(self, item: Article | Analysis) -> tuple[int, int]:
        """Place an article in a story and an event; return their positions. Re-adding an id is a no-op."""
        if item.id in self.assignment:
            return self.assignment[item.id]
        article = analysed(item)
        self.observe([article])
        tf = self.term_counts.pop(article.id, None) or Counter()
        when, conf = happening_date(article)
        return self.place(article.id, tf, when, conf, ArticleInfo.of(article))

    def observe_terms(self, article_id: str, tf: Counter[str]) -> None:
        """``observe`` for an article known by its term counts (a store re-reading its archive)."""
        if article_id in self.observed or article_id in self.assignment:
            return
        self.observed.add(article_id)
        self.term_counts[article_id] = tf
        self.n_docs += 1
        self.df.update(tf.keys())
        self.dirty_terms.update(tf.keys())

    def place(self, article_id: str, tf: Counter[str], when: dt.date | None, conf: float,
              info: ArticleInfo) -> tuple[int, int]:
        """Place an article given by its term counts, happening date and info (observed first); return the
        positions of its story and event."""
        if article_id in self.assignment:
            return self.assignment[article_id]
        self.term_counts.pop(article_id, None)
        self.tf[article_id] = tf
        cfg = self.config
        vec, event_vec = self._vectors(tf)
        top = _top(vec, cfg.top_terms)
        best, best_sim = -1, cfg.story_threshold
        for g in _best_candidates(top, self.postings, _CANDIDATES):
            sim = _cosine(vec, self.groups[g])
            if sim >= best_sim:
                best, best_sim = g, sim
        if best < 0:
            self.groups.append(_Group())
            best = len(self.groups) - 1
        story = self.groups[best]
        story.add(vec, article_id, when, conf, cfg.centroid_terms)
        for t in _top(story.centroid, cfg.top_terms * 2):
            posting = self.postings.setdefault(t, [])
            if not posting or posting[-1] != best:
                if best in posting:
                    posting.remove(best)
                posting.append(best)
                del posting[:-64]  # bounded: recent stories stay reachable through common terms
                self.dirty_terms.add(t)
        event_pos = self._place_event(story, event_vec, article_id, when, conf)
        self.info[article_id] = info
        self.assignment[article_id] = (best, event_pos)
        self.observed.discard(article_id)
        self.dirty_groups.add(best)
        return best, event_pos

    def _place_event(self, story: _Group, vec: dict[str, float], article_id: str, when: dt.date | None,
                     conf: float) -> int:
        cfg = self.config
        best, best_sim = -1, cfg.event_threshold
        first = max(0, len(story.events) - _RECENT_EVENTS)  # articles come in date order: events are local
        for i, event in enumerate(story.events[first:], start=first):
            if when is not None and event.first is not None and event.last is not None:
                gap = max((event.first - when).days, (when - event.last).days, 0)
                if gap > cfg.event_days:
                    continue
            sim = _cosine(vec, event)
            if sim >= best_sim:
                best, best_sim = i, sim
        if best < 0:
            story.events.append(_Group())
            best = len(story.events) - 1
        story.events[best].add(vec, article_id, when, conf, cfg.centroid_terms)
        return best

    def update(self, items: Iterable[Article | Analysis]) -> tuple[tuple[int, int], ...]:
        """Add a batch of new articles: observe their terms, then place them in canonical order."""
        with paused_gc():
            memo = TokenMemo()
            batch = [analysed(a, memo) for a in canonical_order(items)]
            self.observe(batch)
            return tuple(self.add(a) for a in batch)

    def merged(self) -> list[_Group]:
        """The single-pass stories merged by average link (``merge_threshold``): each a group of articles."""
        return self._merge(list(self.groups))[0]

    def root(self, members: Iterable[str]) -> str:
        """The earliest of ``members`` in canonical order (their ``info`` must be known)."""
        def key(m: str) -> tuple[dt.date, str, str]:
            info = self.info[m]
            return (info.date or dt.date.max, info.content_hash, m)

        return min(members, key=key)

    def stories(self, duplicates: Sequence[DuplicateGroup] = ()) -> tuple[Story, ...]:
        """The stories so far (close stories merged), largest first, events in time order."""
        dup_of = {g.representative: g for g in duplicates}
        built = [self.story(g, dup_of) for g in self.merged()]
        built.sort(key=lambda s: (-len(s.article_ids), s.id))
        return tuple(built)

    def story(self, group: _Group, dup_of: Mapping[str, DuplicateGroup], sid: str | None = None) -> Story:
        """The story of a merged group (``merged``): its events (merged by average link, in time order),
        headline, outlets and copies. ``sid``: its id (default: ``story_id`` of its earliest article)."""
        if sid is None:
            root = self.root(group.members)
            sid = story_id(self.info[root], root)
        self._vectors_now = {}  # each member's vector once per story built (its events and itself share them)
        merged_events = average_link(group.events, self.config.event_merge_threshold, self.config.top_terms * 2,
                                     self.config.event_days, same_time_factor=0.5)
        events = sorted(merged_events, key=lambda e: (e.first or dt.date.max, e.members[0]))
        ev_out = tuple(self._event(f"{sid}e{k}", e, dup_of) for k, e in enumerate(events, start=1))
        members = tuple(m for e in ev_out for m in e.article_ids)
        outlets = tuple(dict.fromkeys(o for e in ev_out for o in e.outlets))
        headline = self._headline(group)[0]
        return Story(sid, members, ev_out, headline, outlets, tuple(dup_of[m] for m in group.members if m in dup_of))

    def _headline(self, group: _Group) -> tuple[str, str]:
        """The headline of the member closest to the sum of the members' vectors (taken with today's
        document frequencies: the same whatever order the articles came in), and that member."""
        cache = self._vectors_now
        vectors = {m: cache[m] if m in cache else cache.setdefault(m, self.vector(self.tf[m])) for m in group.members}
        total: dict[str, float] = {}
        for vec in vectors.values():
            for t, w in vec.items():
                total[t] = total.get(t, 0.0) + w
        best = max(group.members, key=lambda m: (round(dot(vectors[m], total), 9), m))
        return self.info[best].headline, best

    def _event(self, eid: str, e: _Group, dup_of: Mapping[str, DuplicateGroup]) -> Event:
        members = tuple(sorted(e.members, key=lambda m: (self.info[m].date or dt.date.max, m)))
        outlets: list[str] = []
        for m in members:
            outlets.append(self.info[m].credit)
            if m in dup_of:
                outlets.extend(dup_of[m].outlets)
        headline, source = self._headline(e)
        conf = sum(e.confidences) / len(e.confidences) if e.confidences else 0.0
        return Event(eid, members, e.first, e.last, round(conf, 2), headline, source,
                     tuple(dict.fromkeys(outlets)))

    def replace_member(self, old: str, new: str, where: tuple[int, int] | None = None) -> None:
        """Put article ``new`` in the place of ``old`` (a copy found later that represents it better);
        ``where``: old's (group, event) when the index does not hold its assignment (a store's)."""
        g, e = where if where is not None else self.assignment[old]
        self.assignment.pop(old, None)
        for members in (self.groups[g].members, self.groups[g].events[e].members):
            members[members.index(old)] = new
        self.assignment[new] = (g, e)
        if old in self.tf:
            self.tf[new] = self.tf.pop(old)
        self.dirty_groups.add(g)

    # --- the merge's partition, kept up to date as articles arrive (a store) ---------------------

    def _merge(self, groups: Sequence[_Group]) -> tuple[list[_Group], list[list[int]]]:
        cfg = self.config
        with paused_gc():
            return average_link_parts(groups, cfg.merge_threshold, cfg.top_terms * 2, max_fragment=cfg.merge_max_fragment,
                                      near_days=cfg.merge_near_days, same_time_factor=cfg.merge_near_factor,
                                      margin=cfg.merge_margin)

    def _set_cluster(self, gids: list[int], terms: list[str]) -> int:
        cid = self.next_cluster
        self.next_cluster += 1
        self.clusters[cid] = gids
        self.cluster_terms[cid] = terms
        for g in gids:
            self.cluster_of[g] = cid
        for t in terms:
            self.cluster_postings.setdefault(t, []).append(cid)  # a new id: never there yet
        self.dirty_clusters.add(cid)
        return cid

    def _drop_cluster(self, cid: int) -> None:
        for t in self.cluster_terms.pop(cid):
            posting = self.cluster_postings.get(t)
            if posting is not None:
                if cid in posting:
                    posting.remove(cid)
                if not posting:
                    del self.cluster_postings[t]
        for g in self.clusters.pop(cid):
            if self.cluster_of.get(g) == cid:
                del self.cluster_of[g]
        if cid in self.dirty_clusters:
            self.dirty_clusters.discard(cid)
        else:
            self.dropped_clusters.add(cid)

    def merge_all(self) -> None:
        """Merge every group (as ``merged``) and keep the partition: the clusters, each a list of groups."""
        gids = list(range(len(self.groups)))
        merged, parts = self._merge([self.groups[g] for g in gids])
        for cid in list(self.clusters):
            self._drop_cluster(cid)
        for m, p in zip(merged, parts, strict=True):
            self._set_cluster([gids[i] for i in p], _top(m.centroid, self.config.top_terms * 2))

    def merge_dirty(self) -> None:
        """Bring the partition up to date after ``dirty_groups`` changed, looking only near them: the new
        groups (in no cluster yet) are merged by average link with each other and with the clusters that
        hold the changed groups or share top terms with the new ones, each cluster taken whole (the
        merge that made it is not re-decided; a re-pass does that). The rest of the archive is not
        looked at. New clusters go to ``dirty_clusters``."""
        top = self.config.top_terms * 2
        dirty = sorted(self.dirty_groups)
        loose = [g for g in dirty if g not in self.cluster_of]
        near = {self.cluster_of[g] for g in dirty if g in self.cluster_of}
        for g in loose:
            near.update(_best_candidates(_top(self.groups[g].centroid, top), self.cluster_postings, _CANDIDATES * 2))
        whole = sorted(near)
        units: list[list[int]] = [[g] for g in loose] + [self.clusters[c] for c in whole]
        merged, parts = self._merge([self.groups[g] for g in loose] + [self.cluster(c) for c in whole])
        for m, p in zip(merged, parts, strict=True):
            if len(p) == 1 and p[0] >= len(loose) and not set(units[p[0]]) & set(dirty):
                continue  # a cluster that neither changed nor took anything in stays as it is
            for i in p:
                if i >= len(loose):
                    self._drop_cluster(whole[i - len(loose)])
            self._set_cluster([g for i in p for g in units[i]], _top(m.centroid, top))

    def cluster(self, cid: int) -> _Group:
        """Cluster ``cid`` as one group (``combine`` of its groups, in the merge's order)."""
        return combine([self.groups[g] for g in self.clusters[cid]])

    # --- the state as plain values (a store keeps it) -------------------------------------------

    def group_state(self, gid: int, events: bool = True) -> dict[str, Any]:
        """Group ``gid`` (a single-pass story) as JSON values; ``events``: with its events' states."""
        return state_of_group(self.groups[gid], events)

    def load(self, n_docs: int, df: Mapping[str, int], postings: Mapping[str, list[int]], groups: _GroupList,
             clusters: Mapping[int, tuple[list[int], list[str]]] | None = None) -> None:
        """Restore a saved state: ``groups`` may read each group on first use (a store's); ``clusters``:
        the merge's partition (id -> groups, top terms). Nothing is dirty after."""
        self.n_docs = n_docs
        self.df = Counter(df)
        self._idf.clear()
        self.postings = {t: list(p) for t, p in postings.items()}
        self.groups = groups
        self.assignment = {}
        self.clusters, self.cluster_of, self.cluster_terms, self.cluster_postings = {}, {}, {}, {}
        for cid, (gids, terms) in sorted((clusters or {}).items()):
            self.next_cluster = cid
            self._set_cluster(list(gids), list(terms))
        self.next_cluster = max(self.clusters, default=-1) + 1
        for dirty in (self.dirty_groups, self.dirty_terms, self.dirty_clusters, self.dropped_clusters):
            dirty.clear()


class _GroupList(Protocol):
    def __getitem__(self, gid: int) -> _Group: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[_Group]: ...
    def append(self, group: _Group) -> None: ...


def state_of_group(g: _Group, events: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"c": {t: round(w, 9) for t, w in g.centroid.items()}, "m": g.members,
           "f": g.first.isoformat() if g.first else None, "l": g.last.isoformat() if g.last else None,
           "k": g.confidences}
    if events:
        out["e"] = [state_of_group(e) for e in g.events]
    return out


def group_of_state(d: Mapping[str, Any], load_events: Callable[[], list[_Group]] | None = None) -> _Group:
    """The group saved by ``group_state``; without its events in ``d``, ``load_events`` reads them.

    Its terms are interned: a store's merge reads most groups of the archive at once, and each read
    would otherwise hold its own copy of every term (at 20k articles, 56 of the merge's 84 MB)."""
    intern = sys.intern
    g = _Group({intern(t): w for t, w in d["c"].items()}, list(d["m"]), dt.date.fromisoformat(d["f"]) if d["f"] else None,
               dt.date.fromisoformat(d["l"]) if d["l"] else None, list(d["k"]),
               [group_of_state(e) for e in d["e"]] if "e" in d else None, load_events=load_events)
    g.norm = math.sqrt(sum(v * v for v in g.centroid.values()))
    return g


def _order_key(item: Article | Analysis) -> tuple[dt.date, str, str]:
    a = item.article if isinstance(item, Analysis) else item
    return (a.date or dt.date.max, a.content_hash, a.id)


_Item = TypeVar("_Item", bound=Article | Analysis)


def canonical_order(items: Iterable[_Item]) -> list[_Item]:
    """Articles (or analyses) sorted by (date, content hash, id): the order clustering consumes them in."""
    return sorted(items, key=_order_key)


def cluster(items: Sequence[Article | Analysis], config: Config | ClusterConfig | None = None) -> tuple[Story, ...]:
    """Fold near-duplicates, then group the articles into stories and events (batch entry point).

    ``config``: the whole ``Config`` (its ``dedupe`` and ``cluster`` sections are read) or only the
    clustering section (the default near-duplicate threshold then applies).
    """
    whole = config if isinstance(config, Config) else DEFAULT
    cfg = config if isinstance(config, ClusterConfig) else whole.cluster
    memo = TokenMemo()
    analyses = [analysed(a, memo) for a in items]
    kept, groups = fold(analyses, whole.dedupe.threshold)
    index = StoryIndex(cfg)
    index.update(kept)
    return index.stories(groups)
