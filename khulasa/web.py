"""``khulasa serve``: a FastAPI app over a local store. JSON API, the RTL digest page, search.

Safe defaults: only the Host names given are accepted (127.0.0.1 and localhost by default), request
bodies are limited, POSTs must be JSON and never cross-site (Origin / Sec-Fetch-Site checked), every
bad request gets a 4xx with a message, and nothing half-written reaches the store (one transaction
per batch).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from khulasa.config import DEFAULT, Config
from khulasa.ingest.clean import clean_document
from khulasa.ingest.readers import parse_iso_date
from khulasa.model import SCHEMA_VERSION, Digest, RawDocument
from khulasa.output import html as pages
from khulasa.output import json as documents
from khulasa.pipeline import LiveDigest
from khulasa.store import Store

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


def create_app(db_path: str, *, allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
               max_body: int = MAX_BODY, max_words: int | None = None, config: Config = DEFAULT) -> FastAPI:
    """The app serving the store at ``db_path`` (opened once; one writer), digesting with ``config``
    (``max_words`` overrides its summary budget)."""
    store = Store(db_path)
    lock = threading.Lock()
    live = LiveDigest(config=config, max_words=max_words)
    live.add(store.articles())
    app = FastAPI(title="khulasa", version=SCHEMA_VERSION, docs_url=None, redoc_url=None,
                  description="Offline Arabic news digest: stories, cited summaries, timelines, figures.")
    _offline_docs(app)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=[*allowed_hosts, "testserver"])

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
        return await call_next(request)

    def current() -> Digest:
        with lock:
            return live.digest()

    def story_doc(story_id: str) -> dict[str, Any]:
        doc = documents.digest_document(current())
        for s in doc["stories"]:
            if s["id"] == story_id:
                return dict(s)
        raise HTTPException(404, f"no story has the id {story_id!r}; GET /api/stories lists them")

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "articles": store.count(), "schema_version": store.version}

    @app.get("/api/articles")
    def list_articles() -> dict[str, Any]:
        return {"articles": [{"id": a.id, "title": a.title, "date": a.date.isoformat() if a.date else None,
                              "source": a.credit, "path": a.path} for a in store.articles()]}

    @app.get("/api/articles/{article_id:path}")
    def get_article(article_id: str) -> dict[str, Any]:
        article = store.article(article_id)
        if article is None:
            raise HTTPException(404, f"no article has the id {article_id!r}; GET /api/articles lists them")
        return documents.article_to_dict(article)

    @app.get("/api/stories")
    def list_stories() -> dict[str, Any]:
        doc = documents.digest_document(current())
        return {"schema": "khulasa.stories", "version": SCHEMA_VERSION, "stories": [
            {"id": s["id"], "headline": s["headline"], "articles": sum(len(e["articles"]) for e in s["timeline"]),
             "outlets": s["outlets"], "timeline": [{k: e[k] for k in ("id", "first", "last", "headline")}
                                                   for e in s["timeline"]]} for s in doc["stories"]]}

    @app.get("/api/stories/{story_id}")
    def get_story(story_id: str) -> dict[str, Any]:
        return story_doc(story_id)

    @app.get("/api/search")
    def search(q: str = "", limit: int = 20) -> dict[str, Any]:
        if len(q) > 500:
            raise HTTPException(400, "the query is too long (500 characters at most)")
        hits = store.search(q, limit=max(1, min(limit, 100)))
        return {"query": q, "hits": [{"id": h.id, "title": h.title, "snippet": h.snippet} for h in hits]}

    @app.post("/api/articles", status_code=201)
    async def post_articles(request: Request) -> dict[str, Any]:
        if "application/json" not in request.headers.get("content-type", ""):
            raise HTTPException(415, "send the batch as application/json: {\"articles\": [{\"text\": ...}]}")
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > max_body:
                raise HTTPException(413, f"request body over the {max_body} byte limit")
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HTTPException(400, f"the body is not valid JSON ({exc})") from exc
        try:
            batch = IngestIn.model_validate(payload)
        except ValidationError as exc:
            raise HTTPException(422, [{"loc": e["loc"], "msg": e["msg"]} for e in exc.errors()]) from exc
        articles = []
        for n, item in enumerate(batch.articles, start=1):
            doc = RawDocument(id=item.id or f"posted-{n}", path=item.url or "POST /api/articles", text=item.text,
                              title=item.title, date=parse_iso_date(item.date), source=item.source, url=item.url)
            article = clean_document(doc)
            if not article.text.strip():
                raise HTTPException(422, f"article {n} has no text left after cleaning")
            articles.append(article)
        with lock:
            result = store.ingest(articles)
            live.add([a for a in store.articles() if a.id in set(result.added)])
        return {"added": list(result.added), "skipped": list(result.skipped), "repeated": list(result.repeated),
                "articles": store.count()}

    search_form = ('<form action="/search" method="get" role="search" style="margin-top:.5rem">'
                   '<input name="q" placeholder="ابحث في المقالات" aria-label="بحث" '
                   'style="font:inherit;padding:.2rem .5rem"> <button>بحث</button></form>')

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        return pages.digest_html(current(), extra_header=search_form)

    @app.get("/search", response_class=HTMLResponse)
    def search_page(q: str = "") -> str:
        hits = store.search(q[:500]) if q else []
        return pages.search_html(q, hits, extra_header=search_form)

    @app.get("/articles/{article_id:path}", response_class=HTMLResponse)
    def article_page(article_id: str) -> str:
        article = store.article(article_id)
        if article is None:
            raise HTTPException(404, f"no article has the id {article_id!r}")
        return pages.article_html(article)

    app.state.store = store
    return app


def _offline_docs(app: FastAPI) -> None:
    """The OpenAPI page at /docs with Swagger UI served from the installed package (no CDN)."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="khulasa API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")
