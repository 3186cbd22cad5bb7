"""The API and pages with FastAPI's test client: content, 4xx for every bad request, safe defaults."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from khulasa.archive import Archive
from khulasa.errors import StoreError
from khulasa.ingest import read_articles
from khulasa.store import Store
from khulasa.web import create_app

from .conftest import EXAMPLES

HOSTS = ("127.0.0.1", "localhost", "testserver")


def _built(path: Path) -> Path:
    with Store(path) as store:
        Archive(store).add(read_articles([str(EXAMPLES)]).articles)
    return path


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(str(_built(tmp_path / "k.db")), max_body=200_000, allowed_hosts=HOSTS)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_read_endpoints(client: TestClient) -> None:
    assert client.get("/api/health").json()["articles"] == 13
    arts = client.get("/api/articles").json()["articles"]
    assert len(arts) == 13
    one = client.get("/api/articles/alrafed/floods-relief").json()
    assert one["sentences"] and one["text"][one["sentences"][0]["start"]:one["sentences"][0]["end"]]
    stories = client.get("/api/stories").json()["stories"]
    assert len(stories) == 3
    story = client.get(f"/api/stories/{stories[0]['id']}").json()
    assert {"summary", "timeline", "entities", "figures"} <= set(story)
    assert client.get("/openapi.json").json()["info"]["title"] == "khulasa"
    docs = client.get("/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    redoc = client.get("/redoc").text
    assert "/docs-assets/redoc.standalone.js" in redoc and "cdn" not in redoc.lower() and "googleapis" not in redoc
    assert client.get("/docs-assets/redoc.standalone.js").status_code == 200


def test_pages_are_rtl(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and 'dir="rtl"' in page.text and 'class="cite"' in page.text
    found = client.get("/search", params={"q": "اطلاق القمر"})
    assert "alofoq/satellite-launch" in found.text
    assert client.get("/articles/wire-1103-052").status_code == 200


def test_search_api(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "السيول"}).json()["hits"]
    assert any(h["id"] == "wire-1103-052" for h in hits)
    for q in ['"', "NEAR(", "AND OR", "*"]:
        assert client.get("/api/search", params={"q": q}).status_code == 200
    assert client.get("/api/search", params={"q": "x" * 600}).status_code == 400


def test_post_ingests_once(client: TestClient) -> None:
    body = {"articles": [{"text": "قال وزير الزراعة إن محصول القمح ارتفع هذا العام بنسبة عشرين بالمئة.",
                          "title": "ارتفاع محصول القمح", "date": "2024-06-01", "source": "وكالة تجريبية"}]}
    first = client.post("/api/articles", json=body)
    assert first.status_code == 201 and len(first.json()["added"]) == 1
    again = client.post("/api/articles", json=body)
    assert again.status_code == 201 and again.json()["added"] == [] and len(again.json()["skipped"]) == 1
    assert client.get("/api/health").json()["articles"] == 14
    # The server sees the posted article at once: it is placed in a story (which one is the clustering's call).
    posted = first.json()["added"][0]
    stories = client.get("/api/stories").json()["stories"]
    placed = [client.get(f"/api/stories/{s['id']}").json() for s in stories]
    assert any(a["id"] == posted for s in placed for e in s["timeline"] for a in e["articles"])


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ("{not json", {"content-type": "application/json"}, 400),
        (json.dumps({"articles": "x"}), {"content-type": "application/json"}, 422),
        (json.dumps({"articles": [{"text": 5}]}), {"content-type": "application/json"}, 422),
        (json.dumps({"articles": []}), {"content-type": "application/json"}, 422),
        (json.dumps({"articles": [{"text": "نص", "bogus": 1}]}), {"content-type": "application/json"}, 422),
        (json.dumps({"articles": [{"text": "XS\nSM"}]}), {"content-type": "application/json"}, 422),
        ("text=x", {"content-type": "application/x-www-form-urlencoded"}, 415),
        (json.dumps({"articles": [{"text": "نص"}]}), {"content-type": "text/plain; x=application/json"}, 415),
        ("[" * 5000 + "]" * 5000, {"content-type": "application/json"}, 400),
        ('{"articles": [{"text": "نص", "title": "' + "[" * 50 + '"}]}', {"content-type": "application/json"}, 422),
        (json.dumps({"articles": [{"text": "ن" * 300_000}]}), {"content-type": "application/json"}, 413),
    ],
)
def test_bad_posts_get_a_4xx_and_change_nothing(client: TestClient, body: str, headers: dict[str, str],
                                                status: int) -> None:
    response = client.post("/api/articles", content=body.encode(), headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert client.get("/api/health").json()["articles"] == 13


def test_cross_site_and_unknown_hosts_are_refused(client: TestClient) -> None:
    body = {"articles": [{"text": "قال المتحدث إن الاجتماع سيعقد غدا في العاصمة لبحث الأزمة."}]}
    assert client.post("/api/articles", json=body, headers={"origin": "http://evil.example"}).status_code == 403
    assert client.post("/api/articles", json=body, headers={"sec-fetch-site": "cross-site"}).status_code == 403
    assert client.get("/api/health", headers={"host": "evil.example"}).status_code == 400
    assert client.get("/api/health").json()["articles"] == 13


def test_unknown_ids_are_404(client: TestClient) -> None:
    assert client.get("/api/articles/nope").status_code == 404
    assert client.get("/api/stories/s99").status_code == 404
    assert client.get("/articles/nope").status_code == 404


def test_the_server_reads_what_the_batch_digest_computes(client: TestClient) -> None:
    """The stored stories are the batch digest's (same ids, summaries, citations): nothing recomputed."""
    from khulasa.output.json import digest_document
    from khulasa.pipeline import digest

    batch = digest_document(digest(read_articles([str(EXAMPLES)]).articles))["stories"]
    listed = client.get("/api/stories").json()
    assert [s["id"] for s in listed["stories"]] == [s["id"] for s in batch]
    assert listed["total"] == len(batch) and listed["next"] is None
    for doc in batch:
        assert client.get(f"/api/stories/{doc['id']}").json() == doc
    page = client.get(f"/stories/{batch[0]['id']}")
    assert page.status_code == 200 and batch[0]["headline"] in page.text


def test_stories_are_paginated(tmp_path: Path) -> None:
    app = create_app(str(_built(tmp_path / "k.db")), allowed_hosts=HOSTS, page_size=2)
    with TestClient(app) as client:
        first = client.get("/api/stories", params={"limit": 2}).json()
        assert len(first["stories"]) == 2 and first["total"] == 3 and first["next"]
        rest = client.get(first["next"]).json()
        assert len(rest["stories"]) == 1 and rest["next"] is None
        assert {s["id"] for s in first["stories"]}.isdisjoint(s["id"] for s in rest["stories"])
        home = client.get("/").text
        assert 'rel="next"' in home and 'href="/?page=2' in home
        assert 'rel="prev"' in client.get("/", params={"page": 2}).text
        assert client.get("/api/stories", params={"limit": 0}).status_code == 422


def test_writes_by_another_process_are_seen_and_kept_sections_follow_them(tmp_path: Path) -> None:
    """An ingest by another process (here another connection) shows at the next request: no restart. The
    server keeps each story's rendered section: after a story grows, its page equals one rendered afresh."""
    path = tmp_path / "k.db"
    articles = read_articles([str(EXAMPLES)]).articles
    with Store(path) as store:
        Archive(store).add(articles[:10])  # three stories; the rest join two of them (same ids)
    with TestClient(create_app(str(path), allowed_hosts=HOSTS)) as client:
        before = client.get("/api/health").json()["articles"]
        sizes = {s["id"]: s["articles"] for s in client.get("/api/stories").json()["stories"]}
        page_before = client.get("/").text
        with Store(path) as store:
            Archive(store).add(articles[10:])
        assert before == 10 and client.get("/api/health").json()["articles"] == len(articles)
        after = {s["id"]: s["articles"] for s in client.get("/api/stories").json()["stories"]}
        assert any(after.get(sid, n) != n for sid, n in sizes.items())  # a kept story changed
        kept = client.get("/").text
        assert kept != page_before
    with TestClient(create_app(str(path), allowed_hosts=HOSTS)) as fresh:
        assert fresh.get("/").text == kept


def test_the_stored_brief_parts_give_the_home_page_made_from_the_whole_parts(tmp_path: Path) -> None:
    """A store from before the brief parts (migration 9 leaves them empty) shows the same home page."""
    path = _built(tmp_path / "k.db")
    with TestClient(create_app(str(path), allowed_hosts=HOSTS)) as client:
        stored = client.get("/").text
    with Store(path) as store:
        assert store.db.execute("SELECT count(*) FROM stories WHERE brief IS NULL").fetchone()[0] == 0
        store.db.execute("UPDATE stories SET brief=NULL")
    with TestClient(create_app(str(path), allowed_hosts=HOSTS)) as client:
        assert client.get("/").text == stored


def test_a_busy_store_answers_503_with_retry_after(tmp_path: Path) -> None:
    path = _built(tmp_path / "k.db")
    app = create_app(str(path), allowed_hosts=HOSTS, busy_timeout=0.2)
    with TestClient(app, raise_server_exceptions=False) as client:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            body = {"articles": [{"text": "قال المتحدث إن الاجتماع سيعقد غدا في العاصمة لبحث الأزمة الراهنة."}]}
            response = client.post("/api/articles", json=body)
            assert response.status_code == 503 and int(response.headers["retry-after"]) > 0
            assert client.get("/api/health").status_code == 200  # reads go on
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert client.post("/api/articles", json=body).status_code == 201


def test_a_missing_store_is_not_created_silently(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such store"):
        create_app(str(tmp_path / "typo.db"))
    assert not (tmp_path / "typo.db").exists()
    create_app(str(tmp_path / "new.db"), create=True)
    assert (tmp_path / "new.db").exists()


def test_testserver_is_not_a_default_host(tmp_path: Path) -> None:
    with TestClient(create_app(str(_built(tmp_path / "k.db")))) as client:
        assert client.get("/api/health").status_code == 400


def test_an_old_store_is_derived_in_the_background(tmp_path: Path) -> None:
    """Articles stored without their derived state (an older khulasa) get it while the server runs."""
    path = tmp_path / "k.db"
    with Store(path) as store:
        store.ingest(read_articles([str(EXAMPLES)]).articles)
    app = create_app(str(path), allowed_hosts=HOSTS)
    with TestClient(app) as client:
        done = threading.Event()
        app.state.writer_idle().add_done_callback(lambda _: done.set())
        assert done.wait(60)
        health = client.get("/api/health").json()
        assert health["articles_pending"] == 0 and health["stories"] == 3 and health["summaries_pending"] == 0


def test_posts_learn_an_outlets_recurring_lines(client: TestClient) -> None:
    bodies = ["أعلنت وزارة الزراعة اليوم بدء موسم الحصاد في السهول الشمالية مع توقعات بمحصول وفير.",
              "افتتح المجلس البلدي الطريق الجديد الذي يربط القرى الجبلية بمركز المحافظة بعد عامين من العمل.",
              "قالت مديرية الصحة إن حملة التطعيم في المدارس شملت أكثر من عشرة آلاف طالب هذا الأسبوع."]
    ids = []
    for k, body in enumerate(bodies):
        item = {"text": f"{body}\nنشرة الظهيرة من إذاعة الوادي\n{body}", "title": f"خبر {k}", "source": "إذاعة الوادي",
                "id": f"wadi-{k}"}
        response = client.post("/api/articles", json={"articles": [item]})
        assert response.status_code == 201, response.text
        ids += response.json()["added"]
    texts = [client.get(f"/api/articles/{i}").json()["text"] for i in ids]
    assert "نشرة الظهيرة" in texts[0] and "نشرة الظهيرة" not in texts[2]


def test_sources_link_to_their_web_address_and_only_to_http(client: TestClient) -> None:
    from khulasa.model import Article
    from khulasa.output.html import digest_html
    from khulasa.pipeline import digest

    assert 'href="https://mashriq.example/ar/wire/' in client.get("/").text
    arts = [Article(id=f"x{k}", text="انطلق المؤتمر الإقليمي للمياه في عمّان اليوم بمشاركة 18 دولة.", source=f"s{k}",
                    url=url) for k, url in enumerate(["javascript:alert(1)", "https://a.example/1"])]
    page = digest_html(digest(arts))
    assert "javascript:" not in page.split("khulasa-data")[0] and 'href="https://a.example/1"' in page


def test_entity_pages_list_every_story_naming_an_entity(client: TestClient) -> None:
    listing = client.get("/api/stories").json()["stories"]
    stories = [client.get(f"/api/stories/{s['id']}").json() for s in listing]
    named = next(e for s in stories for e in s["entities"] if e["type"] in ("LOC", "ORG", "PER"))
    holding = {s["id"] for s in stories if any(e["name"] == named["name"] for e in s["entities"])}
    got = client.get(f"/api/entities/{named['name']}")
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["schema"] == "khulasa.entity" and named["name"] in body["names"]
    assert {s["id"] for s in body["stories"]} == holding and body["total"] == len(holding)
    sizes = [s["articles"] for s in body["stories"]]
    assert sizes == sorted(sizes, reverse=True)  # largest first
    page = client.get(f"/entities/{named['name']}")
    assert page.status_code == 200 and named["name"] in page.text
    assert all(f'id="{sid}"' in page.text for sid in holding)
    story_page = client.get(f"/stories/{next(iter(holding))}").text
    assert 'href="/entities/' in story_page  # a story's entities link to their pages
    assert client.get("/api/entities/" + "لا-أحد-بهذا-الاسم").status_code == 404
    assert client.get("/entities/" + "لا-أحد-بهذا-الاسم").status_code == 404
    assert client.get("/api/entities/" + "ا" * 201).status_code == 400


def test_the_self_contained_page_has_no_entity_links(tmp_path: Path) -> None:
    from khulasa import digest
    from khulasa.output.html import digest_html

    page = digest_html(digest(list(read_articles([str(EXAMPLES)]).articles)))
    assert "/entities/" not in page  # no server behind a file: names filter the page instead


def test_filters_ask_the_server_for_every_matching_story_of_the_store(client: TestClient) -> None:
    everything = client.get("/api/stories").json()
    stories = everything["stories"]
    outlet = next(o for s in stories for o in s["outlets"] if sum(o in t["outlets"] for t in stories) < len(stories))
    by_outlet = client.get("/api/stories", params={"outlet": outlet}).json()
    assert {s["id"] for s in by_outlet["stories"]} == {s["id"] for s in stories if outlet in s["outlets"]}
    assert by_outlet["total"] == len(by_outlet["stories"]) < everything["total"]
    dated = sorted(s["last"] for s in stories if s["last"])
    late = client.get("/api/stories", params={"from": dated[-1]}).json()["stories"]
    assert late and all(s["last"] >= dated[-1] for s in late)
    early = client.get("/api/stories", params={"to": dated[0]}).json()["stories"]
    assert early and all(s["first"] <= dated[0] for s in early)
    named = client.get(f"/api/stories/{stories[0]['id']}").json()["entities"][0]["name"]
    holding = client.get("/api/stories", params={"entity": named}).json()["stories"]
    assert stories[0]["id"] in {s["id"] for s in holding}
    assert client.get("/api/stories", params={"from": "yesterday"}).status_code == 400
    page = client.get("/", params={"outlet": outlet})
    assert page.status_code == 200
    shown = {s["id"] for s in by_outlet["stories"]}
    assert all((f'<section class="story" id="{s["id"]}"' in page.text) == (s["id"] in shown) for s in stories)
    assert f"<option selected>{outlet}</option>" in page.text and 'action="/"' in page.text  # kept in the form
