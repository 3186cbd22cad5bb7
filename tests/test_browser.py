"""End to end in headless Chromium (Debian's chromium, driven by Playwright): the served page is RTL,
a citation opens its source sentence, a hamza-less search finds the article. Screenshots go to
test-output/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from khulasa.archive import Archive
from khulasa.ingest import read_articles
from khulasa.store import Store

from .conftest import EXAMPLES, ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                "(apt-get install chromium chromium-driver; .ci/run does this)")
OUT = ROOT / "test-output"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("srv") / "k.db"
    with Store(db) as store:
        Archive(store).add(read_articles([str(EXAMPLES)]).articles)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "khulasa.cli", "serve", "--db", str(db), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "200"})
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/api/health", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        message = proc.stderr.read().decode() if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        pytest.fail("khulasa serve did not start: " + message)
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    if proc.stderr:
        proc.stderr.close()


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1300, "height": 900})
        yield pg
        browser.close()


def test_story_page_is_rtl_and_citations_open_their_sentence(server: str, page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(server + "/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    button = page.locator("button.cite").nth(1)
    button.click()
    page.wait_for_selector("#viewer mark")
    cited = page.inner_text("#viewer mark").strip()
    assert len(cited.split()) >= 5
    # the highlighted text is a real sentence of the cited article
    title = page.inner_text("#viewer-title")
    assert title
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "story-page.png"), full_page=False)


def test_search_without_hamza_finds_the_article(server: str, page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(server + "/")
    page.fill("input[name=q]", "اطلاق القمر")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("ol.hits a")
    links = page.locator("ol.hits a").all_inner_texts()
    assert any("إطلاق القمر الصناعي" in t for t in links)
    page.screenshot(path=str(OUT / "search.png"))


def test_search_for_a_word_finds_its_family_and_keeps_the_query(server: str, page: object) -> None:
    """"سيول" finds the articles that say "السيول" or "وسيول", marks the words, and keeps the query in the box."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(server + "/search?q=" + "سيول")
    page.wait_for_selector("ol.hits li")
    assert page.input_value("form.search input[name=q]") == "سيول"
    marks = page.locator("ol.hits mark").all_inner_texts()
    assert marks and all("سيول" in m for m in marks)
    assert page.evaluate("document.querySelector('form.search input').getBoundingClientRect().height") >= 44


def test_api_docs_render_their_operations_offline(server: str, page: object) -> None:
    """Swagger UI at /docs reads the OpenAPI 3.1 schema and lists every operation; ReDoc at /redoc too."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(server + "/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = set(page.locator(".opblock-summary-path").all_inner_texts())
    assert {"/api/stories", "/api/articles", "/api/health"} <= {p.replace("\u200b", "") for p in paths}
    assert not page.locator("text=Unable to render this definition").count()
    page.screenshot(path=str(OUT / "docs-swagger.png"))
    page.goto(server + "/redoc")
    page.wait_for_selector("[data-section-id^='operation']", timeout=20_000)
    assert page.locator("[data-section-id^='operation']").count() >= 3
