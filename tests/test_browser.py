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
def browser(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser: object) -> object:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    return browser.new_page(viewport={"width": 1300, "height": 900})


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


def test_a_server_page_asks_for_a_cited_text_once(server: str, browser: object) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    pg = browser.new_page()
    asked: list[str] = []
    pg.on("request", lambda r: asked.append(r.url) if "/api/articles/" in r.url else None)
    pg.goto(server + "/")
    button = pg.locator("button.cite").first
    for _ in range(2):
        button.click()
        pg.wait_for_selector("#viewer mark")
        pg.keyboard.press("Escape")
        pg.wait_for_selector("#viewer", state="hidden")
    assert asked and len(asked) == len(set(asked))  # each text asked for once
    story = pg.locator("section.story").first.get_attribute("id")
    asked.clear()
    pg.goto(f"{server}/stories/{story}")
    pg.locator("button.cite").first.click()
    pg.wait_for_selector("#viewer mark")
    assert len(pg.inner_text("#viewer mark").split()) >= 3 and asked and len(asked) == len(set(asked))
    pg.close()


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


def test_citation_viewer_on_a_phone_opens_in_view_and_closes_with_escape_and_back(server: str, browser: object) -> None:
    """390 px wide: the viewer is a sheet in view, the page does not jump, Escape and Back close it and the
    reader is where they were; citation buttons are 44 px targets."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    pg = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg.goto(server + "/")
    button = pg.locator("button.cite").nth(3)
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44
    for closing in ("Escape", "Back"):
        y = pg.evaluate("window.scrollY")
        button.click()
        pg.wait_for_selector("#viewer mark")  # the cited text is asked of the server first
        rect = pg.evaluate("(() => { const r = document.getElementById('viewer').getBoundingClientRect();"
                           " return [r.top, r.bottom, innerHeight]; })()")
        assert 0 <= rect[0] < rect[1] <= rect[2] + 1  # wholly in view
        assert abs(pg.evaluate("window.scrollY") - y) < 2  # the page did not jump
        if closing == "Escape":
            pg.keyboard.press("Escape")
        else:
            pg.go_back()
        pg.wait_for_selector("#viewer", state="hidden")
        assert abs(pg.evaluate("window.scrollY") - y) < 2
    OUT.mkdir(exist_ok=True)
    button.click()
    pg.wait_for_selector("#viewer mark")
    pg.screenshot(path=str(OUT / "story-page-mobile.png"))
    pg.close()


def test_dates_ids_and_paths_keep_their_order_in_right_to_left_lines(server: str, page: object) -> None:
    """A date reads 2024-03-14 wherever it stands (isolated as left-to-right), in the lists and the viewer."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(server + "/")
    page.locator("button.cite").first.click()
    page.wait_for_selector("#viewer mark")
    for selector in ("ol.sources time", "#viewer-meta bdi[dir=ltr]"):
        el = page.locator(selector).first
        assert el.evaluate("e => getComputedStyle(e).direction") == "ltr", selector
        assert el.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate", selector


def test_dark_mode_and_print_stylesheet(server: str, browser: object) -> None:
    """The page follows the system's dark setting, and prints the stories without the viewer or the boxes."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    pg = browser.new_page(viewport={"width": 1300, "height": 900})
    pg.goto(server + "/")
    light = pg.evaluate("getComputedStyle(document.body).backgroundColor")
    pg.emulate_media(color_scheme="dark")
    dark = pg.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light != dark and sum(int(x) for x in dark[dark.index("(") + 1:-1].split(",")[:3]) < 150
    pg.locator("button.cite").first.click()
    pg.wait_for_selector("#viewer mark")
    pg.emulate_media(media="print", color_scheme="light")
    assert pg.evaluate("getComputedStyle(document.getElementById('viewer')).display") == "none"
    assert pg.evaluate("getComputedStyle(document.querySelector('form.search')).display") == "none"
    pg.close()


def test_the_time_strip_draws_each_event_and_links_to_it(server: str, page: object) -> None:
    """A story with events on two dates gets an SVG strip: one circle per event, the first at the right,
    each a link to its line of the timeline."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(server + "/")
    strip = page.locator("figure.strip").first
    circles = strip.locator("circle")
    assert circles.count() == 2
    xs = [c.bounding_box()["x"] for c in circles.all()]  # type: ignore[index]
    assert xs[0] > xs[1]  # time runs right to left, as the page reads
    href = strip.locator("a").first.get_attribute("href")
    assert href and page.locator(href).count() == 1
    strip.screenshot(path=str(OUT / "time-strip.png"))


def test_a_disagreement_shows_each_outlets_value_as_a_bar(server: str, page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(server + "/")
    row = page.locator("table.figures tr.disagree").first
    widths = [b.bounding_box()["width"] for b in row.locator(".bar").all()]  # type: ignore[index]
    assert len(widths) >= 2 and max(widths) > min(widths) > 0
    row.screenshot(path=str(OUT / "figure-bars.png"))


def test_nothing_is_wider_than_a_phone(server: str, browser: object) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    pg = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    for path in ("/", "/search?q=سيول"):
        pg.goto(server + path)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390, path
    pg.close()


def test_filters_by_outlet_date_and_name(server: str, page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(server + "/")
    total = page.locator("section.story").count()
    visible = "document.querySelectorAll('section.story:not([hidden])').length"
    outlets = page.locator("#filters select[name=outlet] option").all_inner_texts()[1:]
    counts = []
    for outlet in outlets:
        page.select_option("#filters select[name=outlet]", label=outlet)
        counts.append(page.evaluate(visible))
    assert total > 1 and all(0 < c <= total for c in counts) and min(counts) < total
    page.select_option("#filters select[name=outlet]", value="")
    assert page.evaluate(visible) == total
    page.fill("#filters input[name=from]", "2099-01-01")
    assert page.evaluate(visible) == 0 and "0 من" in page.locator("#filters output").inner_text()
    page.fill("#filters input[name=from]", "")
    name = page.locator("#entity-names option").first.get_attribute("value") or ""
    page.fill("#filters input[name=entity]", name.replace("أ", "ا").replace("إ", "ا").replace("ة", "ه"))
    assert 0 < page.evaluate(visible) < total or total == 1
    page.fill("#filters input[name=entity]", "")


def test_sent_filters_ask_the_store_and_entity_names_open_their_page(server: str, page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(server + "/")
    outlet = page.locator("#filters select[name=outlet] option").all_inner_texts()[-1]
    page.select_option("#filters select[name=outlet]", label=outlet)
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    assert "outlet=" in page.url and "from=" not in page.url  # empty fields stay out of the URL
    sections = page.locator("section.story")
    assert sections.count() > 0
    assert all(outlet in (sections.nth(i).get_attribute("data-outlets") or "").split("|")
               for i in range(sections.count()))
    assert page.locator("#filters select[name=outlet]").input_value() == outlet  # kept in the form
    link = page.locator("ul.entities a[href^='/entities/']").first
    name = link.inner_text()
    with page.expect_navigation():
        link.click()
    assert "/entities/" in page.url and name in page.locator("h2.entity-title").inner_text()
    assert page.locator("section.story").count() >= 1


def test_the_english_toggle_switches_the_labels_and_back(server: str, browser: object) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    pg = browser.new_page(viewport={"width": 1300, "height": 900})
    pg.goto(server + "/")
    heading = pg.locator("section.story h3").first
    assert heading.inner_text() == "الملخص"
    pg.click("#lang")
    assert heading.inner_text() == "Summary" and pg.locator("#lang").inner_text() == "العربية"
    assert pg.locator("section.story p").nth(1).inner_text() != ""  # the articles' text is untouched
    pg.reload()
    assert heading.inner_text() == "Summary"  # remembered
    pg.click("#lang")
    assert heading.inner_text() == "الملخص"
    pg.close()
