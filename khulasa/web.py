"""``khulasa serve``: a FastAPI app over a live store. JSON API, the RTL digest pages, search.

The server only reads what the store holds (``khulasa.archive`` keeps every story's digest): a request
never recomputes a story. Reads use one read-only SQLite connection per thread (plain ``def`` handlers,
run in the thread pool) and see what any process wrote as soon as it is committed; pages are cached
until the store's change counter moves. Writes (``POST /api/articles``) go to one writer process; a store
another process holds longer than ``busy_timeout`` answers 503 with ``Retry-After``.

Safe defaults: only the Host names given are accepted (127.0.0.1 and localhost by default), request
bodies are limited (size; JSON nested too deep is refused), POSTs must be ``application/json`` and never cross-site
(Origin / Sec-Fetch-Site checked), every bad request gets a 4xx with a message, and nothing
half-written reaches the store (one transaction per batch).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import gc
import json
import multiprocessing
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import escape
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from khulasa.archive import ORDERS, Archive, raw_json, redirect_of, stored_story, unpack
from khulasa.config import DEFAULT, Config
from khulasa.errors import StoreBusy, StoreError
from khulasa.ingest import lines_of, with_history
from khulasa.ingest.clean import clean_document, learn_recurring
from khulasa.ingest.readers import parse_iso_date
from khulasa.model import SCHEMA_VERSION, Digest, RawDocument, StoryDigest
from khulasa.output import html as pages
from khulasa.output import json as documents
from khulasa.store import Store, entity_key

MAX_BODY = 5 * 1024 * 1024


class ArticleIn(BaseModel):
    """One article to ingest: its text (plain or scraped), and what is known about it."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2_000_000)
    title: str = Field(default="", max_length=1000)
    date: str | None = Field(default=None, max_length=40)
    source: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=2000)
    id: str | None = Field(default=None, min_length=1, max_length=200)


class IngestIn(BaseModel):
    """A batch to ingest: stored in one transaction, or not at all."""

    model_config = ConfigDict(extra="forbid")
    articles: list[ArticleIn] = Field(min_length=1, max_length=1000)


class _Readers:
    """One read-only connection per server thread (SQLite connections are not shared between threads)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.local = threading.local()
        self.all: list[Store] = []
        self.lock = threading.Lock()

    def get(self) -> Store:
        store = getattr(self.local, "store", None)
        if store is None:
            store = Store(self.path, readonly=True, busy_timeout=5.0)
            self.local.store = store
            with self.lock:
                self.all.append(store)
        return store

    def close(self) -> None:
        with self.lock:
            for store in self.all:
                store.close()
            self.all.clear()


class _Writer:
    """The one writer of the server: a worker process that owns the write connection and the archive
    (the analysis of posted articles is CPU work: in a process of its own it never slows the readers);
    the event loop hands it jobs and awaits them without blocking."""

    def __init__(self, path: str, config: Config, busy_timeout: float, max_queue: int = 8) -> None:
        with Store(path, busy_timeout=busy_timeout) as store:  # created and migrated here, once
            self.stale = Archive(store, config).stale
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_writer_start, initargs=(path, config, busy_timeout))
        self.pending = 0
        self.max_queue = max_queue
        self.lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run the module-level function ``fn(*args)`` in the writer process (``StoreBusy`` when too many
        jobs wait already)."""
        with self.lock:
            if self.pending >= self.max_queue:
                raise StoreBusy(f"{self.pending} batches are waiting to be written")
            self.pending += 1
        future = self.pool.submit(fn, *args)

        def done(_: Future[Any]) -> None:
            with self.lock:
                self.pending -= 1

        future.add_done_callback(done)
        return future

    def close(self) -> None:
        self.pool.shutdown(wait=True)


_WRITER: dict[str, Any] = {}  # the writer process's store and archive (set by _writer_start, in that process only)


def _writer_start(path: str, config: Config, busy_timeout: float) -> None:
    import os

    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)  # the readers come first: writing waits a little, answering does not
    store = Store(path, busy_timeout=busy_timeout)
    _WRITER.update(store=store, archive=Archive(store, config))
    _warm(config)


def _warm(config: Config) -> None:
    """Run every stage once on a short article of our own (stored nowhere), so the first posted batch
    does not wait while the tagger, the summarizer and their word lists load (about 1.3 CPU-s)."""
    import datetime as dt

    from khulasa.model import Article
    from khulasa.pipeline import digest

    text = ("أعلنت وزارة الصحة اليوم الاثنين في العاصمة عمّان أن 12 شخصا أصيبوا في حادث سير على الطريق "
            "الصحراوي، وقال المتحدث باسم الوزارة سامي الحسن إن حالة ثلاثة منهم خطيرة.")
    digest([Article(id="warm-up", text=text, title="إصابة 12 شخصا في حادث سير", date=dt.date(2020, 1, 6),
                    source="khulasa")], config=config)


def _idle() -> None:
    return None


def _catch_up() -> None:
    _WRITER["archive"].catch_up()


def _ingest_job(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Clean and add a posted batch (in the writer process); a 4xx is returned as ``{"error": ...}``."""
    store: Store = _WRITER["store"]
    archive: Archive = _WRITER["archive"]
    docs = [RawDocument(id=item.get("id") or f"posted-{n}", path=item.get("url") or "POST /api/articles",
                        text=item["text"], title=item.get("title", ""), date=parse_iso_date(item.get("date")),
                        source=item.get("source", ""), url=item.get("url", ""),
                        group=item.get("source") or "POST /api/articles") for n, item in enumerate(items, start=1)]
    prior, per_doc = with_history(docs, store.recurring)  # an outlet's recurring lines: this batch and before
    recurring = learn_recurring(docs, prior=prior)
    articles = []
    for n, doc in enumerate(docs, start=1):
        article = clean_document(doc, recurring)
        if not article.text.strip():
            return {"error": [422, f"article {n} has no text left after cleaning"]}
        articles.append(article)
    result = archive.add(articles)
    store.add_recurring(lines_of(per_doc, result.added))
    return {"added": list(result.added), "skipped": list(result.skipped), "repeated": list(result.repeated),
            "stories_changed": list(result.stories_changed), "articles": store.count()}


def _busy(detail: str, seconds: int = 5) -> JSONResponse:
    return JSONResponse({"detail": f"the store is busy ({detail}); try again in {seconds} s"}, status_code=503,
                        headers={"Retry-After": str(seconds)})


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def create_app(db_path: str, *, allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
               max_body: int = MAX_BODY, max_words: int | None = None, config: Config = DEFAULT,
               create: bool = False, busy_timeout: float = 5.0, page_size: int = 20,
               freeze_gc: bool = False) -> FastAPI:
    """The app serving the store at ``db_path``: pages and API read the stored digests (nothing is
    recomputed per request), writes go to one writer process (``khulasa.archive``).

    ``create``: make a new store when the file is missing (else ``StoreError``); ``max_words`` overrides
    the summary budget of ``config``; ``busy_timeout``: seconds a write waits for another process's
    lock before the request gets 503; ``page_size``: stories per page of the home page; ``freeze_gc``
    (for a server process, not a test): at start-up, move every object alive then out of the garbage
    collector's sight (``gc.freeze``): a full collection of the ~90k objects of imported modules took
    40–70 ms here, a pause every request waited for, however small.
    """
    if max_words is not None:
        config = dataclasses.replace(config, summary=dataclasses.replace(config.summary, max_words=max_words))
    if not create and not Path(db_path).is_file():
        raise StoreError(f"{db_path}: no such store. Fix: check the path, or pass --create to start an empty one")
    writer = _Writer(db_path, config, busy_timeout)  # opens (and migrates) the store once
    readers = _Readers(db_path)
    words = config.summary.max_words
    cache: dict[str, tuple[str, str]] = {}  # page key -> (store change counter, html)

    pages.compile_templates()  # now, not on the first visitors' requests
    if not writer.stale:  # a store from before the live archive (or written by Store.ingest): derive, meanwhile serve
        writer.submit(_catch_up)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if freeze_gc:  # the server is loaded (uvicorn's protocol modules too): what lives now lives on
            gc.collect()
            gc.freeze()
        yield
        writer.close()
        readers.close()
        loop_reader.close()

    app = FastAPI(title="khulasa", version=SCHEMA_VERSION, docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Offline Arabic news digest: stories, cited summaries, timelines, figures.")
    _offline_docs(app)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            return JSONResponse({"detail": f"request body over the {max_body} byte limit"}, status_code=413)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if request.headers.get("sec-fetch-site") == "cross-site":
                return JSONResponse({"detail": "cross-site requests may not change the store"}, status_code=403)
            origin = request.headers.get("origin")
            if origin and origin.split("://", 1)[-1] != request.headers.get("host", ""):
                return JSONResponse({"detail": f"origin {origin} may not change the store"}, status_code=403)
        try:
            return await call_next(request)
        except StoreBusy as exc:
            return _busy(str(exc))
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return _busy("another process holds it")
            raise

    render_lock = threading.Lock()

    def cached(key: str, version: str, render: Callable[[], str]) -> str:
        """A page rendered once per ``version`` of what it shows (a write elsewhere does not re-render it).
        One page renders at a time: rendering is Python holding the GIL, so two at once finish no sooner,
        and every thread that waits for the GIL beside them delays the event loop (``/api/health``) more."""
        hit = cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        with render_lock:
            hit = cache.get(key)  # rendered by the request this one waited for
            if hit is not None and hit[0] == version:
                return hit[1]
            html = render()
        if len(cache) > 256:
            cache.clear()
        cache[key] = (version, html)
        return html

    sections: collections.OrderedDict[str, tuple[str, pages.Section, int]] = collections.OrderedDict()
    sections_size = [0]  # characters held in ``sections``
    sections_lock = threading.Lock()

    def story_sections(store: Store, keys: list[tuple[str, str]], brief: bool = False) -> list[pages.Section]:
        """The rendered sections (``html.section``, entity links on) of the stories ``keys`` (id, version),
        in full or (``brief``) as a page of many stories shows them (``html.brief_part``), kept per story,
        form and version: a page renders only the stories that changed since; past SECTIONS_CHARS the
        least recently shown go."""
        found: dict[str, pages.Section] = {}
        form = "brief" if brief else "full"
        with sections_lock:
            for sid, version in keys:
                hit = sections.get(f"{form}:{sid}")
                if hit is not None and hit[0] == version:
                    sections.move_to_end(f"{form}:{sid}")  # the least recently shown go first
                    found[sid] = hit[1]
        missing = [sid for sid, _ in keys if sid not in found]
        versions = dict(keys)
        for sid, part in zip(missing, _parts(store, missing, words, brief), strict=True):
            one = found[sid] = pages.section(part, entity_links=True)
            size = len(one.html) + len(one.citations) + len(one.sentences) + sum(map(len, one.articles.values()))
            with sections_lock:
                key = f"{form}:{sid}"
                old = sections.pop(key, None)
                sections_size[0] += size - (old[2] if old else 0)
                sections[key] = (versions[sid], one, size)
                while sections_size[0] > SECTIONS_CHARS and len(sections) > 1:
                    sections_size[0] -= sections.popitem(last=False)[1][2]
        return [found[sid] for sid, _ in keys]

    def story_listing(store: Store, limit: int, offset: int, order: str,
                      shown: StoryFilter | None = None) -> list[str]:
        """The stored listings (JSON texts, sent as they are), with whether each summary is pending."""
        where, args = (shown or StoryFilter()).sql()
        rows = store.db.execute(f"SELECT listing, doc IS NULL FROM stories{where} ORDER BY {ORDERS[order]} "
                                "LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
        return [_listing(text, pending) for text, pending in rows]

    def n_stories(store: Store, shown: StoryFilter | None = None) -> int:
        where, args = (shown or StoryFilter()).sql()
        return int(store.db.execute(f"SELECT count(*) FROM stories{where}", args).fetchone()[0])

    counts: dict[str, Any] = {}  # the store's counts, as of the change counter in "at"
    loop_reader = Store(db_path, readonly=True, busy_timeout=5.0)  # the event loop's own connection

    def read_counts(store: Store, *, count: bool = True) -> bool:
        """Take the counts the last write left in the store (one row); without them (a store last written
        by an older khulasa) count here, or with ``count`` False return False."""
        rows = dict(store.db.execute("SELECT key, value FROM meta WHERE key IN ('changes', 'counts')").fetchall())
        now = str(rows.get("changes", "0"))
        if counts.get("at") == now:
            return True
        if "counts" in rows:
            n_articles, n_stories, pending, analysed = json.loads(rows["counts"])
        elif count:
            n_articles, n_stories, pending, analysed = store.db.execute(
                "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM stories), "
                "(SELECT count(*) FROM stories WHERE doc IS NULL), (SELECT count(*) FROM analyses)").fetchone()
        else:
            return False
        counts.update(at=now, articles=n_articles, stories=n_stories, summaries_pending=pending,
                      articles_pending=n_articles - analysed, schema_version=store.version)
        return True

    @app.get("/api/health")
    async def health() -> dict[str, Any]:
        # On the event loop: one indexed read of the change counter and the counts the writer keeps beside
        # it (microseconds; WAL readers never wait for writers); counted in the thread pool only for a
        # store last written by an older khulasa.
        if not read_counts(loop_reader, count=False):
            await run_in_threadpool(lambda: read_counts(readers.get()))
        return {"status": "ok", "articles": counts["articles"], "stories": counts["stories"],
                "articles_pending": counts["articles_pending"], "summaries_pending": counts["summaries_pending"],
                "schema_version": counts["schema_version"], "stale": writer.stale, "writes_queued": writer.pending}

    @app.get("/api/articles")
    def list_articles(limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)) -> dict[str, Any]:
        store = readers.get()
        arts = store.articles_by_id(store.article_ids(limit, offset))
        return {"total": store.count(), "limit": limit, "offset": offset, "articles": [
            {"id": a.id, "title": a.title, "date": a.date.isoformat() if a.date else None, "source": a.credit,
             "path": a.path} for a in arts]}

    @app.get("/api/articles/{article_id:path}")
    def get_article(article_id: str) -> dict[str, Any]:
        article = readers.get().article(article_id)
        if article is None:
            raise HTTPException(404, f"no article has the id {article_id!r}; GET /api/articles lists them")
        return documents.article_to_dict(article)

    @app.get("/api/stories")
    def list_stories(limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
                     order: Literal["size", "recent"] = "size", outlet: str = "",
                     start: str = Query("", alias="from"), end: str = Query("", alias="to"),
                     entity: str = "") -> Response:
        shown = _filter_of(outlet, start, end, entity)
        store = readers.get()
        total = n_stories(store, shown)
        nxt = offset + limit if offset + limit < total else None
        extra = shown.query()
        head = json.dumps({"schema": "khulasa.stories", "version": SCHEMA_VERSION, "total": total, "limit": limit,
                           "offset": offset, "next": None if nxt is None else
                           f"/api/stories?limit={limit}&offset={nxt}&order={order}{extra}"})
        body = f'{head[:-1]}, "stories": [{", ".join(story_listing(store, limit, offset, order, shown))}]}}'
        return Response(body.encode("utf-8"), media_type="application/json")

    @app.get("/api/stories/{story_id}", response_model=None)
    def get_story(story_id: str) -> Response:
        store = readers.get()
        moved = redirect_of(store, story_id)
        if moved is not None:
            return RedirectResponse(f"/api/stories/{moved}", status_code=308)
        row = store.db.execute("SELECT api FROM stories WHERE id=?", (story_id,)).fetchone()
        if row is None:
            raise HTTPException(404, f"no story has the id {story_id!r}; GET /api/stories lists them")
        if row[0] is not None:  # stored as it is sent
            return Response(raw_json(row[0]), media_type="application/json")
        sd = stored_story(store, story_id, words)  # its summary is being recomputed: the story without it
        assert sd is not None
        return JSONResponse(documents.digest_document(_one(store, sd, words))["stories"][0])

    def entity_stories(store: Store, name: str, limit: int, offset: int) -> tuple[str, list[tuple[Any, ...]], int]:
        """The key of ``name``, its stories (id, headline, listing, summary pending, names, type, mentions,
        changed at; largest first) and how many there are."""
        key = entity_key(name)
        total = int(store.db.execute("SELECT count(*) FROM story_entities WHERE key=?", (key,)).fetchone()[0])
        rows = store.db.execute(
            "SELECT s.id, s.headline, s.listing, s.doc IS NULL, e.name, e.type, e.mentions, s.changed_at "
            "FROM story_entities e "
            "JOIN stories s ON s.id = e.story_id WHERE e.key=? ORDER BY s.size DESC, s.id LIMIT ? OFFSET ?",
            (key, limit, offset)).fetchall()
        return key, rows, total

    @app.get("/api/entities/{name}")
    def get_entity(name: str, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)) -> Response:
        if len(name) > 200:
            raise HTTPException(400, "the name is too long (200 characters at most)")
        store = readers.get()
        key, rows, total = entity_stories(store, name, limit, offset)
        if not total:
            raise HTTPException(404, f"no story names {name!r}; GET /api/stories/{{id}} lists a story's entities")
        names = list(dict.fromkeys(str(r[4]) for r in rows))
        types = list(dict.fromkeys(str(r[5]) for r in rows))
        nxt = offset + limit if offset + limit < total else None
        head = json.dumps({"schema": "khulasa.entity", "version": SCHEMA_VERSION, "key": key, "names": names,
                           "types": types, "total": total, "limit": limit, "offset": offset,
                           "next": None if nxt is None else f"/api/entities/{quote(key)}?limit={limit}&offset={nxt}"},
                          ensure_ascii=False)
        listings = ", ".join(_listing(r[2], r[3], f', "mentions": {int(r[6])}') for r in rows)
        return Response(f'{head[:-1]}, "stories": [{listings}]}}'.encode(), media_type="application/json")

    @app.get("/api/search")
    def search(q: str = "", limit: int = 20) -> dict[str, Any]:
        if len(q) > 500:
            raise HTTPException(400, "the query is too long (500 characters at most)")
        hits = readers.get().search(q, limit=max(1, min(limit, 100)))
        return {"query": q, "hits": [{"id": h.id, "title": h.title, "snippet": h.snippet,
                                      "marks": [list(m) for m in h.marks]} for h in hits]}

    @app.post("/api/articles", status_code=201)
    async def post_articles(request: Request) -> Any:
        if _media_type(request.headers.get("content-type", "")) != "application/json":
            raise HTTPException(415, "send the batch as application/json: {\"articles\": [{\"text\": ...}]}")
        if writer.stale:
            raise HTTPException(409, "the store was derived with other settings or another khulasa version; run "
                                     "`khulasa ingest --db FILE` (it derives the store again) or serve it with the "
                                     "same --config")
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > max_body:
                raise HTTPException(413, f"request body over the {max_body} byte limit")
        batch = await run_in_threadpool(_parse_batch, bytes(body))
        try:
            future = writer.submit(_ingest_job, [item.model_dump() for item in batch.articles])
        except StoreBusy as exc:
            return _busy(str(exc))
        try:
            answer = await asyncio.wrap_future(future)
        except StoreBusy as exc:
            return _busy(str(exc))
        if "error" in answer:
            raise HTTPException(*answer["error"])
        return answer

    search_form = pages.search_form_html()

    @app.get("/", response_class=HTMLResponse)
    def home(page: int = Query(1, ge=1, le=100_000), order: Literal["size", "recent"] = "size", outlet: str = "",
             start: str = Query("", alias="from"), end: str = Query("", alias="to"), entity: str = "") -> str:
        shown = _filter_of(outlet, start, end, entity)
        store = readers.get()
        offset = (page - 1) * page_size
        where, args = shown.sql()
        rows = store.db.execute(f"SELECT id, headline, changed_at, doc IS NULL FROM stories{where} "
                                f"ORDER BY {ORDERS[order]} LIMIT ? OFFSET ?", (*args, page_size, offset)).fetchall()
        total = n_stories(store, shown)
        outlets = [str(r[0]) for r in store.db.execute("SELECT DISTINCT outlet FROM story_outlets ORDER BY outlet")]
        version = json.dumps([total, rows, outlets])

        def render() -> str:
            return pages.sections_html(
                story_sections(store, [(str(r[0]), f"{r[2]}:{r[3]}") for r in rows], brief=True),
                extra_header=search_form + _index_html([(str(r[0]), str(r[1])) for r in rows], order),
                count=_COUNT_MARK, footer=_pager_html(page, page_size, total, order, shown),
                store_filter=shown._asdict(), outlets=outlets)

        html = cached(f"home:{page}:{order}:{json.dumps(shown)}", version, render)
        return html.replace(_COUNT_MARK, _count_line(store.count(), total, offset, len(rows)), 1)

    @app.get("/stories/{story_id}", response_class=HTMLResponse, response_model=None)
    def story_page(story_id: str) -> str | RedirectResponse:
        store = readers.get()
        moved = redirect_of(store, story_id)
        if moved is not None:
            return RedirectResponse(f"/stories/{moved}", status_code=308)
        row = store.db.execute("SELECT headline, changed_at, doc IS NULL FROM stories WHERE id=?",
                               (story_id,)).fetchone()
        if row is None:
            raise HTTPException(404, f"no story has the id {story_id!r}")
        version = f"{row[1]}:{row[2]}"

        def render() -> str:
            return pages.sections_html(story_sections(store, [(story_id, version)]), title=str(row[0]),
                                       extra_header=search_form + '<p><a href="/">كل القصص</a></p>', count="")

        return cached(f"story:{story_id}", version, render)

    @app.get("/entities/{name}", response_class=HTMLResponse)
    def entity_page(name: str) -> str:
        store = readers.get()
        _, rows, total = entity_stories(store, name[:200], page_size, 0)
        if not total:
            raise HTTPException(404, f"no story names {name!r}")
        shown = str(rows[0][4])
        head = (f'<p><a href="/">كل القصص</a></p><h2 class="entity-title"><bdi>{escape(shown)}</bdi> · '
                f'<span class="meta">{total} {"قصة" if total == 1 else "قصص"}'
                f'{"، أكبرها أولا" if total > 1 else ""}</span></h2>')
        with render_lock:
            return pages.sections_html(story_sections(store, [(str(r[0]), f"{r[7]}:{r[3]}") for r in rows],
                                                      brief=True), title=shown, extra_header=search_form + head,
                                       count="")

    @app.get("/search", response_class=HTMLResponse)
    def search_page(q: str = "") -> str:
        hits = readers.get().search(q[:500]) if q else []
        return pages.search_html(q, hits)

    @app.get("/articles/{article_id:path}", response_class=HTMLResponse)
    def article_page(article_id: str) -> str:
        article = readers.get().article(article_id)
        if article is None:
            raise HTTPException(404, f"no article has the id {article_id!r}")
        return pages.article_html(article)

    app.state.writer_idle = lambda: writer.submit(_idle)  # done when the writes queued before it are
    return app


def _parse_batch(body: bytes) -> IngestIn:
    """The POST body as a validated batch (4xx ``HTTPException`` otherwise). JSON nested too deep for
    the parser is a 400 (the batch's own shape is 3 levels deep: deeper values fail validation, 422)."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(400, f"the body is not valid JSON ({exc})") from exc
    except RecursionError as exc:
        raise HTTPException(400, "the JSON is nested too deeply (a batch is 3 levels deep)") from exc
    try:
        return IngestIn.model_validate(payload)
    except ValidationError as exc:
        raise HTTPException(422, [{"loc": e["loc"], "msg": e["msg"]} for e in exc.errors()]) from exc


SECTIONS_CHARS = 32_000_000  # the rendered story sections a server keeps (a large story's is 50-100k characters)
_COUNT_MARK = "\x00count\x00"  # where the home page's counts go: they change with every write, the page not


def _one(store: Store, sd: StoryDigest, words: int) -> Digest:
    """A digest of one stored story with the articles it cites."""
    ids = sd.story.every_article
    return Digest((sd,), tuple(store.articles_by_id(ids)), (), words)


def _count_line(articles: int, stories: int, offset: int, shown: int) -> str:
    from khulasa.output.labels import ARTICLES_GEN, STORIES, count_ar

    span = f" (القصص {offset + 1}–{offset + shown})" if shown and stories > shown else ""
    return f"{count_ar(stories, STORIES)} من {count_ar(articles, ARTICLES_GEN)}{span}"


def _listing(text: object, pending: object, extra: str = "") -> str:
    """A stored story listing (JSON text, sent as it is) with whether its summary is pending and ``extra``
    members (``', "key": value'``)."""
    return f'{str(text)[:-1]}, "summary_pending": {"true" if pending else "false"}{extra}}}'


def _parts(store: Store, ids: list[str], words: int, brief: bool = False) -> list[dict[str, Any]]:
    """The page parts of the stories ``ids``, in that order (``_part`` of each stored page), or (``brief``)
    their brief parts (stored, else made from the page part)."""
    def blobs(column: str, wanted: list[str]) -> dict[str, bytes | None]:
        marks = ",".join("?" * len(wanted))
        return dict(store.db.execute(f"SELECT id, {column} FROM stories WHERE id IN ({marks})", wanted).fetchall()
                    ) if wanted else {}

    short = blobs("brief", ids) if brief else {}
    full = blobs("page", [sid for sid in ids if short.get(sid) is None])
    out = []
    for sid in ids:
        data = short.get(sid)
        if data is not None:
            out.append(dict(unpack(data)))
        else:
            part = _part(store, sid, full.get(sid), words)
            out.append(pages.brief_part(part) if brief else part)
    return out


def _part(store: Store, story_id: str, data: bytes | None, words: int) -> dict[str, Any]:
    """A story's stored page part, or, while its summary is recomputed, one built without a summary."""
    if data is not None:
        return dict(unpack(data))
    sd = stored_story(store, story_id, words)
    assert sd is not None
    return pages.story_part(sd, {a.id: a for a in _one(store, sd, words).articles}, texts=False)


def _index_html(stories: list[tuple[str, str]], order: str) -> str:
    """The story index of a page: a link to each story's section and to its own page."""
    if not stories:
        return "<p>لا قصص بعد: أضف مقالات بـ khulasa ingest أو POST /api/articles</p>"
    other = ("recent", "الأحدث أولا") if order == "size" else ("size", "الأكبر أولا")
    items = "".join(f'<li><a href="#{escape(sid)}">{escape(headline)}</a> '
                    f'<a href="/stories/{escape(sid)}" class="meta">[صفحتها]</a></li>' for sid, headline in stories)
    return (f'<nav aria-label="فهرس القصص"><p><a href="/?order={other[0]}">{other[1]}</a></p>'
            f'<ol class="story-index">{items}</ol></nav>')


class StoryFilter(NamedTuple):
    """Which stories of the whole store a page or listing shows: those carried by ``outlet``, whose dates
    overlap ``start``..``end`` (ISO dates; an undated story is left out once a date is given), naming an
    entity whose normalized name holds ``entity``."""

    outlet: str = ""
    start: str = ""
    end: str = ""
    entity: str = ""

    def sql(self) -> tuple[str, list[str]]:
        """The ``WHERE`` clause over ``stories`` (empty when nothing is filtered) and its arguments."""
        where: list[str] = []
        args: list[str] = []
        if self.outlet:
            where.append("id IN (SELECT story_id FROM story_outlets WHERE outlet=?)")
            args.append(self.outlet)
        if self.start:
            where.append("last >= ?")
            args.append(self.start)
        if self.end:
            where.append("first <= ?")
            args.append(self.end)
        if self.entity and entity_key(self.entity):
            where.append("id IN (SELECT story_id FROM story_entities WHERE instr(key, ?) > 0)")
            args.append(entity_key(self.entity))
        return (" WHERE " + " AND ".join(where)) if where else "", args

    def query(self) -> str:
        """The filter as URL parameters, each with a leading ``&`` (empty when nothing is filtered)."""
        pairs = [("outlet", self.outlet), ("from", self.start), ("to", self.end), ("entity", self.entity)]
        return "".join(f"&{k}={quote(v)}" for k, v in pairs if v)


def _filter_of(outlet: str, start: str, end: str, entity: str) -> StoryFilter:
    """A validated ``StoryFilter`` from query parameters (400 naming the parameter otherwise)."""
    for name, value in (("from", start), ("to", end)):
        if value and parse_iso_date(value) is None:
            raise HTTPException(400, f"{name}={value!r} is not a date; give YYYY-MM-DD")
    if max(len(outlet), len(entity)) > 200:
        raise HTTPException(400, "outlet and entity are 200 characters at most")
    return StoryFilter(outlet.strip(), start, end, entity.strip())


def _pager_html(page: int, size: int, total: int, order: str, shown: StoryFilter | None = None) -> str:
    links = []
    extra = escape((shown or StoryFilter()).query())
    if page > 1:
        links.append(f'<a rel="prev" href="/?page={page - 1}&amp;order={order}{extra}">السابق</a>')
    if page * size < total:
        links.append(f'<a rel="next" href="/?page={page + 1}&amp;order={order}{extra}">المزيد من القصص</a>')
    return f'<nav class="pager" aria-label="الصفحات"><p>{" · ".join(links)}</p></nav>' if links else ""


def _offline_docs(app: FastAPI) -> None:
    """The OpenAPI pages, /docs (Swagger UI 5, which reads OpenAPI 3.1) and /redoc, with their scripts served
    from the installed fastapi-offline package (no CDN)."""
    from pathlib import Path

    import fastapi_offline
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    static = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/docs-assets", StaticFiles(directory=static), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="khulasa API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title="khulasa API",
                              redoc_js_url="/docs-assets/redoc.standalone.js",
                              redoc_favicon_url="/docs-assets/favicon.png", with_google_fonts=False)
