"""The digest as one self-contained right-to-left HTML page, and the server's other pages.

Rendered with Jinja2 from the templates in ``khulasa/output/templates/`` (autoescaping on); the page's
CSS and JavaScript (``khulasa/output/static/``) are inlined, so the page needs no network. Every citation
button carries a citation id (``s2-1-0``: story 2, summary sentence 1, citation 0) that keys the page data:
``citations[id]`` is the cited span, ``sentences[id of the sentence]`` the ids of all its citations.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

from markupsafe import Markup

from khulasa.model import Article, Digest, SearchHit, StoryDigest
from khulasa.output.labels import (
    ARTICLES,
    ARTICLES_GEN,
    STORIES,
    VERDICT_AR,
    count_ar,
    figure_value,
    iso_date,
    source_numbers,
    thing_label,
    when,
)

GENERATOR = "khulasa"  # <meta name="generator"> of every page khulasa writes (readers skip such files)


@functools.cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("khulasa.output", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@functools.cache
def _static(name: str) -> str:
    return resources.files("khulasa.output").joinpath("static", name).read_text(encoding="utf-8")


def _version() -> str:
    from khulasa import __version__

    return __version__


def citation_id(story: int, sentence: int, citation: int) -> str:
    """The id of a citation in the page: story number (from 1), summary sentence and citation index (from 0)."""
    return f"s{story}-{sentence}-{citation}"


def page_data(result: Digest) -> dict[str, Any]:
    """The page's JSON data: the cited articles' texts, every citation by id, and per summary sentence the
    ids of its citations (its own first)."""
    by_id = {a.id: a for a in result.articles}
    citations: dict[str, dict[str, Any]] = {}
    sentences: dict[str, list[str]] = {}
    for k, sd in enumerate(result.stories, start=1):
        for j, s in enumerate(sd.summary.sentences):
            sentence = f"s{k}-{j}"
            ids = [citation_id(k, j, i) for i in range(len(s.citations))]
            sentences[sentence] = ids
            for cid, c in zip(ids, s.citations, strict=True):
                citations[cid] = {"article_id": c.article_id, "source": c.source, "date": iso_date(c.date),
                                  "start": c.start, "end": c.end, "sentence": sentence}
    cited = sorted({c["article_id"] for c in citations.values()})
    return {
        "articles": {aid: {"title": by_id[aid].display_title, "source": by_id[aid].credit,
                           "date": iso_date(by_id[aid].date), "path": by_id[aid].path, "text": by_id[aid].text}
                     for aid in cited},
        "citations": citations,
        "sentences": sentences,
    }


def _story_view(k: int, sd: StoryDigest, by_id: dict[str, Article]) -> dict[str, Any]:
    """What the template shows of one story (numbers, labels and ids computed here, not in the template)."""
    story = sd.story
    numbers = source_numbers(sd.summary)
    return {
        "story": {"id": story.id, "headline": story.headline, "outlets": story.outlets,
                  "events": [{"when": when(e.first, e.last), "headline": e.headline, "outlets": e.outlets}
                             for e in story.events]},
        "size": count_ar(len(story.article_ids), ARTICLES),
        "sentences": [{"text": s.text, "citations": [
            {"id": citation_id(k, j, i), "source": c.source, "number": numbers[c.article_id]}
            for i, c in enumerate(s.citations)]} for j, s in enumerate(sd.summary.sentences)],
        "figures": [{"verdict": g.verdict, "verdict_ar": VERDICT_AR[g.verdict], "label": thing_label(g),
                     "by_source": [{"value": figure_value(f), "source": by_id[f.article_id].credit} for f in g.figures]}
                    for g in sd.figures],
        "entities": sd.entities,
        "sources": [{"credit": by_id[a].credit, "display_title": by_id[a].display_title, "date": iso_date(by_id[a].date)}
                    for a in numbers],
    }


def digest_html(result: Digest, title: str = "خلاصة", extra_header: str = "", *, count: str | None = None,
                footer: str = "") -> str:
    """One self-contained RTL page (no network): summaries with clickable citations, timelines, figures,
    entities, sources. ``extra_header`` and ``footer`` are trusted HTML put under the title and after the
    stories (the server's search box, story index and page links); ``count`` replaces the line that
    counts the stories and articles."""
    by_id = {a.id: a for a in result.articles}
    # Every "<" escaped: text holding "</script>" or "<!--<script>" cannot end or swallow the data block.
    payload = json.dumps(page_data(result), ensure_ascii=False).replace("<", "\\u003c")
    return str(_environment().get_template("digest.html.j2").render(
        title=title, version=_version(), css=Markup(_static("digest.css")), js=Markup(_static("digest.js")),
        payload=Markup(payload), extra_header=Markup(extra_header), footer=Markup(footer),
        count=count if count is not None else
        f"{count_ar(len(result.stories), STORIES)} من {count_ar(len(result.articles), ARTICLES_GEN)}",
        stories=[_story_view(k, sd, by_id) for k, sd in enumerate(result.stories, start=1)]))


def search_html(query: str, hits: Sequence[SearchHit], extra_header: str = "") -> str:
    """The server's search results page."""
    return str(_environment().get_template("search.html.j2").render(
        title=f"بحث: {query}", version=_version(), css=Markup(_static("digest.css")), query=query, hits=hits,
        extra_header=Markup(extra_header)))


def article_html(article: Article) -> str:
    """The server's page of one article: its title, metadata and paragraphs."""
    meta = " · ".join(x for x in (article.credit, str(article.date or ""), article.dateline) if x)
    return str(_environment().get_template("article.html.j2").render(
        title=article.display_title, version=_version(), css=Markup(_static("digest.css")), article=article,
        meta=meta, paragraphs=[p for p in article.text.split("\n") if p.strip()], extra_header=""))
