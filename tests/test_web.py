"""The API and pages with FastAPI's test client: content, 4xx for every bad request, safe defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from khulasa.ingest import read_articles
from khulasa.store import Store
from khulasa.web import create_app

from .conftest import EXAMPLES


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    path = tmp_path / "k.db"
    with Store(path) as store:
        store.ingest(read_articles([str(EXAMPLES)]).articles)
    return TestClient(create_app(str(path), max_body=200_000), raise_server_exceptions=False)


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
