"""The digest as a versioned JSON document, Markdown, and one self-contained right-to-left HTML page.

Pure functions from a ``Digest`` to text; nothing here reads or writes files. Citation markers are
numbered per story: ``[n]`` is the n-th distinct article the story's summary cites.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any

from khulasa.model import SCHEMA_VERSION, Article, Digest, Entity, Figure, FigureGroup, StoryDigest, Summary
from khulasa.render import iso_date, issue_to_dict, stories_document, summary_sentences


def source_numbers(summary: Summary) -> dict[str, int]:
    """Article id -> citation number, in order of first citation."""
    numbers: dict[str, int] = {}
    for s in summary.sentences:
        for c in s.citations:
            numbers.setdefault(c.article_id, len(numbers) + 1)
    return numbers


_VERDICT_AR = {"agree": "متفقة", "approximate": "تقريبية", "disagree": "متعارضة"}


# Arabic counted nouns: (one, two, 3-10, 11-99, hundreds) forms; "two" in the case the phrase needs.
_ARTICLES = ("مقال واحد", "مقالان", "مقالات", "مقالا", "مقال")
_ARTICLES_GEN = ("مقال واحد", "مقالين", "مقالات", "مقالا", "مقال")  # after من / في
_STORIES = ("قصة واحدة", "قصتان", "قصص", "قصة", "قصة")
_TIMES = ("مرة واحدة", "مرتين", "مرات", "مرة", "مرة")


def count_ar(n: int, forms: tuple[str, str, str, str, str]) -> str:
    """``n`` with its noun in the form Arabic grammar wants (مقال واحد، مقالان، 3 مقالات، 11 مقالا، 100 مقال)."""
    one, two, few, many, hundred = forms
    if n == 1:
        return one
    if n == 2:
        return two
    rest = n % 100
    if 3 <= rest <= 10:
        return f"{n} {few}"
    if 11 <= rest <= 99:
        return f"{n} {many}"
    return f"{n} {hundred if n else few}"


_UNIT_AR = {"%": "٪", "km2": " كم²", "km": " كم", "m": " م", "kg": " كغ", "t": " طن", "USD": " دولار", "EUR": " يورو",
            "h": " ساعة", "day": " يوم", "week": " أسبوع", "month": " شهر", "year": " سنة", "min": " دقيقة"}
# Counted time units after a number: 3 to 10 take the plural, 11 to 99 the singular accusative.
_UNIT_AR_COUNTED = {"h": (" ساعات", " ساعة"), "day": (" أيام", " يوما"), "week": (" أسابيع", " أسبوعا"),
                    "month": (" أشهر", " شهرا"), "year": (" سنوات", " عاما"), "min": (" دقائق", " دقيقة")}
_UNIT_NAME_AR = {"%": "النسبة المئوية", "km2": "المساحة (كم²)", "km": "المسافة (كم)", "m": "الطول (م)",
                 "kg": "الوزن (كغ)", "t": "الوزن (طن)", "USD": "المبلغ (دولار)", "EUR": "المبلغ (يورو)",
                 **{u: f"المدة ({plural.strip()})" for u, (plural, _) in _UNIT_AR_COUNTED.items()}}


def thing_label(g: FigureGroup) -> str:
    """What a figure group counts, for people: its counted thing, else its unit named in Arabic."""
    if g.thing and g.thing != g.unit:
        return g.thing
    return _UNIT_NAME_AR.get(g.unit, g.unit)


def _unit_ar(unit: str, value: float) -> str:
    """The Arabic unit after ``value``: "6 أشهر", "15 يوما", "1 شهر"; other units do not inflect."""
    if unit in _UNIT_AR_COUNTED and value == int(value) and 3 <= value <= 99:
        plural, accusative = _UNIT_AR_COUNTED[unit]
        return plural if value <= 10 else accusative
    return _UNIT_AR.get(unit, f" {unit}" if unit else "")


def _number(value: float) -> str:
    for scale, word in ((1e9, "مليار"), (1e6, "مليون")):
        if value >= scale:
            return f"{value / scale:g} {word}"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def figure_value(f: Figure) -> str:
    """A figure's value for display: "2,000", "~15,000", ">20", "2.5 مليار دولار", "2,000–9,999"."""
    if f.qualifier == "indefinite":
        return f"{_number(f.low)}–{_number(f.high)}"
    prefix = {"about": "~", "more than": ">", "at least": "≥", "less than": "<"}.get(f.qualifier, "")
    return f"{prefix}{_number(f.value)}{_unit_ar(f.unit, f.value)}"


def entity_dict(e: Entity) -> dict[str, Any]:
    """An entity for JSON: name, type, role, mention count, variants, articles."""
    return {"name": e.name, "type": e.type, "role": e.role, "mentions": len(e.mentions),
            "variants": list(e.variants), "articles": list(e.article_ids)}


def figure_group_dict(g: FigureGroup, by_id: dict[str, Article]) -> dict[str, Any]:
    """A figure group for JSON: what is counted, the verdict, and each source's value and span."""
    return {"thing": g.thing, "label": thing_label(g), "unit": g.unit, "verdict": g.verdict, "values": [
        {"article_id": f.article_id, "source": by_id[f.article_id].credit, "value": f.value, "low": f.low,
         "high": None if f.high == float("inf") else f.high, "qualifier": f.qualifier, "text": f.text,
         "display": figure_value(f), "sentence_index": f.sentence_index, "start": f.start, "end": f.end}
        for f in g.figures]}


def facts_document(result: Digest) -> dict[str, Any]:
    """The ``khulasa facts --json`` document: per story, entities and key figures."""
    by_id = {a.id: a for a in result.articles}
    return {"schema": "khulasa.facts", "version": SCHEMA_VERSION, "stories": [
        {"id": sd.story.id, "headline": sd.story.headline, "entities": [entity_dict(e) for e in sd.entities],
         "figures": [figure_group_dict(g, by_id) for g in sd.figures]} for sd in result.stories],
        "issues": [issue_to_dict(i) for i in result.issues]}


def digest_document(result: Digest) -> dict[str, Any]:
    """The ``khulasa digest --json`` document (schema ``khulasa.digest``)."""
    stories = stories_document([sd.story for sd in result.stories], result.articles)["stories"]
    by_id = {a.id: a for a in result.articles}
    for doc, sd in zip(stories, result.stories, strict=True):
        doc["summary"] = {"word_count": sd.summary.word_count, "sentences": summary_sentences(sd.summary)}
        doc["timeline"] = doc.pop("events")
        doc["entities"] = [entity_dict(e) for e in sd.entities]
        doc["figures"] = [figure_group_dict(g, by_id) for g in sd.figures]
    return {
        "schema": "khulasa.digest",
        "version": SCHEMA_VERSION,
        "max_words": result.max_words,
        "stories": stories,
        "articles": [{"id": a.id, "title": a.title, "date": iso_date(a.date), "source": a.source, "outlet": a.outlet,
                      "dateline": a.dateline, "url": a.url, "path": a.path, "language": a.language}
                     for a in result.articles],
        "issues": [issue_to_dict(i) for i in result.issues],
    }


def _when(first: dt.date | None, last: dt.date | None) -> str:
    if first is None:
        return "تاريخ غير معروف"
    return str(first) if first == last or last is None else f"{first} – {last}"


def digest_markdown(result: Digest) -> str:
    """The digest as Markdown (Arabic headings; citation markers refer to each story's source list)."""
    by_id = {a.id: a for a in result.articles}
    lines = ["# خلاصة", "", f"{count_ar(len(result.stories), _STORIES)} من {count_ar(len(result.articles), _ARTICLES_GEN)}.", ""]
    for sd in result.stories:
        story = sd.story
        numbers = source_numbers(sd.summary)
        lines += [f"## {story.headline}", "", f"*{count_ar(len(story.article_ids), _ARTICLES)} — {'، '.join(story.outlets)}*", "",
                  "### الملخص", ""]
        for s in sd.summary.sentences:
            marks = "".join(f"[{numbers[c.article_id]}]" for c in s.citations)
            lines.append(f"- {s.text} {marks}")
        lines += ["", "### الخط الزمني", ""]
        for e in story.events:
            lines.append(f"- **{_when(e.first, e.last)}** — {e.headline} ({'، '.join(e.outlets)})")
        if sd.figures:
            lines += ["", "### الأرقام الرئيسية", "", "| ما يُعدّ | القيم حسب المصدر | الحكم |", "|---|---|---|"]
            for g in sd.figures:
                vals = "؛ ".join(f"{figure_value(f)} ({by_id[f.article_id].credit})" for f in g.figures)
                mark = "**" if g.verdict == "disagree" else ""
                lines.append(f"| {thing_label(g)} | {vals} | {mark}{_VERDICT_AR[g.verdict]}{mark} |")
        if sd.entities:
            lines += ["", "### الأشخاص والأماكن والمنظمات", ""]
            lines += [f"- {e.name} ({e.type}{'، ' + e.role if e.role else ''}): {count_ar(len(e.mentions), _TIMES)} في "
                      f"{count_ar(len(e.article_ids), _ARTICLES_GEN)}" for e in sd.entities]
        lines += ["", "### المصادر", ""]
        for aid, n in numbers.items():
            a = by_id[aid]
            lines.append(f"{n}. {a.credit} — {a.display_title} ({iso_date(a.date) or 'بلا تاريخ'}) `{a.path}`")
        lines.append("")
    if result.issues:
        lines += ["## ملفات لم تُقرأ كاملة", ""] + [f"- `{i.path}`: {i.reason}" for i in result.issues] + [""]
    return "\n".join(lines)


_CSS = """
:root { --ink:#1d2430; --muted:#5b6472; --line:#d9dee6; --accent:#0b6e4f; --mark:#fff1a8; }
* { box-sizing: border-box; }
body { margin:0; font-family: "Noto Naskh Arabic","Amiri","Scheherazade New","Arabic Typesetting","Segoe UI",
  "Geeza Pro","Noto Sans Arabic",Tahoma,sans-serif; color:var(--ink); background:#f7f8fa; line-height:1.9; }
header { background:var(--accent); color:#fff; padding:1rem 2rem; }
header h1 { margin:0; font-size:1.8rem; }
main { display:grid; grid-template-columns:minmax(0,1fr) minmax(0,26rem); gap:1.5rem; padding:1.5rem 2rem; }
.story { background:#fff; border:1px solid var(--line); border-radius:8px; padding:1rem 1.5rem; margin-bottom:1.5rem; }
.story h2 { margin:.2rem 0; font-size:1.4rem; }
.meta, .outlets, time { color:var(--muted); font-size:.9rem; }
.summary p { margin:.4rem 0; }
button.cite { border:0; background:none; color:var(--accent); cursor:pointer; font:inherit; font-size:.85rem;
  padding:0 .1rem; vertical-align:super; }
button.cite:hover, button.cite:focus { text-decoration:underline; }
ol.timeline { list-style:none; padding:0; border-inline-start:3px solid var(--line); }
ol.timeline li { padding:.2rem 1rem; }
#viewer { position:sticky; top:1rem; align-self:start; background:#fff; border:1px solid var(--line);
  border-radius:8px; padding:1rem 1.25rem; max-height:calc(100vh - 2rem); overflow:auto; }
#viewer[hidden] { display:none; }
#viewer mark { background:var(--mark); padding:0 .1rem; }
#viewer .others li { margin:.3rem 0; }
table.figures { border-collapse:collapse; width:100%; font-size:.95rem; }
table.figures th, table.figures td { border-bottom:1px solid var(--line); padding:.3rem .5rem; text-align:start; }
table.figures tr.disagree td:last-child { color:#a4161a; font-weight:bold; }
ul.entities { columns:2; padding-inline-start:1.2rem; }
@media (max-width: 900px) { main { grid-template-columns:1fr; } }
"""

_JS = """
const data = JSON.parse(document.getElementById('khulasa-data').textContent);
const viewer = document.getElementById('viewer');
function esc(s) { const d = document.createElement('div'); d.textContent = s; return d.innerHTML; }
function show(story, sent, cite) {
  const c = data.stories[story].sentences[sent].citations[cite];
  const art = data.articles[c.article_id];
  const t = art.text;
  document.getElementById('viewer-title').textContent = art.title || c.article_id;
  document.getElementById('viewer-meta').textContent = [art.source, art.date || '', art.path].join(' · ');
  document.getElementById('viewer-text').innerHTML = esc(t.slice(0, c.start)).replace(/\\n/g, '<br>') +
    '<mark id="cited">' + esc(t.slice(c.start, c.end)) + '</mark>' + esc(t.slice(c.end)).replace(/\\n/g, '<br>');
  const others = data.stories[story].sentences[sent].citations.filter((_, i) => i !== cite);
  document.getElementById('viewer-others').innerHTML = others.length ?
    '<h4>تنقله أيضا</h4><ol class="others">' + others.map(o => '<li><b>' + esc(o.source) + '</b> ' +
      esc(o.date || '') + ': ' + esc(data.articles[o.article_id].text.slice(o.start, o.end)) + '</li>').join('') +
    '</ol>' : '';
  viewer.hidden = false;
  document.getElementById('cited').scrollIntoView({block: 'center'});
}
document.querySelectorAll('button.cite').forEach(b => b.addEventListener('click', () =>
  show(+b.dataset.story, +b.dataset.sent, +b.dataset.cite)));
document.getElementById('viewer-close').addEventListener('click', () => { viewer.hidden = true; });
"""


def _page_data(result: Digest) -> dict[str, Any]:
    cited = {c.article_id for sd in result.stories for s in sd.summary.sentences for c in s.citations}
    by_id = {a.id: a for a in result.articles}
    return {
        "articles": {aid: {"title": by_id[aid].display_title, "source": by_id[aid].credit, "date": iso_date(by_id[aid].date),
                           "path": by_id[aid].path, "text": by_id[aid].text} for aid in sorted(cited)},
        "stories": [{"sentences": [{"citations": [{"article_id": c.article_id, "source": c.source,
                                                  "date": iso_date(c.date), "start": c.start, "end": c.end}
                                                 for c in s.citations]} for s in sd.summary.sentences]}
                    for sd in result.stories],
    }


def _story_html(k: int, sd: StoryDigest, by_id: dict[str, Article]) -> str:
    story, e = sd.story, html.escape
    numbers = source_numbers(sd.summary)
    parts = [f'<section class="story" id="{e(story.id)}"><h2>{e(story.headline)}</h2>',
             f'<p class="meta">{count_ar(len(story.article_ids), _ARTICLES)} · {e("، ".join(story.outlets))}</p>',
             '<h3>الملخص</h3><div class="summary">']
    for j, s in enumerate(sd.summary.sentences):
        marks = "".join(
            f'<button class="cite" data-story="{k}" data-sent="{j}" data-cite="{i}" '
            f'title="{e(c.source)}">[{numbers[c.article_id]}]</button>' for i, c in enumerate(s.citations))
        parts.append(f"<p>{e(s.text)} {marks}</p>")
    parts.append('</div><h3>الخط الزمني</h3><ol class="timeline">')
    for ev in story.events:
        parts.append(f'<li><time>{e(_when(ev.first, ev.last))}</time> — {e(ev.headline)} '
                     f'<span class="outlets">({e("، ".join(ev.outlets))})</span></li>')
    parts.append("</ol>")
    if sd.figures:
        parts.append('<h3>الأرقام الرئيسية</h3><table class="figures"><thead><tr><th>ما يُعدّ</th>'
                     '<th>القيم حسب المصدر</th><th>الحكم</th></tr></thead><tbody>')
        for g in sd.figures:
            vals = "<br>".join(f"{e(figure_value(f))} — {e(by_id[f.article_id].credit)}" for f in g.figures)
            parts.append(f'<tr class="{g.verdict}"><td>{e(thing_label(g))}</td><td>{vals}</td>'
                         f"<td>{_VERDICT_AR[g.verdict]}</td></tr>")
        parts.append("</tbody></table>")
    if sd.entities:
        parts.append('<h3>الأشخاص والأماكن والمنظمات</h3><ul class="entities">')
        parts.extend(f'<li><b>{e(x.name)}</b> <span class="meta">{x.type}{" · " + e(x.role) if x.role else ""} · '
                     f"{len(x.mentions)}×</span></li>" for x in sd.entities)
        parts.append("</ul>")
    parts.append('<h3>المصادر</h3><ol class="sources">')
    for aid, _n in numbers.items():
        a = by_id[aid]
        parts.append(f"<li>{e(a.credit)} — {e(a.display_title)} <time>{e(iso_date(a.date) or '')}</time></li>")
    parts.append("</ol></section>")
    return "\n".join(parts)


def digest_html(result: Digest, title: str = "خلاصة", extra_header: str = "") -> str:
    """One self-contained RTL page (no network): summaries with clickable citations, timelines, figures,
    entities, sources. ``extra_header`` is trusted HTML put under the title (the server's search box)."""
    by_id = {a.id: a for a in result.articles}
    payload = json.dumps(_page_data(result), ensure_ascii=False).replace("</", "<\\/")
    stories = "\n".join(_story_html(k, sd, by_id) for k, sd in enumerate(result.stories))
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header><h1>{e(title)}</h1><p>{count_ar(len(result.stories), _STORIES)} من {count_ar(len(result.articles), _ARTICLES_GEN)}</p>{extra_header}</header>
<main>
<div id="stories">
{stories}
</div>
<aside id="viewer" hidden aria-live="polite"><button id="viewer-close" aria-label="إغلاق">×</button>
<h3 id="viewer-title"></h3><p id="viewer-meta" class="meta"></p><div id="viewer-text"></div>
<div id="viewer-others"></div></aside>
</main>
<script type="application/json" id="khulasa-data">{payload}</script>
<script>{_JS}</script>
</body>
</html>
"""


