"""The local store: SQLite (embedded, no server), one writer, durable, searchable in Arabic.

- WAL journal, ``synchronous=FULL``, one ``BEGIN IMMEDIATE`` transaction per ingested batch: a batch
  the caller was told is stored survives a crash (kill -9) at any moment, and a half-written batch
  never becomes visible.
- Idempotent: an article whose content hash is already stored is skipped.
- Full-text search with FTS5 over ``text.normalize`` output, so a query matches regardless of hamza,
  diacritics, tatweel and ta marbuta; queries are turned into quoted terms, never raw FTS5 syntax.
- Schema versioned in ``meta``; migrations are numbered functions applied in order.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from khulasa.errors import StoreBusy, StoreError
from khulasa.model import Article, IngestReport, SearchHit
from khulasa.text import content_hash, normalize, query_key, search_keys, sentences, tokenize, word_keys


def _migration_1(db: sqlite3.Connection) -> None:
    db.execute("""CREATE TABLE articles (
        id TEXT PRIMARY KEY, content_hash TEXT NOT NULL UNIQUE, path TEXT, title TEXT, date TEXT,
        updated TEXT, source TEXT, outlet TEXT, dateline TEXT, url TEXT, language TEXT, text TEXT NOT NULL,
        captions TEXT, removed TEXT, ingested_at TEXT NOT NULL)""")
    db.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(id UNINDEXED, title, body, tokenize='unicode61')")


def _migration_2(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE batches (id INTEGER PRIMARY KEY, at TEXT NOT NULL, added INTEGER NOT NULL, "
               "skipped INTEGER NOT NULL)")
    db.execute("CREATE INDEX articles_date ON articles(date)")


def _migration_3(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE articles ADD COLUMN folder_credit INTEGER NOT NULL DEFAULT 1")


def _migration_4(db: sqlite3.Connection) -> None:
    """The derived state of the live archive (``khulasa.archive``): per article its analysis, the story
    index, per story its digest, each stamped with the code and settings that made it."""
    db.execute("""CREATE TABLE analyses (
        article_id TEXT PRIMARY KEY, stamp TEXT NOT NULL, copy_of TEXT, signature BLOB NOT NULL,
        happening TEXT, confidence REAL NOT NULL, credit TEXT NOT NULL, headline TEXT NOT NULL, terms TEXT,
        facts TEXT, gid INTEGER, eid INTEGER)""")
    db.execute("CREATE INDEX analyses_copy_of ON analyses(copy_of) WHERE copy_of IS NOT NULL")
    db.execute("CREATE TABLE bands (key INTEGER NOT NULL, article_id TEXT NOT NULL)")
    db.execute("CREATE INDEX bands_key ON bands(key)")
    db.execute("""CREATE TABLE stories (
        id TEXT PRIMARY KEY, size INTEGER NOT NULL, first TEXT, last TEXT,
        headline TEXT NOT NULL, story TEXT NOT NULL, listing TEXT, doc BLOB, api BLOB, page BLOB, stamp TEXT,
        changed_at TEXT NOT NULL)""")
    db.execute("CREATE INDEX stories_size ON stories(size DESC, id)")
    db.execute("CREATE INDEX stories_last ON stories(last DESC, id)")
    db.execute("CREATE INDEX stories_dirty ON stories(id) WHERE doc IS NULL")
    db.execute("CREATE TABLE story_members (article_id TEXT PRIMARY KEY, story_id TEXT NOT NULL)")
    db.execute("CREATE INDEX story_members_story ON story_members(story_id)")
    db.execute("CREATE TABLE story_redirects (old TEXT PRIMARY KEY, new TEXT NOT NULL)")
    db.execute("CREATE INDEX story_redirects_new ON story_redirects(new)")
    db.execute("CREATE TABLE index_groups (gid INTEGER PRIMARY KEY, data TEXT NOT NULL)")
    db.execute("CREATE TABLE index_events (gid INTEGER PRIMARY KEY, data TEXT NOT NULL)")
    db.execute("CREATE TABLE index_clusters (cid INTEGER PRIMARY KEY, gids TEXT NOT NULL, terms TEXT NOT NULL, "
               "pending INTEGER NOT NULL DEFAULT 1)")
    db.execute("CREATE INDEX index_clusters_pending ON index_clusters(cid) WHERE pending=1")
    db.execute("CREATE TABLE index_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL, posting TEXT)")
    db.execute("CREATE TABLE watched (path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL)")
    db.execute("CREATE TABLE group_docs (grp TEXT PRIMARY KEY, n INTEGER NOT NULL)")
    db.execute("CREATE TABLE line_counts (grp TEXT NOT NULL, key INTEGER NOT NULL, n INTEGER NOT NULL, "
               "PRIMARY KEY (grp, key)) WITHOUT ROWID")


def _migration_5(db: sqlite3.Connection) -> None:
    """Search by word family: the text index gains ``keys`` (``text.search_keys`` of title and body), rebuilt
    from the stored articles a thousand at a time."""
    db.execute("DROP TABLE articles_fts")
    db.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(id UNINDEXED, title, body, keys, tokenize='unicode61')")
    rows = db.execute("SELECT id, title, text FROM articles ORDER BY rowid")
    while chunk := rows.fetchmany(1000):
        db.executemany("INSERT INTO articles_fts(id, title, body, keys) VALUES (?,?,?,?)",
                       [_fts_row(aid, title or "", text) for aid, title, text in chunk])


def _fts_row(aid: str, title: str, text: str) -> tuple[str, str, str, str]:
    """The text index row of an article: normalized title and body, and the word-family keys of both."""
    return aid, normalize(title), normalize(text), " ".join(search_keys(f"{title}\n{text}"))


def _migration_6(db: sqlite3.Connection) -> None:
    """Entity pages: each story's people, places and organizations by normalized name (its canonical name
    and every variant), filled from the stored digests; ``story_entities_of`` gives a story's rows."""
    db.execute("CREATE TABLE story_entities (key TEXT NOT NULL, story_id TEXT NOT NULL, name TEXT NOT NULL, "
               "type TEXT NOT NULL, mentions INTEGER NOT NULL, PRIMARY KEY (key, story_id)) WITHOUT ROWID")
    db.execute("CREATE INDEX story_entities_story ON story_entities(story_id)")
    db.execute("CREATE TABLE story_outlets (outlet TEXT NOT NULL, story_id TEXT NOT NULL, "
               "PRIMARY KEY (outlet, story_id)) WITHOUT ROWID")
    db.execute("CREATE INDEX story_outlets_story ON story_outlets(story_id)")
    rows = db.execute("SELECT id, doc FROM stories WHERE doc IS NOT NULL ORDER BY id")
    while chunk := rows.fetchmany(500):
        for sid, doc in chunk:
            index_story(db, str(sid), index_rows(str(sid), json.loads(zlib.decompress(doc).decode("utf-8"))))


IndexRows = tuple[list[tuple[str, str, str, str, int]], list[str]]  # a story's entity rows, its outlets


def index_rows(story_id: str, digest: Mapping[str, Any]) -> IndexRows:
    """What the entity and outlet indexes hold of a story digest (``to_dict`` of a ``StoryDigest``)."""
    outlets = list(dict.fromkeys(str(o) for o in digest["story"].get("outlets") or () if o))
    return story_entities_of(story_id, digest), outlets


def index_story(db: sqlite3.Connection, story_id: str, rows: IndexRows | None) -> None:
    """Replace a story's rows in the entity and outlet indexes (``story_entities``, ``story_outlets``)
    by ``rows`` (``index_rows`` of its digest); ``None``: the story is gone."""
    db.execute("DELETE FROM story_entities WHERE story_id=?", (story_id,))
    db.execute("DELETE FROM story_outlets WHERE story_id=?", (story_id,))
    if rows is None:
        return
    entities, outlets = rows
    db.executemany("INSERT OR REPLACE INTO story_entities(key, story_id, name, type, mentions) VALUES (?,?,?,?,?)",
                   entities)
    db.executemany("INSERT OR REPLACE INTO story_outlets(outlet, story_id) VALUES (?,?)",
                   [(o, story_id) for o in outlets])


def story_entities_of(story_id: str, digest: Mapping[str, Any]) -> list[tuple[str, str, str, str, int]]:
    """The ``story_entities`` rows of a stored story digest (``to_dict`` of a ``StoryDigest``): one per
    normalized name (canonical or variant) of each of its entities."""
    rows: dict[str, tuple[str, str, str, str, int]] = {}
    for e in digest.get("entities") or ():
        name, kind, mentions = str(e["name"]), str(e["type"]), len(e.get("mentions") or ())
        for form in (name, *(e.get("variants") or ())):
            key = entity_key(str(form))
            if key and key not in rows:
                rows[key] = (key, story_id, name, kind, mentions)
    return list(rows.values())


def entity_key(name: str) -> str:
    """The key an entity page is found by: the name normalized, spaces collapsed."""
    return " ".join(normalize(name).split())


def _migration_7(db: sqlite3.Connection) -> None:
    """Each article's analysis (``text.pack_analysis``), so a changed story is summarized without analysing
    its articles again; empty for the articles stored before (they are analysed when needed)."""
    db.execute("ALTER TABLE analyses ADD COLUMN tokens BLOB")


def _migration_8(db: sqlite3.Connection) -> None:
    """Articles indexed by (date, id), the order ``/api/articles`` lists them in: a page is read from the
    index (at 100k articles the sort it replaces took 150 ms a request, and ~180 ms for a deep page)."""
    db.execute("DROP INDEX IF EXISTS articles_date")
    db.execute("CREATE INDEX IF NOT EXISTS articles_date_id ON articles(date, id)")


def _migration_9(db: sqlite3.Connection) -> None:
    """Each story's part of a page of many stories (``html.brief_part``), so a home page does not read its
    whole page part (a large story's is hundreds of kilobytes); made from the page part where missing."""
    db.execute("ALTER TABLE stories ADD COLUMN brief BLOB")


def _migration_10(db: sqlite3.Connection) -> None:
    """What the summarizer reads of each article (``summary.units.pack_units``): a changed story is
    summarized from these, without reading whole analyses; made from the analysis where missing."""
    db.execute("ALTER TABLE analyses ADD COLUMN units BLOB")


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migration_1, _migration_2, _migration_3,
                                                                 _migration_4, _migration_5, _migration_6,
                                                                 _migration_7, _migration_8, _migration_9,
                                                                 _migration_10)
SCHEMA_VERSION = len(MIGRATIONS)


_PHRASE = re.compile(r'"([^"]*)"?')
_WORD = re.compile(r"[^\s\"'()«»،؛؟,.:;!?\[\]{}<>/-]+")  # a word of display text, marks included


class _Query(NamedTuple):
    """A parsed search: whole phrases, words (exact or of the same family) and prefixes, all required."""

    phrases: tuple[tuple[str, ...], ...]
    words: tuple[str, ...]
    prefixes: tuple[str, ...]


def _parse(query: str) -> _Query:
    phrases = [tuple(tokenize(p)) for p in _PHRASE.findall(query)]
    words: list[str] = []
    prefixes: list[str] = []
    for raw in _PHRASE.sub(" ", query).split():
        toks = tokenize(raw)
        if toks and raw.rstrip("*") != raw:
            words += toks[:-1]
            prefixes.append(toks[-1])
        else:
            words += toks
    return _Query(tuple(p for p in phrases if p), tuple(words), tuple(prefixes))


def fts_query(query: str) -> str:
    """A safe FTS5 query for user text, never raw FTS5 syntax: every part required; a word matches as written
    (normalized) or any word of its family ("تحالف" finds "التحالف", "استقرار" finds "لاستقرار"); "a phrase
    in quotes" matches as a whole; a word ending in * matches as a prefix ("كير*")."""
    return _fts(_parse(query))


def _fts(q: _Query) -> str:
    parts = [f'{{title body}} : "{" ".join(p)}"' for p in q.phrases]
    parts += [f'({{title body}} : "{w}" OR keys : "{query_key(w)}")' for w in q.words]
    parts += [f'{{title body}} : "{p}"*' for p in q.prefixes]
    return " AND ".join(parts[:32])


def _matches(text: str, q: _Query) -> list[tuple[int, int]]:
    """Character spans of ``text`` (display form) that a search matched: words, prefixes, phrase words."""
    wanted = {query_key(w) for w in q.words} | {query_key(w) for p in q.phrases for w in p}
    exact = set(q.words) | {w for p in q.phrases for w in p}
    out = []
    for m in _WORD.finditer(text):
        for t in tokenize(m.group()):
            if t in exact or (q.prefixes and t.startswith(q.prefixes)) or wanted & set(word_keys(t)):
                out.append(m.span())
                break
    return out


def _snippet(article: Article, q: _Query, width: int = 200) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The first sentence of ``article`` (original spelling) that holds a match, cut to about ``width``
    characters around the first match, and the spans of the matches in it."""
    for s in sentences(article):
        spans = _matches(s.text, q)
        if not spans:
            continue
        text, lo = s.text, 0
        if len(text) > width:
            lo = max(0, spans[0][0] - width // 3)
            lo = text.rfind(" ", 0, lo) + 1 if lo else 0
            hi = text.rfind(" ", lo, lo + width)
            text = ("… " if lo else "") + text[lo:hi if hi > lo else lo + width] + " …"
        shift = 2 if lo else 0
        return text, tuple((a - lo + shift, b - lo + shift) for a, b in spans
                           if a >= lo and b - lo + shift <= len(text))
    return article.text[:width], ()


_COLUMNS = ("id", "content_hash", "path", "title", "date", "updated", "source", "outlet", "dateline", "url",
            "language", "text", "captions", "removed", "ingested_at", "folder_credit")
_SELECT = ", ".join(_COLUMNS)


class Store:
    """A khulasa store in one SQLite file; use as a context manager or call ``close``."""

    def __init__(self, path: str | Path, *, migrate: bool = True, busy_timeout: float = 30.0,
                 create: bool = True, readonly: bool = False) -> None:
        self.path = str(path)
        self.busy_timeout = busy_timeout
        if not create and not Path(self.path).is_file():
            raise StoreError(f"{self.path}: no such store. Fix: check the --db path, or create the store with "
                             "khulasa ingest FILES --db " + self.path)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=busy_timeout)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            if readonly:
                self.db.execute("PRAGMA query_only=ON")
            else:
                self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open the store ({exc}). Fix: pass another --db file, "
                             "or move this one aside if it is not a khulasa store") from exc
        if migrate and not readonly:
            self.migrate()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        self.db.close()

    @property
    def version(self) -> int:
        """The schema version of the file (0 for a new file)."""
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0]) if row else 0

    def migrate(self, target: int = SCHEMA_VERSION) -> None:
        """Apply the migrations after the file's version, each in its own transaction."""
        current = self.version
        if current > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {current} is newer than this khulasa "
                             f"({SCHEMA_VERSION}). Fix: upgrade khulasa")
        for number in range(current + 1, target + 1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[number - 1](self.db)
                self.db.execute("INSERT INTO meta(key, value) VALUES('schema_version', ?) "
                                "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (str(number),))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction (``BEGIN IMMEDIATE``): committed when the block ends, rolled back on any
        exception. Nested use joins the outer transaction. Raises ``StoreBusy`` when another process
        holds the store's write lock longer than ``busy_timeout`` seconds."""
        if self.db.in_transaction:
            yield
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(f"{self.path}: another process is writing to the store (waited "
                                f"{self.busy_timeout:g} s). Fix: wait for it to finish, then try again") from exc
            raise
        try:
            yield
            self.db.execute("INSERT INTO meta(key, value) VALUES('changes', '1') "
                            "ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER) + 1")
            self.db.execute(  # what a health check reads in one row, never counting while a reader waits
                "INSERT OR REPLACE INTO meta(key, value) SELECT 'counts', json_array((SELECT count(*) FROM articles), "
                "(SELECT count(*) FROM stories), (SELECT count(*) FROM stories WHERE doc IS NULL), "
                "(SELECT count(*) FROM analyses))")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def insert(self, articles: Iterable[Article]) -> tuple[IngestReport, list[Article]]:
        """Store articles (inside ``writing``); those whose content is stored already are skipped, and an
        id taken by another text becomes ``ID~HASH``. Returns the report and the stored articles (final ids)."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        added: list[Article] = []
        skipped: list[str] = []
        repeated: list[str] = []
        this_batch: set[str] = set()
        for a in articles:
            digest = a.content_hash or content_hash(a.text)
            if self.db.execute("SELECT 1 FROM articles WHERE content_hash=?", (digest,)).fetchone():
                skipped.append(a.id)
                if digest in this_batch:
                    repeated.append(a.id)
                continue
            this_batch.add(digest)
            aid = a.id
            if self.db.execute("SELECT 1 FROM articles WHERE id=?", (aid,)).fetchone():
                aid = f"{a.id}~{digest[:6]}"
            self.db.execute(
                f"INSERT INTO articles({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                (aid, digest, a.path, a.title, a.date.isoformat() if a.date else None, a.updated, a.source,
                 a.outlet, a.dateline, a.url, a.language, a.text, json.dumps(list(a.captions), ensure_ascii=False),
                 json.dumps(list(a.removed), ensure_ascii=False), now, int(a.folder_credit)))
            self.db.execute("INSERT INTO articles_fts(id, title, body, keys) VALUES (?,?,?,?)",
                            _fts_row(aid, a.title, a.text))
            added.append(replace(a, id=aid, content_hash=digest))
        self.db.execute("INSERT INTO batches(at, added, skipped) VALUES (?,?,?)", (now, len(added), len(skipped)))
        return IngestReport(tuple(a.id for a in added), tuple(skipped), tuple(repeated)), added

    def ingest(self, articles: Iterable[Article]) -> IngestReport:
        """Store a batch in one transaction (articles only: ``khulasa.archive.Archive.add`` also derives
        stories); articles already stored (same content) are skipped."""
        with self.writing():
            report, _ = self.insert(articles)
        return report

    def recurring(self, wanted: Mapping[str, Iterable[int]]) -> dict[str, tuple[int, dict[int, int]]]:
        """The stored line counts of each group (articles seen, and per wanted line hash its count):
        what ``khulasa.ingest.clean.learn_recurring`` adds to a batch's own counts."""
        out: dict[str, tuple[int, dict[int, int]]] = {}
        for group, keys in wanted.items():
            row = self.db.execute("SELECT n FROM group_docs WHERE grp=?", (group,)).fetchone()
            if row is None:
                continue
            found: dict[int, int] = {}
            ks = list(keys)
            for start in range(0, len(ks), 500):
                part = ks[start:start + 500]
                found.update((int(k), int(n)) for k, n in self.db.execute(
                    f"SELECT key, n FROM line_counts WHERE grp=? AND key IN ({','.join('?' * len(part))})",
                    [group, *part]))
            out[group] = (int(row[0]), found)
        return out

    def add_recurring(self, counts: Mapping[str, tuple[int, Mapping[int, int]]]) -> None:
        """Add a batch's line counts (``khulasa.ingest.lines_of`` its new articles) to the stored ones."""
        with self.writing():
            for group, (n, lines) in counts.items():
                self.db.execute("INSERT INTO group_docs(grp, n) VALUES (?, ?) ON CONFLICT(grp) DO UPDATE SET "
                                "n = n + excluded.n", (group, n))
                self.db.executemany("INSERT INTO line_counts(grp, key, n) VALUES (?, ?, ?) ON CONFLICT(grp, key) "
                                    "DO UPDATE SET n = n + excluded.n", [(group, k, c) for k, c in lines.items()])

    def _article(self, row: Sequence[object]) -> Article:
        (aid, content_hash, path, title, date, updated, source, outlet, dateline, url, language, text, captions,
         removed, _at, folder_credit) = row
        return Article(id=str(aid), text=str(text), title=str(title or ""),
                       date=dt.date.fromisoformat(str(date)) if date else None, updated=str(updated or ""),
                       source=str(source or ""), outlet=str(outlet or ""), dateline=str(dateline or ""),
                       url=str(url or ""), path=str(path or ""), language=str(language or "ar"),
                       captions=tuple(json.loads(str(captions or "[]"))), removed=tuple(json.loads(str(removed or "[]"))),
                       content_hash=str(content_hash), folder_credit=bool(folder_credit))

    def articles(self) -> list[Article]:
        """Every stored article, oldest first (then by id)."""
        rows = self.db.execute(f"SELECT {_SELECT} FROM articles ORDER BY date IS NULL, date, id").fetchall()
        return [self._article(r) for r in rows]

    def article_ids(self, limit: int, offset: int = 0) -> list[str]:
        """A page of article ids in the order of ``articles`` (dated ones by date then id, then the undated
        by id), read from the (date, id) index, not sorted per call."""
        ids = [str(r[0]) for r in self.db.execute(
            "SELECT id FROM articles WHERE date IS NOT NULL ORDER BY date, id LIMIT ? OFFSET ?", (limit, offset))]
        if len(ids) < limit:
            dated = int(self.db.execute("SELECT count(*) FROM articles WHERE date IS NOT NULL").fetchone()[0])
            ids += [str(r[0]) for r in self.db.execute(
                "SELECT id FROM articles WHERE date IS NULL ORDER BY id LIMIT ? OFFSET ?",
                (limit - len(ids), max(0, offset - dated)))]
        return ids

    def articles_by_id(self, ids: Sequence[str]) -> list[Article]:
        """The stored articles of ``ids``, in that order (unknown ids are left out)."""
        found: dict[str, Article] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):
            part = unique[start:start + 500]
            rows = self.db.execute(f"SELECT {_SELECT} FROM articles WHERE id IN ({','.join('?' * len(part))})", part)
            found.update((a.id, a) for a in map(self._article, rows))
        return [found[i] for i in unique if i in found]

    def article(self, article_id: str) -> Article | None:
        """One article by id, or None."""
        row = self.db.execute(f"SELECT {_SELECT} FROM articles WHERE id=?", (article_id,)).fetchone()
        return self._article(row) if row else None

    def count(self) -> int:
        """Number of stored articles."""
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])


    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Articles matching every word of ``query`` (normalized: hamza, diacritics, ta marbuta do not matter)."""
        parsed = _parse(query)
        fts = _fts(parsed)
        if not fts:
            return []
        ids = [str(r[0]) for r in self.db.execute(
            "SELECT id FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?", (fts, limit))]
        hits = []
        for aid in ids:
            article = self.article(aid)
            if article is not None:
                snippet, marks = _snippet(article, parsed)
                hits.append(SearchHit(aid, article.title, snippet, marks))
        return hits

    def check(self) -> list[str]:
        """Problems found by SQLite's and FTS5's integrity checks (empty when the store is sound)."""
        problems = [r[0] for r in self.db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        try:
            self.db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES('integrity-check', 1)")
        except sqlite3.DatabaseError as exc:
            problems.append(f"fts5: {exc}")
        n_fts = self.db.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
        if n_fts != self.count():
            problems.append(f"fts5 has {n_fts} rows for {self.count()} articles")
        return problems
