"""The live archive: a store that keeps every derived result and updates only what changed.

One update path (``Archive.add``) serves ``khulasa ingest``, ``POST /api/articles`` and ``khulasa watch``:

1. **Per batch** (``batch_size`` articles, one transaction, so memory is flat in the batch size and a
   batch is stored whole or not at all): the new articles are stored, analysed once, their
   near-duplicates found (within the batch with the batch rule, then against the stored signatures
   through the stored LSH band keys), their mentions and figures found, and the story index updated;
   the rows of the index that changed (groups, document frequencies, postings) are written back.
2. **Stories**: the index's stories are compared with the stored ones; only those that gained or lost
   an article (or a copy) are rewritten, keeping their ids (a story's id comes from its earliest article
   and stays when it grows; a story absorbed by another redirects to it).
3. **Digests**: the summary, entities and figures of each rewritten story, from the stored analyses,
   in bounded transactions. Until then the story is listed with its previous digest gone (``doc`` NULL).

Every derived row carries the stamp of the code and settings that made it (``stamp``): a store built
with other settings is rebuilt with ``rebuild`` (``khulasa ingest`` says so). Readers (the server)
only read the ``stories`` rows: ``stored_digest`` builds a ``Digest`` from them without recomputing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import zlib
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from khulasa.config import DEFAULT, Config
from khulasa.model import (
    Analysis,
    Article,
    ArticleDerived,
    ArticleFacts,
    ArticleUnits,
    Digest,
    DuplicateGroup,
    Story,
    StoryDigest,
    Summary,
    from_dict,
    to_dict,
)
from khulasa.pipeline import Progress, no_progress
from khulasa.store import IndexRows, Store, index_rows, index_story
from khulasa.text import TokenMemo, analyse, pack_analysis, unpack_analysis

if TYPE_CHECKING:
    from khulasa.engine import Engine

BATCH_SIZE = 200  # articles per transaction


def stamp(config: Config) -> str:
    """The version of the code and of the settings that derived results depend on."""
    from khulasa import __version__

    settings = json.dumps(to_dict((config.dedupe, config.cluster, config.summary, config.facts)), sort_keys=True)
    return f"{__version__}+{hashlib.sha256(settings.encode()).hexdigest()[:10]}"


@dataclass(frozen=True, slots=True)
class UpdateReport:
    """What one update did: article ids added / skipped (stored already) / repeated within the input,
    the copies found among the added, and the stories rewritten (ids) of all stored."""

    added: tuple[str, ...]
    skipped: tuple[str, ...]
    repeated: tuple[str, ...]
    copies: int
    stories_changed: tuple[str, ...]
    stories: int


def _chunks(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    chunk: list[Article] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def derive_articles(job: tuple[Sequence[Article], Config]) -> list[ArticleDerived]:
    """What each article of a shard gives on its own (``ArticleDerived``): analysed once, its signature,
    term counts, happening date, headline and facts. A stage function: any engine runs it."""
    from khulasa.dedupe import signature, signature_bytes
    from khulasa.pipeline import article_facts
    from khulasa.stories import ArticleInfo, happening_date, term_counts
    from khulasa.summary.units import article_units, pack_units

    articles, config = job
    memo = TokenMemo()
    analyses = [analyse(a, memo) for a in articles]
    out = []
    for a, facts in zip(analyses, article_facts(analyses, config.facts.ner), strict=True):
        when, conf = happening_date(a)
        out.append(ArticleDerived(a.id, signature_bytes(signature(a)), dict(term_counts(a)), when, conf,
                                  ArticleInfo.of(a).headline, facts, pack_analysis(a), pack_units(article_units(a))))
    return out


@dataclass(frozen=True, slots=True)
class _StoryWork:
    """One story's digest to compute: its stored id and JSON, its articles, and their facts, units and
    (where their units are not current) analyses as stored (decoded by the worker, not by the process that
    reads the store; None: not stored)."""

    sid: str
    story_json: str
    articles: tuple[Article, ...]
    facts: dict[str, bytes | None]
    units: dict[str, bytes | None]
    analyses: dict[str, bytes | None]


Made = tuple[list[tuple[bytes, str]], list[tuple[bytes, str]]]  # analyses and units made, packed, with the id


def digest_stories(job: tuple[Sequence[_StoryWork], Config, str]
                   ) -> list[tuple[bytes, bytes, bytes, bytes, str, str, str, IndexRows, Made]]:
    """The stored documents of each story of a job (its digest, API document, page part and brief page
    part, ``html.brief_part``), as rows for ``UPDATE stories``, each with what the entity and outlet
    indexes hold of it (``index_rows``) and the analyses and units it had to make (packed, with the
    article id: for a store from before they were kept, or made by other code). A stage function: any
    engine runs it; the stories of a job share a memo."""
    from khulasa.output import html as pages
    from khulasa.output import json as documents
    from khulasa.pipeline import story_digest

    works, config, stamp_ = job
    memo = TokenMemo()
    rows = []
    for work in works:
        story = from_dict(Story, json.loads(work.story_json))
        articles = {a.id: a for a in work.articles}
        facts = {aid: ArticleFacts((), ()) if data is None else from_dict(ArticleFacts, unpack(data))
                 for aid, data in work.facts.items()}  # None: an article stored before the store kept facts
        made: Made = ([], [])
        units = {a.id: _stored_units(a, work.units.get(a.id), work.analyses.get(a.id), memo, made)
                 for a in work.articles}
        sd = story_digest(story, units, config=config, facts=facts, memo=memo)
        one = Digest((sd,), work.articles, (), config.summary.max_words)
        api = documents.digest_document(one)["stories"][0]
        doc = to_dict(sd)
        part = pages.story_part(sd, articles, texts=False)
        rows.append((_pack(doc), _pack(api), _pack(part), _pack(pages.brief_part(part)), stamp_, work.sid,
                     work.story_json, index_rows(work.sid, doc), made))
    return rows


def _stored_units(article: Article, data: bytes | None, analysis: bytes | None, memo: TokenMemo, made: Made
                  ) -> ArticleUnits:
    """The stored units of ``article``; else (none stored, or not ones this code reads) new ones, made from
    its stored analysis or a new one, appended to ``made`` packed, to be stored."""
    from khulasa.summary.units import article_units, pack_units, unpack_units

    if data is not None:
        with contextlib.suppress(ValueError):
            return unpack_units(article, data)
    new = article_units(_stored_analysis(article, analysis, memo, made[0]))
    made[1].append((pack_units(new), article.id))
    return new


def _stored_analysis(article: Article, data: bytes | None, memo: TokenMemo, made: list[tuple[bytes, str]]
                     ) -> Analysis:
    """The stored analysis of ``article``, else (none stored, or not one this code reads) a new one,
    appended to ``made`` packed, to be stored."""
    if data is not None:
        with contextlib.suppress(ValueError):
            return unpack_analysis(article, data)
    analysis = analyse(article, memo)
    made.append((pack_analysis(analysis), article.id))
    return analysis


class _StoredGroups:
    """The story index's groups as a store keeps them: each read on first use (its events on first use of
    them), new ones appended in memory until saved."""

    def __init__(self, db: Any, n: int) -> None:
        self.db = db
        self.n = n
        self.cache: dict[int, Any] = {}

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, gid: int) -> Any:
        from khulasa.stories import group_of_state

        group = self.cache.get(gid)
        if group is None:
            if not 0 <= gid < self.n:
                raise IndexError(gid)
            row = self.db.execute("SELECT data FROM index_groups WHERE gid=?", (gid,)).fetchone()
            group = self.cache[gid] = group_of_state(json.loads(row[0]), functools.partial(self._events, gid))
        return group

    def members(self, gid: int) -> list[str]:
        """A group's members, read without keeping the group (its term counts are most of its size)."""
        group = self.cache.get(gid)
        if group is not None:
            return list(group.members)
        row = self.db.execute("SELECT data FROM index_groups WHERE gid=?", (gid,)).fetchone()
        return list(json.loads(row[0])["m"])

    def _events(self, gid: int) -> list[Any]:
        from khulasa.stories import group_of_state

        row = self.db.execute("SELECT data FROM index_events WHERE gid=?", (gid,)).fetchone()
        return [group_of_state(e) for e in json.loads(row[0])] if row else []

    def __iter__(self) -> Iterator[Any]:
        return (self[g] for g in range(self.n))

    def append(self, group: Any) -> None:
        self.cache[self.n] = group
        self.n += 1

    def forget(self) -> None:
        """Drop the groups read so far (after they were saved)."""
        self.cache.clear()


@dataclass(frozen=True, slots=True)
class _Pending:
    """A cluster whose story may have changed: its id and members (in the merge's order)."""

    cid: int
    members: list[str]


def _pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def unpack(data: bytes) -> Any:
    """A stored JSON value (``_pack``: the facts of an article, the documents of a story)."""
    return json.loads(zlib.decompress(data).decode("utf-8"))


def _rank(article: Article) -> tuple[dt.date, int, str]:
    """The near-duplicate representative rule of ``khulasa.dedupe``: earliest, then longest, then id."""
    return (article.date or dt.date.max, -len(article.text), article.id)


class Archive:
    """The writer of a live store: ``add`` articles, and every derived result follows.

    One ``Archive`` per writing process; several processes may write the same store (each batch is one
    ``BEGIN IMMEDIATE`` transaction, and a writer reloads the index when another one changed it).
    """

    def __init__(self, store: Store, config: Config = DEFAULT, *, batch_size: int = BATCH_SIZE,
                 engine: Engine | None = None) -> None:
        from khulasa.engine import Local
        from khulasa.stories import StoryIndex

        self.engine: Engine = engine or Local()  # runs the per-article and per-story work
        self.store = store
        self.config = config
        self.batch_size = batch_size
        self.stamp = stamp(config)
        self.index = StoryIndex(config.cluster)
        self._generation = -1  # of the index state loaded (meta 'generation')

    # --- state ---------------------------------------------------------------------------------

    def _meta(self, key: str, default: str = "") -> str:
        row = self.store.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else default

    def _set_meta(self, key: str, value: object) -> None:
        self.store.db.execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET "
                              "value=excluded.value", (key, str(value)))

    @property
    def stale(self) -> bool:
        """True when the stored derived state was made by other code or settings (``rebuild`` it)."""
        stored = self._meta("derived_stamp")
        return bool(stored) and stored != self.stamp

    def _sync(self) -> None:
        """Load the story index from the store when another writer changed it (or on first use): document
        frequencies, postings and the merge's partition in memory; each group read on first use."""
        generation = int(self._meta("generation", "0"))
        if generation == self._generation:
            return
        db = self.store.db
        df: dict[str, int] = {}
        postings: dict[str, list[int]] = {}
        for term, n, posting in db.execute("SELECT term, df, posting FROM index_terms"):
            df[term] = int(n)
            if posting:
                postings[term] = json.loads(posting)
        clusters = {int(c): (json.loads(g), json.loads(t)) for c, g, t in
                    db.execute("SELECT cid, gids, terms FROM index_clusters")}
        n_groups = int(db.execute("SELECT count(*) FROM index_groups").fetchone()[0])
        self.index.load(int(self._meta("index_docs", "0")), df, postings, _StoredGroups(db, n_groups), clusters)
        self._generation = generation

    def _save_index(self) -> None:
        """Write back what changed in the index (inside the caller's transaction); then forget the groups
        read for it, so memory holds only the frequencies, postings and partition."""
        from khulasa.stories import state_of_group

        index, db = self.index, self.store.db
        dump = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
        dirty = sorted(index.dirty_groups)
        db.executemany("INSERT OR REPLACE INTO index_groups(gid, data) VALUES (?, ?)",
                       [(g, dump(index.group_state(g, events=False))) for g in dirty])
        db.executemany("INSERT OR REPLACE INTO index_events(gid, data) VALUES (?, ?)",
                       [(g, dump([state_of_group(e) for e in index.groups[g].events])) for g in dirty
                        if index.groups[g].loaded_events is not None])
        db.executemany("INSERT OR REPLACE INTO index_terms(term, df, posting) VALUES (?, ?, ?)",
                       [(t, index.df[t], json.dumps(index.postings[t]) if t in index.postings else None)
                        for t in sorted(index.dirty_terms)])
        db.executemany("DELETE FROM index_clusters WHERE cid=?", [(c,) for c in sorted(index.dropped_clusters)])
        db.executemany("INSERT OR REPLACE INTO index_clusters(cid, gids, terms, pending) VALUES (?, ?, ?, 1)",
                       [(c, json.dumps(index.clusters[c]), dump(index.cluster_terms[c]))
                        for c in sorted(index.dirty_clusters)])
        for changed in (index.dirty_groups, index.dirty_terms, index.dirty_clusters, index.dropped_clusters):
            changed.clear()
        if isinstance(index.groups, _StoredGroups):
            index.groups.forget()
        else:  # a re-pass built the groups in memory: from now on they are read from the store
            index.groups = _StoredGroups(db, len(index.groups))
        index.assignment.clear()
        self._generation = int(self._meta("generation", "0")) + 1
        self._set_meta("generation", self._generation)
        self._set_meta("index_docs", index.n_docs)
        self._set_meta("derived_stamp", self.stamp)

    # --- the update path -------------------------------------------------------------------------

    def add(self, articles: Iterable[Article], *, on_progress: Progress = no_progress, total: int | None = None,
            digests: bool = True, stories: bool = True) -> UpdateReport:
        """Store the articles and bring every derived result up to date (see the module docstring).

        ``total``: how many articles to expect (for ``on_progress``); ``digests``: False leaves the
        summaries of changed stories to a later ``refresh``; ``stories``: False leaves the stories too,
        to a later ``finish`` (a caller adding many batches in a row). Raises ``StoreBusy`` when another process
        holds the store longer than the store's busy timeout (nothing of the pending batch is written).
        """
        added: list[str] = []
        skipped: list[str] = []
        repeated: list[str] = []
        copies = 0
        for chunk, derived in self._ahead(_chunks(articles, self.batch_size)):
            a, s, r, c = self._add_chunk(chunk, derived)
            added += a
            skipped += s
            repeated += r
            copies += c
            on_progress("articles", len(added) + len(skipped), total or len(added) + len(skipped))
        changed = self.finish(on_progress=on_progress, digests=digests) if stories else []
        n = int(self.store.db.execute("SELECT count(*) FROM stories").fetchone()[0])
        return UpdateReport(tuple(added), tuple(skipped), tuple(repeated), copies, tuple(changed), n)

    def finish(self, *, on_progress: Progress = no_progress, digests: bool = True) -> list[str]:
        """The stories after the articles added: a re-pass when due, the changed stories rewritten, their
        digests computed (unless ``digests`` is False). Returns the ids of the stories rewritten."""
        self.repass_if_due(on_progress=on_progress)
        changed = self.restory(on_progress=on_progress, digests=digests)
        if digests:
            self.refresh(on_progress=on_progress)  # any left without one (an update stopped half-way)
        return changed

    def _add_chunk(self, chunk: list[Article], derived: Mapping[tuple[str, str], ArticleDerived] | None = None
                   ) -> tuple[list[str], list[str], list[str], int]:
        with self.store.writing():
            self._sync()
            report, stored = self.store.insert(chunk)
            copies = self._derive(stored, derived)
        return list(report.added), list(report.skipped), list(report.repeated), copies

    def _shards(self, articles: Sequence[Article]) -> list[tuple[Sequence[Article], Config]]:
        """``derive_articles``' tasks for ``articles``: one per worker, of 100 articles at least (a smaller
        pile is not worth starting workers for: ``engine.Auto`` keeps one task in this process)."""
        shards = max(1, min(self.engine.workers, len(articles) // 100))
        size = -(-len(articles) // shards) if articles else 1
        return [(articles[k:k + size], self.config) for k in range(0, len(articles), size)]

    def _ahead(self, chunks: Iterable[list[Article]]
               ) -> Iterator[tuple[list[Article], dict[tuple[str, str], ArticleDerived]]]:
        """Each chunk with what ``derive_articles`` gives of those of its articles not stored yet (by id and
        content hash), worked out on the engine's workers ahead of the writes: the next chunk's while this
        one is written. An article the store renames (its id taken by another text) is derived again."""
        from khulasa.text import content_hash

        db = self.store.db
        told: deque[tuple[list[Article], list[tuple[str, str]], int]] = deque()  # each chunk handed out: its
        # articles, the (id, hash) of those derived, its number of tasks

        def tasks() -> Iterator[tuple[Sequence[Article], Config]]:
            for chunk in chunks:
                seen: set[str] = set()
                new, keys = [], []
                for a in chunk:
                    digest = a.content_hash or content_hash(a.text)
                    if digest not in seen and db.execute("SELECT 1 FROM articles WHERE content_hash=?",
                                                         (digest,)).fetchone() is None:
                        new.append(a)
                        keys.append((a.id, digest))
                    seen.add(digest)
                shards = self._shards(new) or [((), self.config)]  # one task at least: it tells the chunk
                told.append((chunk, keys, len(shards)))
                yield from shards

        results = iter(self.engine.map(derive_articles, tasks()))
        while True:
            first = next(results, None)
            if first is None:
                return
            chunk, keys, n = told.popleft()
            parts = [first, *(next(results) for _ in range(n - 1))]
            yield chunk, dict(zip(keys, (d for part in parts for d in part), strict=True))

    def _derive(self, stored: Sequence[Article], ahead: Mapping[tuple[str, str], ArticleDerived] | None = None
                ) -> int:
        """Analyse newly stored articles (``ahead``: what was derived of them already, by id and content
        hash), find their copies, update the story index and write it all back (inside the caller's
        transaction); return how many were copies."""
        from khulasa.dedupe import band_keys, find_duplicates, signature_from_bytes
        from khulasa.stories import ArticleInfo, canonical_order

        threshold = self.config.dedupe.threshold
        ahead = ahead or {}
        rest = [a for a in stored if (a.id, a.content_hash) not in ahead]
        done = {d.article_id: d for part in self.engine.map(derive_articles, self._shards(rest)) for d in part} \
            if rest else {}
        derived = [ahead.get((a.id, a.content_hash)) or done[a.id] for a in stored]
        sigs = [signature_from_bytes(d.signature) for d in derived]
        copy_of: dict[str, str] = {}
        for group in find_duplicates(stored, threshold, sigs):
            for m in group.members[1:]:
                copy_of[m] = group.representative
        takes_over: dict[str, str] = {}  # stored representative -> the new article that replaces it
        for a, sig in zip(stored, sigs, strict=True):
            if a.id not in copy_of:
                original = self._stored_copy(sig, threshold)
                if original is None:
                    continue
                if _rank(a) < self._stored_rank(original):  # the batch rule: earliest, longest, id
                    takes_over[original] = a.id
                else:
                    copy_of[a.id] = original
        for m, rep in list(copy_of.items()):
            copy_of[m] = copy_of.get(rep, rep)  # a copy of a batch article that copies a stored one
        fresh = canonical_order(a for a in stored if a.id not in copy_of and a.id not in takes_over.values())
        counts = {d.article_id: Counter(d.terms) for d in derived if d.article_id not in copy_of}
        dated = {d.article_id: (d.happening, d.confidence) for d in derived}
        infos = {a.id: ArticleInfo(a.date, a.content_hash, a.credit, d.headline) for a, d in zip(stored, derived, strict=True)}
        for a in fresh:
            self.index.observe_terms(a.id, counts[a.id])
        for a in fresh:
            when, conf = dated[a.id]
            self.index.place(a.id, counts[a.id], when, conf, infos[a.id])
        db = self.store.db
        for old, new in takes_over.items():
            gid, eid, old_sig = db.execute("SELECT gid, eid, signature FROM analyses WHERE article_id=?",
                                           (old,)).fetchone()
            self.index.replace_member(old, new, (int(gid), int(eid)))
            db.execute("UPDATE analyses SET copy_of=? WHERE copy_of=? OR article_id=?", (new, old, old))
            keys = band_keys(signature_from_bytes(old_sig), threshold)  # by its bands' keys: bands has no article index
            db.execute(f"DELETE FROM bands WHERE key IN ({','.join('?' * len(keys))}) AND article_id=?", (*keys, old))
        self.index.merge_dirty()
        where = dict(self.index.assignment)
        touched: set[int] = set()  # clusters whose stories gained a copy: their stories change too
        for rep in {*copy_of.values(), *takes_over.values()}:
            if rep in where:
                gid = where[rep][0]
            else:
                row = db.execute("SELECT gid FROM analyses WHERE article_id=?", (rep,)).fetchone()
                gid = row[0] if row and row[0] is not None else None
            if gid is not None and int(gid) in self.index.cluster_of:
                touched.add(self.index.cluster_of[int(gid)])
        rows = []
        for a, d in zip(stored, derived, strict=True):
            when, conf = dated[a.id]
            info = infos[a.id]
            tf = counts.get(a.id)
            fact = d.facts if a.id not in copy_of else None
            gid, eid = where.get(a.id, (None, None))
            rows.append((a.id, self.stamp, copy_of.get(a.id), d.signature,
                         when.isoformat() if when else None, conf, info.credit, info.headline,
                         json.dumps(tf, ensure_ascii=False) if tf is not None else None,
                         _pack(to_dict(fact)) if fact is not None else None, gid, eid, d.analysis or None,
                         d.units or None))
        db.executemany("INSERT INTO analyses(article_id, stamp, copy_of, signature, happening, confidence, "
                       "credit, headline, terms, facts, gid, eid, tokens, units) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       rows)
        db.executemany("INSERT INTO bands(key, article_id) VALUES (?, ?)",
                       [(k, a.id) for a, sig in zip(stored, sigs, strict=True) if a.id not in copy_of
                        for k in band_keys(sig, threshold)])
        self._save_index()
        db.executemany("UPDATE index_clusters SET pending=1 WHERE cid=?", [(c,) for c in sorted(touched)])
        self.index.tf.clear()  # memory stays flat: stories read them back from the store
        self.index.info.clear()
        return len(copy_of) + len(takes_over)

    def repass_if_due(self, *, on_progress: Progress = no_progress, force: bool = False) -> bool:
        """Re-cluster the whole archive when it has grown by ``cluster.repass_growth`` since the last time,
        or holds at most ``cluster.repass_below`` articles (or with ``force``): every kept article placed again in canonical order with today's document
        frequencies, so the stories are exactly the batch clustering's; the stories that come out the same
        keep their rows. Amortized, each article is placed about ``growth / (growth - 1)`` times. Returns
        whether it ran."""
        from khulasa.stories import ArticleInfo, StoryIndex

        with self.store.writing():
            self._sync()
            last = int(self._meta("pass_docs", "0"))
            cfg = self.config.cluster
            small = self.index.n_docs <= cfg.repass_below and self.index.n_docs != last
            if not (force or small or self.index.n_docs >= cfg.repass_growth * last):
                return False
            db = self.store.db
            for table in ("index_groups", "index_events", "index_terms", "index_clusters"):
                db.execute(f"DELETE FROM {table}")
            self.index = index = StoryIndex(self.config.cluster)  # the old one freed before the new one grows
            for (terms,) in db.execute("SELECT terms FROM analyses WHERE copy_of IS NULL AND terms IS NOT NULL"):
                tf = json.loads(terms)
                index.n_docs += 1
                index.df.update(tf.keys())
            total = index.n_docs
            in_memory = total <= cfg.repass_below  # small: all of it in memory, merged at once (exactly the batch)
            if not in_memory:  # large: groups written as they go, merged as they grow (memory stays flat)
                index.groups = _StoredGroups(db, 0)
            self._generation = -1  # until saved whole, the stored index is not this one

            def place_saved() -> None:  # each article's place, written as it is found (memory stays flat)
                db.executemany("UPDATE analyses SET gid=?, eid=? WHERE article_id=?",
                               [(g, e, aid) for aid, (g, e) in index.assignment.items()])
            rows = db.execute(
                "SELECT a.id, a.date, a.content_hash, n.terms, n.happening, n.confidence, n.credit, n.headline "
                "FROM articles a JOIN analyses n ON n.article_id=a.id WHERE n.copy_of IS NULL AND n.terms IS NOT NULL "
                "ORDER BY a.date IS NULL, a.date, a.content_hash, a.id")
            for n, (aid, date, chash, terms, when, conf, credit, headline) in enumerate(rows, start=1):
                day = dt.date.fromisoformat(date) if date else None
                index.place(aid, Counter(json.loads(terms)), dt.date.fromisoformat(when) if when else None, conf,
                            ArticleInfo(day, chash, credit, headline))
                if n % 1000 == 0:
                    index.tf.clear()
                    index.info.clear()
                    if not in_memory:
                        index.merge_dirty()
                        place_saved()
                        self._save_index()
                    on_progress("re-clustering", n, total)
            index.tf.clear()
            index.info.clear()
            on_progress("merging stories", 0, 1)
            if in_memory:
                index.merge_all()
                index.dirty_groups = set(range(len(index.groups)))
                index.dropped_clusters.clear()
            else:
                index.merge_dirty()
            place_saved()
            index.dirty_terms = set(index.df)
            self._save_index()
            self._set_meta("pass_docs", index.n_docs)
        return True

    def _stored_rank(self, article_id: str) -> tuple[dt.date, int, str]:
        row = self.store.db.execute("SELECT date, length(text) FROM articles WHERE id=?", (article_id,)).fetchone()
        return (dt.date.fromisoformat(row[0]) if row[0] else dt.date.max, -int(row[1]), article_id)

    def _stored_copy(self, sig: Any, threshold: float) -> str | None:
        """The stored kept article whose signature ``sig`` copies (the smallest id of several), or None."""
        from khulasa.dedupe import band_keys, signature_from_bytes

        keys = band_keys(sig, threshold)
        marks = ",".join("?" * len(keys))
        rows = self.store.db.execute(
            f"SELECT DISTINCT b.article_id, a.signature FROM bands b JOIN analyses a ON a.article_id=b.article_id "
            f"WHERE b.key IN ({marks})", keys).fetchall()
        hits = sorted(str(aid) for aid, data in rows if sig.jaccard(signature_from_bytes(data)) >= threshold)
        return hits[0] if hits else None

    # --- stories -----------------------------------------------------------------------------------

    def restory(self, *, on_progress: Progress = no_progress, digests: bool = False) -> list[str]:
        """Rewrite the stored stories that gained or lost an article or a copy; return their ids. With
        ``digests``, each story written goes on to the digest stage at once (``refresh``'s jobs, on the
        engine's workers, while the next stories are built here), in the same transaction."""
        from khulasa.stories import story_id

        with self.store.writing():
            db = self.store.db
            pending = [int(r[0]) for r in db.execute("SELECT cid FROM index_clusters WHERE pending=1 ORDER BY cid")]
            if not pending:
                return []
            self._sync()
            clusters = []
            groups = self.index.groups
            members_of = groups.members if isinstance(groups, _StoredGroups) else lambda g: groups[g].members
            for c in pending:
                if c in self.index.clusters:  # its members only: the whole cluster is read when its story is built
                    clusters.append(_Pending(c, [m for g in self.index.clusters[c] for m in members_of(g)]))
            everyone_ids = [m for g in clusters for m in g.members]
            copies: dict[str, list[str]] = {}
            story_of: dict[str, str] = {}
            for start in range(0, len(everyone_ids), 500):
                part = everyone_ids[start:start + 500]
                marks = ",".join("?" * len(part))
                for aid, rep in db.execute(f"SELECT article_id, copy_of FROM analyses WHERE copy_of IN ({marks}) "
                                           "ORDER BY article_id", part):
                    copies.setdefault(str(rep), []).append(str(aid))
            every = everyone_ids + [c for cs in copies.values() for c in cs]
            for start in range(0, len(every), 500):
                part = every[start:start + 500]
                marks = ",".join("?" * len(part))
                story_of.update((str(a), str(b)) for a, b in db.execute(
                    f"SELECT article_id, story_id FROM story_members WHERE article_id IN ({marks})", part))
            held_ids = sorted(set(story_of.values()))
            stored_n: Counter[str] = Counter()
            for start in range(0, len(held_ids), 500):
                part = held_ids[start:start + 500]
                marks = ",".join("?" * len(part))
                stored_n.update({str(s): int(n) for s, n in db.execute(
                    f"SELECT story_id, count(*) FROM story_members WHERE story_id IN ({marks}) GROUP BY story_id",
                    part)})
            changed = []
            for group in clusters:
                everyone = [*group.members, *(c for m in group.members for c in copies.get(m, ()))]
                held = {story_of.get(m) for m in everyone}
                if len(held) == 1 and None not in held and stored_n[next(iter(held)) or ""] == len(everyone):
                    continue
                changed.append((group, everyone, Counter(story_of.get(m) for m in everyone)))
            db.executemany("UPDATE index_clusters SET pending=0 WHERE cid=?", [(c,) for c in pending])
            if not changed:
                return []
            members = {m for _, everyone, _ in changed for m in everyone}
            self._load_info(members, terms=False)  # term counts: a story at a time, below (memory stays flat)
            changed.sort(key=lambda c: (-len(c[1]), self.index.root(c[0].members)))
            claimed: set[str] = set()
            written: list[tuple[str, Any, list[str]]] = []
            old_ids = {s for _, _, held_by in changed for s in held_by if s is not None}

            def taken(sid: str) -> bool:  # by a story this update leaves alone
                return sid not in old_ids and db.execute("SELECT 1 FROM stories WHERE id=?", (sid,)).fetchone() is not None

            for group, everyone, _ in changed:
                root = self.index.root(group.members)
                sid = base = story_id(self.index.info[root], root)
                k = 1
                while sid in claimed or taken(sid):  # 48 bits of a hash: in practice never
                    k += 1
                    sid = f"{base}-{k}"
                claimed.add(sid)
                written.append((sid, group, everyone))
            now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")  # pages are cached by it
            new_of: dict[str, str] = {}
            for sid, _, everyone in written:
                for m in everyone:
                    old = story_of.get(m)
                    if old is not None and old not in claimed:
                        new_of.setdefault(old, sid)  # the story holding most of it comes first (size order)
            for old in old_ids:
                db.execute("DELETE FROM story_members WHERE story_id=?", (old,))
                if old not in claimed:
                    db.execute("DELETE FROM stories WHERE id=?", (old,))
                    index_story(db, old, None)
                    target = new_of.get(old)
                    if target is not None:
                        db.execute("INSERT OR REPLACE INTO story_redirects(old, new) VALUES (?, ?)", (old, target))
                        db.execute("UPDATE story_redirects SET new=? WHERE new=?", (target, old))

            def rewrite() -> Iterator[tuple[str, str, dict[str, Any]]]:
                for n, (sid, group, everyone) in enumerate(written, start=1):
                    db.execute("DELETE FROM story_redirects WHERE old=?", (sid,))
                    self.index.tf.clear()
                    self._load_info(set(group.members), info=False)
                    story = self.index.story(self.index.cluster(group.cid),
                                             self._duplicate_groups(group.members, copies), sid)
                    self._forget_some()
                    listed = listing(story)
                    doc = to_dict(story)
                    story_json = json.dumps(doc, ensure_ascii=False)
                    db.execute("INSERT OR REPLACE INTO stories(id, size, first, last, headline, story, listing, doc, "
                               "stamp, changed_at) VALUES (?,?,?,?,?,?,?,NULL,NULL,?)",
                               (sid, len(story.article_ids), listed["first"], listed["last"], story.headline,
                                story_json, json.dumps(listed, ensure_ascii=False), now))
                    db.executemany("INSERT OR REPLACE INTO story_members(article_id, story_id) VALUES (?, ?)",
                                   [(m, sid) for m in everyone])
                    if not digests:  # else the digests' progress tells (one bar, not two taking turns)
                        on_progress("stories", n, len(written))
                    yield sid, story_json, doc

            if digests:
                self._digest(rewrite(), len(written), on_progress)
            else:
                deque(rewrite(), maxlen=0)
            self.index.tf.clear()
            self.index.info.clear()
        return [sid for sid, _, _ in written]

    def _forget_some(self) -> None:
        """Drop the groups read from the store once many are held (reading them again is cheap)."""
        groups = self.index.groups
        if isinstance(groups, _StoredGroups) and len(groups.cache) > 200:
            groups.forget()

    def _load_info(self, members: set[str], *, terms: bool = True, info: bool = True) -> None:
        """Fill the index's ``info`` and (with ``terms``) ``tf`` (term counts) for ``members`` from the store."""
        from khulasa.stories import ArticleInfo

        db = self.store.db
        ids = sorted(members)
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            marks = ",".join("?" * len(part))
            for aid, date, chash, credit, headline, vector in db.execute(
                    f"SELECT a.id, a.date, a.content_hash, n.credit, n.headline, {'n.terms' if terms else 'NULL'} "
                    f"FROM articles a JOIN analyses n ON n.article_id=a.id WHERE a.id IN ({marks})", part):
                if info:
                    self.index.info[aid] = ArticleInfo(dt.date.fromisoformat(date) if date else None, chash, credit,
                                                       headline)
                if vector is not None:
                    self.index.tf[aid] = Counter(json.loads(vector))

    def _duplicate_groups(self, members: Sequence[str], copies: dict[str, list[str]]) -> dict[str, DuplicateGroup]:
        """The copy groups of a story's members (representative first, then the copies by date, length, id)."""
        out = {}
        for rep in members:
            if rep not in copies:
                continue
            arts = {a.id: a for a in self.store.articles_by_id([rep, *copies[rep]])}
            ordered = [rep, *sorted(copies[rep], key=lambda m: (arts[m].date or dt.date.max, -len(arts[m].text), m))]
            out[rep] = DuplicateGroup(rep, tuple(ordered), tuple(dict.fromkeys(arts[m].credit for m in ordered)))
        return out

    # --- digests -----------------------------------------------------------------------------------

    def refresh(self, *, on_progress: Progress = no_progress, max_articles: int = 2000) -> int:
        """Compute the digest of every story without one (changed since), largest first (``_digest``);
        return how many were computed."""
        db = self.store.db
        todo = [str(s) for (s,) in db.execute("SELECT id FROM stories WHERE doc IS NULL ORDER BY size DESC, id")]

        def stories() -> Iterator[tuple[str, str, dict[str, Any]]]:
            for sid in todo:  # each story read when its turn comes (memory holds a few jobs)
                row = db.execute("SELECT story FROM stories WHERE id=? AND doc IS NULL", (sid,)).fetchone()
                if row is not None:
                    yield sid, str(row[0]), json.loads(row[0])

        return self._digest(stories(), len(todo), on_progress, max_articles)

    def _digest(self, stories: Iterable[tuple[str, str, dict[str, Any]]], total: int, on_progress: Progress,
                max_articles: int = 2000) -> int:
        """Compute and store the digests of ``stories`` (id, stored JSON, its dict), the stories' work spread
        over the engine's workers in jobs of about 300 articles, written as results arrive in transactions
        of at most about ``max_articles`` articles (the workers never wait for a write; inside the caller's
        transaction, if any); return how many were computed."""
        db = self.store.db
        sizes: deque[int] = deque()  # the articles of each job handed out, in order

        def jobs() -> Iterator[tuple[list[_StoryWork], Config, str]]:
            job: list[_StoryWork] = []
            n = 0
            for sid, story_json, story in stories:
                ids = from_dict(Story, story).every_article
                facts, units, analyses = self._stored(story["article_ids"], ids)
                job.append(_StoryWork(sid, story_json, tuple(self.store.articles_by_id(ids)), facts, units,
                                      analyses))
                n += len(ids)
                if n >= 300:
                    sizes.append(n)
                    yield job, self.config, self.stamp
                    job, n = [], 0
            if job:
                sizes.append(n)
                yield job, self.config, self.stamp

        done = 0
        waiting: list[Any] = []
        n_waiting = 0

        def write() -> None:
            with self.store.writing():
                for *row, index, (analyses, units) in waiting:
                    if db.execute("UPDATE stories SET doc=?, api=?, page=?, brief=?, stamp=? WHERE id=? AND story=?",
                                  row).rowcount:
                        index_story(db, str(row[5]), index)
                    db.executemany("UPDATE analyses SET tokens=? WHERE article_id=?", analyses)
                    db.executemany("UPDATE analyses SET units=? WHERE article_id=?", units)
            on_progress("summaries", done, total)
            waiting.clear()

        for rows in self.engine.map(digest_stories, jobs()):  # one row per story of the job
            waiting.extend(rows)
            done += len(rows)
            n_waiting += sizes.popleft()
            if n_waiting >= max_articles:
                write()
                n_waiting = 0
        if waiting:
            write()
        return done

    def _stored(self, with_facts: Sequence[str], ids: Sequence[str]
                ) -> tuple[dict[str, bytes | None], dict[str, bytes | None], dict[str, bytes | None]]:
        """The stored facts of ``with_facts``, and units and analyses of ``ids``, packed (None where not
        stored; an analysis only where the units are not current: they are made from it)."""
        from khulasa.summary.units import units_head

        head = units_head()
        facts: dict[str, bytes | None] = dict.fromkeys(with_facts)
        units: dict[str, bytes | None] = dict.fromkeys(ids)
        analyses: dict[str, bytes | None] = dict.fromkeys(ids)
        wanted = list(dict.fromkeys([*ids, *with_facts]))
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            marks = ",".join("?" * len(part))
            for aid, fact, unit, tokens in self.store.db.execute(
                    "SELECT article_id, facts, CASE WHEN substr(units, 1, ?1) = ?2 THEN units END, "
                    "CASE WHEN substr(units, 1, ?1) = ?2 THEN NULL ELSE tokens END FROM analyses "
                    f"WHERE article_id IN ({marks})", [len(head), head, *part]):
                if aid in facts:
                    facts[str(aid)] = fact
                if aid in units:
                    units[str(aid)] = unit
                    analyses[str(aid)] = tokens
        return facts, units, analyses

    def rebuild(self, *, on_progress: Progress = no_progress) -> UpdateReport:
        """Derive everything again from the stored articles (after an upgrade or a change of settings)."""
        db = self.store.db
        with self.store.writing():
            for table in ("analyses", "bands", "stories", "story_members", "story_entities", "story_outlets",
                          "index_groups", "index_events", "index_terms", "index_clusters"):
                db.execute(f"DELETE FROM {table}")  # redirects stay: old URLs keep working where they can
            self._set_meta("index_docs", 0)
            self._set_meta("pass_docs", 0)
            self._set_meta("generation", int(self._meta("generation", "0")) + 1)
            db.execute("DELETE FROM meta WHERE key='derived_stamp'")
        return self.catch_up(on_progress=on_progress)

    def catch_up(self, *, on_progress: Progress = no_progress) -> UpdateReport:
        """Derive the results of stored articles that have none (a store from before the live archive,
        or one whose derived state was cleared), in canonical order, then update the stories."""
        db = self.store.db
        pending = [str(r[0]) for r in db.execute(
            "SELECT a.id FROM articles a LEFT JOIN analyses n ON n.article_id=a.id WHERE n.article_id IS NULL "
            "ORDER BY a.date IS NULL, a.date, a.content_hash, a.id")]
        total = len(pending)
        added: list[str] = []
        for start in range(0, total, self.batch_size):
            part = self.store.articles_by_id(pending[start:start + self.batch_size])
            with self.store.writing():
                self._sync()
                self._derive(part)
            added += [a.id for a in part]
            on_progress("articles", len(added), total)
        if added:
            changed = self.finish(on_progress=on_progress)
        else:  # nothing to derive: no re-pass to consider (and the index is not even read)
            changed = self.restory(on_progress=on_progress, digests=True)
            self.refresh(on_progress=on_progress)
        n = int(db.execute("SELECT count(*) FROM stories").fetchone()[0])
        return UpdateReport(tuple(added), (), (), 0, tuple(changed), n)

# --- reading a store -------------------------------------------------------------------------------


ORDERS = {"size": "size DESC, id", "recent": "last IS NULL, last DESC, size DESC, id"}


def listing(story: Story) -> dict[str, Any]:
    """A story as ``GET /api/stories`` lists it: id, headline, size, outlets, dates, and its timeline's events."""
    first = min((e.first for e in story.events if e.first), default=None)
    last = max((e.last for e in story.events if e.last), default=None)
    return {"id": story.id, "headline": story.headline, "articles": len(story.article_ids),
            "first": first.isoformat() if first else None, "last": last.isoformat() if last else None,
            "outlets": list(story.outlets),
            "timeline": [{"id": e.id, "first": e.first.isoformat() if e.first else None,
                          "last": e.last.isoformat() if e.last else None, "headline": e.headline} for e in story.events]}


def raw_json(data: bytes) -> bytes:
    """A stored JSON value as UTF-8 JSON text, not parsed (for an HTTP answer)."""
    return zlib.decompress(data)


def _story_digest(story_json: str, doc: bytes | None, max_words: int) -> StoryDigest:
    if doc is not None:
        return from_dict(StoryDigest, unpack(doc))
    story = from_dict(Story, json.loads(story_json))
    return StoryDigest(story, Summary((), max_words, story.article_ids))


def stored_stories(store: Store, *, limit: int | None = None, offset: int = 0, order: str = "size",
                   max_words: int = DEFAULT.summary.max_words) -> list[StoryDigest]:
    """Stored story digests in ``order`` ("size": largest first, as the batch digest; "recent": latest
    happening first), ``limit`` of them from ``offset``. A story whose digest is being recomputed comes
    with an empty summary."""
    sql = f"SELECT story, doc FROM stories ORDER BY {ORDERS[order]} LIMIT ? OFFSET ?"
    rows = store.db.execute(sql, (-1 if limit is None else limit, offset)).fetchall()
    return [_story_digest(str(s), d, max_words) for s, d in rows]


def stored_story(store: Store, story_id: str, max_words: int = DEFAULT.summary.max_words) -> StoryDigest | None:
    """One stored story digest by id (following redirects of absorbed stories), or None."""
    for _ in range(8):
        row = store.db.execute("SELECT story, doc FROM stories WHERE id=?", (story_id,)).fetchone()
        if row is not None:
            return _story_digest(str(row[0]), row[1], max_words)
        moved = store.db.execute("SELECT new FROM story_redirects WHERE old=?", (story_id,)).fetchone()
        if moved is None:
            return None
        story_id = str(moved[0])
    return None


def redirect_of(store: Store, story_id: str) -> str | None:
    """The id of the story that absorbed ``story_id``, or None."""
    row = store.db.execute("SELECT new FROM story_redirects WHERE old=?", (story_id,)).fetchone()
    return str(row[0]) if row else None


def stored_digest(store: Store, *, limit: int | None = None, offset: int = 0, order: str = "size",
                  max_words: int = DEFAULT.summary.max_words) -> Digest:
    """The digest of a store as stored (nothing recomputed): its stories and the articles they cite."""
    stories = stored_stories(store, limit=limit, offset=offset, order=order, max_words=max_words)
    ids = [m for sd in stories for m in sd.story.every_article]
    articles = store.articles_by_id(ids)
    return Digest(tuple(stories), tuple(articles), (), max_words)

