"""The digest as one self-contained right-to-left HTML page, and the server's other pages.

Rendered with Jinja2 from the templates in ``khulasa/output/templates/`` (autoescaping on); the page's
CSS and JavaScript (``khulasa/output/static/``) are inlined, so the page needs no network. Every citation
button carries a citation id (``s5f0511e63c87-1-0``: story id, summary sentence 1, citation 0) that keys the page data:
``citations[id]`` is the cited span, ``sentences[id of the sentence]`` the ids of all its citations.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any, NamedTuple

from markupsafe import Markup

from khulasa.model import Article, Citation, Digest, Event, SearchHit, StoryDigest
from khulasa.output.labels import (
    ARTICLES,
    ARTICLES_GEN,
    COPIES,
    EVENTS_GEN,
    FIGURES_GEN,
    NAMES_GEN,
    SOURCES_GEN,
    STORIES,
    VERDICT_AR,
    count_ar,
    figure_value,
    iso_date,
    thing_label,
    when,
)

GENERATOR = "khulasa"  # <meta name="generator"> of every page khulasa writes (readers skip such files)


@functools.cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("khulasa.output", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def compile_templates() -> None:
    """Compile every page template now (a server does it at start, not on its first visitors' requests:
    the story section's alone takes tens of milliseconds), and read the page's CSS and script."""
    env = _environment()
    for name in env.list_templates(extensions=["j2"]):
        env.get_template(name)
    _static("digest.css")
    _static("digest.js")


@functools.cache
def _static(name: str) -> str:
    return resources.files("khulasa.output").joinpath("static", name).read_text(encoding="utf-8")


def _version() -> str:
    from khulasa import __version__

    return __version__


def citation_id(summary: str, sentence: int, citation: int) -> str:
    """The id of a citation in the page: the story's (or event's) id, summary sentence and citation
    index (from 0)."""
    return f"{summary}-{sentence}-{citation}"


def story_part(sd: StoryDigest, by_id: Mapping[str, Article], texts: bool = True) -> dict[str, Any]:
    """Everything a page shows of one story, as JSON values (a store keeps it, so a page is put together
    without rebuilding the story): ``view`` for the template, ``data`` for the citation viewer (the cited
    articles, with their texts unless ``texts`` is False: a server's page asks for a text when a citation
    is opened; every citation by id, and per summary sentence the ids of its citations)."""
    story = sd.story
    written = [(story.id, sd.summary), *((e.id, summary) for e, summary in zip(story.events, sd.events, strict=False))]
    shown = {key: [_one_per_source(s.citations) for s in summary.sentences] for key, summary in written}
    numbers: dict[str, int] = {}
    for cits in (c for key, _ in written for c in shown[key]):
        for _, c in cits:
            numbers.setdefault(c.article_id, len(numbers) + 1)
    citations: dict[str, dict[str, Any]] = {}
    sentences: dict[str, list[str]] = {}
    views: dict[str, list[dict[str, Any]]] = {}
    for key, summary in written:  # the story's summary, then each event's: sentence ids "{key}-{j}"
        views[key] = []
        for j, (s, cits) in enumerate(zip(summary.sentences, shown[key], strict=True)):
            sentence = f"{key}-{j}"
            ids = [citation_id(key, j, i) for i, _ in cits]
            sentences[sentence] = ids
            for cid, (_, c) in zip(ids, cits, strict=True):
                citations[cid] = {"article_id": c.article_id, "source": c.source, "date": iso_date(c.date),
                                  "start": c.start, "end": c.end, "sentence": sentence}
            views[key].append({"text": s.text, "more": len(s.citations) - len(cits), "citations": [
                {"id": cid, "source": c.source, "number": numbers[c.article_id]}
                for cid, (_, c) in zip(ids, cits, strict=True)]})
    cited = sorted({c["article_id"] for c in citations.values()})
    top = [max(f.high for f in g.figures) for g in sd.figures]  # each figure group's largest value
    view = {
        "story": {"id": story.id, "headline": story.headline, "outlets": list(story.outlets),
                  "events": [{"id": e.id, "when": when(e.first, e.last), "headline": e.headline,
                              "outlets": list(e.outlets), "size": count_ar(len(e.article_ids), ARTICLES),
                              "sentences": views.get(e.id, [])} for e in story.events],
                  "strip": time_strip(story.events),
                  "first": iso_date(min((e.first for e in story.events if e.first), default=None)),
                  "last": iso_date(max((e.last or e.first for e in story.events if e.first), default=None))},
        "size": count_ar(len(story.article_ids), ARTICLES) + (  # the sources list can cite the copies too
            f" و{count_ar(len(story.every_article) - len(story.article_ids), COPIES)}"
            if len(story.every_article) > len(story.article_ids) else ""),
        "articles": len(story.article_ids),
        "sentences": views[story.id],
        "figures": [{"verdict": g.verdict, "verdict_ar": VERDICT_AR[g.verdict], "label": thing_label(g),
                     "chart": len(g.figures) > 1 and top[k] > 0,
                     "by_source": [{"value": figure_value(f), "source": by_id[f.article_id].credit,
                                    "bar": _bar(f.high, top[k])} for f in g.figures]}
                    for k, g in enumerate(sd.figures)],
        "entities": [{"name": e.name, "type": e.type, "role": e.role, "count": len(e.mentions)} for e in sd.entities],
        "sources": [{"credit": by_id[a].credit, "display_title": by_id[a].display_title, "date": iso_date(by_id[a].date),
                     "url": by_id[a].url if by_id[a].url.startswith(("http://", "https://")) else ""}
                    for a in numbers],
    }
    data = {"articles": {aid: {"title": by_id[aid].display_title, "source": by_id[aid].credit,
                               "date": iso_date(by_id[aid].date), "path": by_id[aid].path,
                               **({"text": by_id[aid].text} if texts else {})}
                         for aid in cited},
            "citations": citations, "sentences": sentences}
    return {"view": view, "data": data}


BRIEF_EVENTS, BRIEF_SOURCES, BRIEF_ENTITIES, BRIEF_FIGURES, BRIEF_VALUES = 10, 12, 20, 6, 6  # a story's share of
# a page of many stories


def brief_part(part: Mapping[str, Any]) -> dict[str, Any]:
    """A story's ``story_part`` for a page of many stories (a server's home and entity pages): its last
    BRIEF_EVENTS events, first BRIEF_SOURCES sources, BRIEF_ENTITIES names and BRIEF_FIGURES figures (each
    outlet's value once, BRIEF_VALUES at most), with how many more its own page shows; the data keeps
    what the shown citations need, the cited articles without their texts (the page asks the server for
    a text when a citation is opened; a store made by an older khulasa kept them). A real week's largest
    stories (hundreds of articles) made a home page of 8.7 MB in full."""
    view, data = part["view"], part["data"]
    story = view["story"]
    events = story["events"][-BRIEF_EVENTS:]
    shown = {e["id"] for e in events}
    strip = story["strip"]
    if strip is not None and len(events) < len(story["events"]):
        strip = {**strip, "marks": [m for m in strip["marks"] if m["id"] in shown]}
    notes = {key: count_ar(n, forms) for key, n, forms in (  # how many more the story's own page shows
        ("events", len(story["events"]) - len(events), EVENTS_GEN),
        ("sources", len(view["sources"]) - BRIEF_SOURCES, SOURCES_GEN),
        ("entities", len(view["entities"]) - BRIEF_ENTITIES, NAMES_GEN),
        ("figures", len(view["figures"]) - BRIEF_FIGURES, FIGURES_GEN)) if n > 0}
    brief = {**view, "story": {**story, "events": events, "strip": strip}, "sources": view["sources"][:BRIEF_SOURCES],
             "entities": view["entities"][:BRIEF_ENTITIES], "figures": [_brief_figure(g) for g in view["figures"][:BRIEF_FIGURES]],
             "all_entities": [e["name"] for e in view["entities"]], "more": notes}
    cited = [c["id"] for s in view["sentences"] for c in s["citations"]] + [
        c["id"] for e in events for s in e["sentences"] for c in s["citations"]]
    citations = {cid: data["citations"][cid] for cid in cited}
    sentences = {k: ids for k, ids in data["sentences"].items() if all(i in citations for i in ids)}
    articles = {c["article_id"]: {k: v for k, v in data["articles"][c["article_id"]].items() if k != "text"}
                for c in citations.values()}
    return {"view": brief, "data": {"articles": dict(sorted(articles.items())), "citations": citations,
                                    "sentences": sentences}}


def _brief_figure(group: Mapping[str, Any]) -> dict[str, Any]:
    """A figure group with each (value, outlet) once, BRIEF_VALUES at most, and how many values are left out."""
    firsts: dict[tuple[str, str], Mapping[str, Any]] = {}
    for v in group["by_source"]:
        firsts.setdefault((v["value"], v["source"]), v)
    values = list(firsts.values())
    return {**group, "by_source": values[:BRIEF_VALUES], "more": len(group["by_source"]) - min(len(values), BRIEF_VALUES)}


def _bar(value: float, top: float) -> float:
    """A value's bar as a percentage of the group's largest (a sliver at least, so a small value shows)."""
    return round(max(2.0, 100 * value / top), 1) if top > 0 and value >= 0 else 0.0


STRIP_WIDTH, STRIP_HEIGHT = 600, 44  # the SVG time strip's viewBox


def time_strip(events: Sequence[Event]) -> dict[str, Any] | None:
    """A story's events on a time axis, drawn as SVG by the page (None with fewer than two dated events):
    per event its x (the first event at the right, as the page reads), a radius growing with its articles,
    and a label; the axis' first and last dates."""
    dated = [e for e in events if e.first is not None]
    if len(dated) < 2:
        return None
    lo = min(e.first for e in dated if e.first)  # (the "if" only tells mypy what ``dated`` holds)
    hi = max(e.last or e.first for e in dated if e.first)
    days = max(1, (hi - lo).days)
    margin = 16
    marks = []
    for e in dated:
        assert e.first is not None
        middle = (e.first - lo).days + ((e.last or e.first) - e.first).days / 2
        x = STRIP_WIDTH - margin - (STRIP_WIDTH - 2 * margin) * middle / days
        marks.append({"id": e.id, "x": round(x, 1), "r": round(min(14.0, 4 + 2.5 * math.sqrt(len(e.article_ids))), 1),
                      "label": f"{when(e.first, e.last)} — {e.headline} ({count_ar(len(e.article_ids), ARTICLES)})"})
    return {"marks": marks, "first": str(lo), "last": str(hi), "width": STRIP_WIDTH, "height": STRIP_HEIGHT,
            "y": STRIP_HEIGHT // 2, "x0": margin, "x1": STRIP_WIDTH - margin}


def _one_per_source(citations: Sequence[Citation]) -> list[tuple[int, Citation]]:
    """The citations a page shows of a sentence: its own, then the first of every other outlet (a wire
    story carried by 100 articles of 5 outlets gets 5 buttons; the JSON keeps all 100), with their
    indexes in the sentence's citations."""
    seen: set[str] = set()
    out = []
    for i, c in enumerate(citations):
        if c.source not in seen or i == 0:
            seen.add(c.source)
            out.append((i, c))
    return out


def digest_html(result: Digest, title: str = "خلاصة", extra_header: str = "", *, count: str | None = None,
                footer: str = "") -> str:
    """One self-contained RTL page (no network): summaries with clickable citations, timelines, figures,
    entities, sources. ``extra_header`` and ``footer`` are trusted HTML put under the title and after the
    stories (the server's search box, story index and page links); ``count`` replaces the line that
    counts the stories and articles."""
    by_id = {a.id: a for a in result.articles}
    count = count if count is not None else \
        f"{count_ar(len(result.stories), STORIES)} من {count_ar(len(result.articles), ARTICLES_GEN)}"
    return parts_html([story_part(sd, by_id) for sd in result.stories], title, extra_header, count=count,
                      footer=footer)


class Section(NamedTuple):
    """One story's part of a page, rendered: its HTML and its citation data as JSON texts, each "<" escaped
    (a server keeps these, so a page of many stories renders only those that changed, and joins texts)."""

    html: Markup
    articles: dict[str, str]  # cited article id -> its JSON value
    citations: str  # the members of the story's citations object ('"id": {...}, ...'), or ""
    sentences: str  # the members of its sentences object, or ""
    outlets: tuple[str, ...]
    entities: tuple[str, ...]


def _members(values: Mapping[str, Any]) -> str:
    return _script_safe(json.dumps(values, ensure_ascii=False))[1:-1]


def _script_safe(text: str) -> str:
    # Every "<" escaped: text holding "</script>" or "<!--<script>" cannot end or swallow the data block.
    return text.replace("<", "\\u003c")


def section(part: Mapping[str, Any], entity_links: bool = False) -> Section:
    """A story's ``story_part`` rendered for ``sections_html`` (``entity_links`` as in ``parts_html``)."""
    view, data = part["view"], part["data"]
    html = Markup(_environment().get_template("story.html.j2").render(sd=view, entity_links=entity_links))
    return Section(html, {k: _script_safe(json.dumps(v, ensure_ascii=False)) for k, v in data["articles"].items()},
                   _members(data["citations"]), _members(data["sentences"]), tuple(view["story"]["outlets"]),
                   tuple(view.get("all_entities") or (e["name"] for e in view["entities"])))


def parts_html(parts: Sequence[Mapping[str, Any]], title: str = "خلاصة", extra_header: str = "", *, count: str,
               footer: str = "", entity_links: bool = False, store_filter: Mapping[str, str] | None = None,
               outlets: Sequence[str] | None = None) -> str:
    """The page of ``digest_html`` from stories' ``story_part`` values (a store's, read as they are);
    ``entity_links``: each entity's name links to its page, ``/entities/{name}`` (a server's pages);
    ``store_filter``: the filters also ask the server for every matching story of the store (its home
    page), shown with the values given (``outlet``, ``start``, ``end``, ``entity``); ``outlets``: every
    outlet to choose from (default: those of ``parts``)."""
    return sections_html([section(p, entity_links) for p in parts], title, extra_header, count=count, footer=footer,
                         store_filter=store_filter, outlets=outlets)


def sections_html(sections: Sequence[Section], title: str = "خلاصة", extra_header: str = "", *, count: str,
                  footer: str = "", store_filter: Mapping[str, str] | None = None,
                  outlets: Sequence[str] | None = None) -> str:
    """``parts_html`` from the stories' ``section`` values."""
    articles: dict[str, str] = {}
    for one in sections:
        articles.update(one.articles)
    payload = "".join(('{"articles": {', ", ".join(f"{_script_safe(json.dumps(k, ensure_ascii=False))}: {v}"
                                                  for k, v in sorted(articles.items())),
                       '}, "citations": {', ", ".join(one.citations for one in sections if one.citations),
                       '}, "sentences": {', ", ".join(one.sentences for one in sections if one.sentences), "}}"))
    return str(_environment().get_template("digest.html.j2").render(
        title=title, version=_version(), css=Markup(_static("digest.css")), js=Markup(_static("digest.js")),
        payload=Markup(payload), extra_header=Markup(extra_header), footer=Markup(footer), count=count,
        store_filter=store_filter, sections=[one.html for one in sections], several=len(sections) > 1,
        all_outlets=list(outlets) if outlets is not None else sorted({o for one in sections for o in one.outlets}),
        all_entities=sorted({e for one in sections for e in one.entities})))


def search_form_html(query: str = "") -> str:
    """The search box of the server's pages, holding ``query``."""
    return str(_environment().get_template("search_form.html.j2").render(query=query))


def _marked(text: str, marks: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, matched) at the ``marks`` spans (sorted, non-overlapping kept)."""
    out: list[tuple[str, bool]] = []
    at = 0
    for a, b in sorted(marks):
        if a < at or b > len(text):
            continue
        out += [(text[at:a], False), (text[a:b], True)]
        at = b
    out.append((text[at:], False))
    return [piece for piece in out if piece[0]]


def search_html(query: str, hits: Sequence[SearchHit], extra_header: str = "") -> str:
    """The server's search results page: the box holding the query, each hit with its matches marked."""
    rows = [{"id": h.id, "title": h.title or h.id, "pieces": _marked(h.snippet, h.marks)} for h in hits]
    return str(_environment().get_template("search.html.j2").render(
        title=f"بحث: {query}", version=_version(), css=Markup(_static("digest.css")), query=query, hits=rows,
        extra_header=Markup(search_form_html(query) + extra_header)))


def article_html(article: Article) -> str:
    """The server's page of one article: its title, metadata and paragraphs."""
    meta = " · ".join(x for x in (article.credit, str(article.date or ""), article.dateline) if x)
    return str(_environment().get_template("article.html.j2").render(
        title=article.display_title, version=_version(), css=Markup(_static("digest.css")), article=article,
        meta=meta, paragraphs=[p for p in article.text.split("\n") if p.strip()], extra_header=""))
