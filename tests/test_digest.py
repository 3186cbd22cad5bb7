"""The digest: pipeline, JSON document, Markdown, the self-contained RTL page, and the command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from khulasa.cli import app
from khulasa.ingest import read_articles
from khulasa.output.html import digest_html
from khulasa.output.json import digest_document
from khulasa.output.labels import ARTICLES_GEN, STORIES, count_ar
from khulasa.output.markdown import digest_markdown
from khulasa.pipeline import digest

from .conftest import EXAMPLES, ROOT, check_golden

BATCH = read_articles([str(EXAMPLES)])
RESULT = digest(list(BATCH.articles), max_words=80)


def test_every_story_has_a_cited_summary_within_budget() -> None:
    assert len(RESULT.stories) == 3
    texts = {a.id: a.text for a in RESULT.articles}
    for sd in RESULT.stories:
        assert 0 < sd.summary.word_count <= 80
        for s in sd.summary.sentences:
            assert s.citations[0].article_id == s.sentence.article_id
            for c in s.citations:
                assert texts[c.article_id][c.start:c.end]


def test_wire_copies_are_cited_not_repeated() -> None:
    floods = next(sd for sd in RESULT.stories if "wire-1103-052" in sd.story.article_ids)
    cited = {c.article_id for s in floods.summary.sentences for c in s.citations}
    chosen = {s.sentence.article_id for s in floods.summary.sentences}
    assert "alofoq/floods-wire" in cited  # the outlet that republished the wire copy is credited
    assert "alofoq/floods-wire" not in chosen  # but its text is never repeated in the summary


def test_deterministic() -> None:
    again = digest(list(BATCH.articles), max_words=80)
    assert digest_document(again) == digest_document(RESULT)


def test_facts_only_digest_skips_summaries_and_keeps_the_rest() -> None:
    facts = digest(list(BATCH.articles), max_words=80, summaries=False)
    assert [sd.story for sd in facts.stories] == [sd.story for sd in RESULT.stories]
    for lean, full in zip(facts.stories, RESULT.stories, strict=True):
        assert lean.summary.sentences == () and lean.entities == full.entities and lean.figures == full.figures


def test_json_document() -> None:
    doc = digest_document(RESULT)
    assert doc["schema"] == "khulasa.digest" and doc["version"] == "1.0"
    story = doc["stories"][0]
    assert {"id", "headline", "outlets", "summary", "timeline", "duplicates"} <= set(story)
    json.dumps(doc, ensure_ascii=False)


def test_markdown() -> None:
    md = digest_markdown(RESULT)
    assert md.startswith("# خلاصة") and md.count("### الملخص") == 3 and "[1]" in md


@pytest.mark.parametrize(
    ("n", "forms", "expected"),
    [(1, STORIES, "قصة واحدة"), (2, STORIES, "قصتان"), (3, STORIES, "3 قصص"), (10, STORIES, "10 قصص"),
     (11, STORIES, "11 قصة"), (2, ARTICLES_GEN, "مقالين"), (5, ARTICLES_GEN, "5 مقالات"),
     (44, ARTICLES_GEN, "44 مقالا"), (100, ARTICLES_GEN, "100 مقال"), (103, ARTICLES_GEN, "103 مقالات"),
     (250, ARTICLES_GEN, "250 مقالا")],
)
def test_arabic_counts(n: int, forms: tuple[str, str, str, str, str], expected: str) -> None:
    assert count_ar(n, forms) == expected


def test_html_is_rtl_and_self_contained() -> None:
    page = digest_html(RESULT)
    assert '<html lang="ar" dir="rtl">' in page
    assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)=", page)  # nothing fetched
    assert "@import" not in page and "url(" not in page
    assert page.count('class="cite"') >= 3
    payload = re.search(r'<script type="application/json" id="khulasa-data">(.*?)</script>', page, re.S)
    assert payload is not None
    data = json.loads(payload.group(1))
    buttons = re.findall(r'<button class="cite" data-cite="([^"]+)"', page)
    # every button keys a citation of the page data, and every citation one button: no parallel lists
    assert sorted(buttons) == sorted(data["citations"]) and len(set(buttons)) == len(buttons)
    texts = {a.id: a.text for a in RESULT.articles}
    for cid, c in data["citations"].items():
        assert cid in data["sentences"][c["sentence"]]
        assert data["articles"][c["article_id"]]["text"][c["start"]:c["end"]] == texts[c["article_id"]][c["start"]:c["end"]]
    assert '<meta name="generator" content="khulasa' in page


def test_a_page_joined_from_rendered_sections_holds_the_merged_data_of_its_stories() -> None:
    """The page data is joined as text from each story's section: it must equal the stories' data merged
    and written whole, "<" escaped (a title with "</script>" cannot end the block)."""
    from dataclasses import replace

    from khulasa.output.html import section, sections_html, story_part

    by_id = {a.id: replace(a, title=f"</script><!--<script> {a.title}") for a in RESULT.articles}
    parts = [story_part(sd, by_id) for sd in RESULT.stories]
    merged: dict[str, dict[str, object]] = {"articles": {}, "citations": {}, "sentences": {}}
    for part in parts:
        for key, values in merged.items():
            values.update(part["data"][key])
    merged["articles"] = dict(sorted(merged["articles"].items()))
    expected = json.dumps(merged, ensure_ascii=False).replace("<", "\\u003c")
    for chosen in (parts, parts[:1], parts[::-1], []):
        page = sections_html([section(p) for p in chosen], count="")
        block = re.search(r'id="khulasa-data">(.*?)</script>', page, re.S)
        assert block is not None and "<" not in block.group(1)
        if chosen is parts:
            assert block.group(1) == expected and "</script><!--" in json.loads(block.group(1))["articles"][
                next(iter(parts[0]["data"]["articles"]))]["title"]
        assert json.loads(block.group(1))["citations"].keys() == {c for p in chosen for c in p["data"]["citations"]}


def test_a_brief_story_part_keeps_what_its_shown_citations_need(monkeypatch: pytest.MonkeyPatch) -> None:
    from khulasa.output import html

    for name in ("BRIEF_EVENTS", "BRIEF_SOURCES", "BRIEF_ENTITIES", "BRIEF_FIGURES"):
        monkeypatch.setattr(html, name, 1)
    by_id = {a.id: a for a in RESULT.articles}
    sd = max(RESULT.stories, key=lambda s: len(s.story.events))
    full = html.story_part(sd, by_id)
    brief = html.brief_part(full)
    assert len(full["view"]["story"]["events"]) > 1 and len(full["view"]["sources"]) > 1
    assert [e["id"] for e in brief["view"]["story"]["events"]] == [full["view"]["story"]["events"][-1]["id"]]
    page = html.sections_html([html.section(brief, entity_links=True)], count="")
    block = re.search(r'id="khulasa-data">(.*?)</script>', page, re.S)
    assert block is not None
    data = json.loads(block.group(1))
    buttons = re.findall(r'<button class="cite" data-cite="([^"]+)"', page)
    assert buttons and sorted(set(buttons)) == sorted(data["citations"])
    assert {c["article_id"] for c in data["citations"].values()} == set(data["articles"])
    assert all("text" not in a and a["title"] for a in data["articles"].values())
    assert all(set(ids) <= set(data["citations"]) for ids in data["sentences"].values())
    sources = re.search(r'<ol class="sources">(.*?)</ol>', page, re.S)
    assert sources is not None and sources.group(1).count("<li>") == 1
    assert f'<a href="/stories/{sd.story.id}">و' in page and "أقدم في صفحة القصة" in page
    names = "|".join(e.name for e in sd.entities)
    assert f'data-entities="{names}"' in page  # the filter by name still sees every name
    monkeypatch.setattr(html, "BRIEF_VALUES", 2)
    values = [{"value": v, "source": o, "bar": 1.0} for v, o in [("3", "a"), ("3", "a"), ("4", "a"), ("3", "b")]]
    group = html._brief_figure({"label": "x", "by_source": values})
    assert [(v["value"], v["source"]) for v in group["by_source"]] == [("3", "a"), ("4", "a")] and group["more"] == 2


def test_digest_command_writes_all_formats(tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "160"})
    files = {k: tmp_path / f"d.{k}" for k in ("json", "md", "html")}
    result = runner.invoke(app, ["digest", str(EXAMPLES), "--max-words", "60", "--json", str(files["json"]),
                                 "--markdown", str(files["md"]), "--html", str(files["html"])])
    assert result.exit_code == 0, result.output
    assert "Timeline" in result.stdout and "Sources" in result.stdout
    assert json.loads(files["json"].read_text("utf-8"))["schema"] == "khulasa.digest"
    assert files["md"].read_text("utf-8").startswith("# خلاصة")
    assert 'dir="rtl"' in files["html"].read_text("utf-8")
    bad = runner.invoke(app, ["digest", str(EXAMPLES), "--html", str(tmp_path / "missing" / "x.html")])
    assert bad.exit_code == 2 and "cannot write" in bad.stderr


def test_a_process_pool_gives_the_same_digest() -> None:
    pooled = digest(list(BATCH.articles), max_words=80, workers=2)
    assert digest_document(pooled) == digest_document(RESULT)


def test_digest_of_the_examples_matches_its_golden_file(update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """``khulasa digest examples/ --json`` with the default settings, whole: any change to what the
    digest says (stories, summaries, citations, entities, figures) shows here as a diff to review."""
    monkeypatch.chdir(ROOT)  # paths in the document as a user in the repository sees them
    out = CliRunner().invoke(app, ["digest", "examples/", "--json", "-"])
    assert out.exit_code == 0, out.output
    check_golden("digest_examples_expected.json", json.loads(out.stdout), update_golden)
