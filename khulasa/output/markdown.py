"""The digest as Markdown: Arabic headings; citation markers refer to each story's numbered sources."""

from __future__ import annotations

import html

from khulasa.model import Digest
from khulasa.output.labels import (
    ARTICLES,
    ARTICLES_GEN,
    STORIES,
    TIMES,
    VERDICT_AR,
    count_ar,
    figure_value,
    iso_date,
    source_numbers,
    thing_label,
    when,
)


def digest_markdown(result: Digest) -> str:
    """The digest as Markdown (Arabic headings; citation markers refer to each story's source list)."""
    by_id = {a.id: a for a in result.articles}
    lines = ["# خلاصة", "", f"{count_ar(len(result.stories), STORIES)} من {count_ar(len(result.articles), ARTICLES_GEN)}.", ""]
    for sd in result.stories:
        story = sd.story
        numbers = source_numbers(sd.summary, *sd.events)
        lines += [f"## {story.headline}", "", f"*{count_ar(len(story.article_ids), ARTICLES)} — {'، '.join(story.outlets)}*", "",
                  "### الملخص", ""]
        for s in sd.summary.sentences:
            marks = "".join(f"[{numbers[c.article_id]}]" for c in s.citations)
            lines.append(f"- {s.text} {marks}")
        lines += ["", "### الخط الزمني", ""]
        for k, e in enumerate(story.events):
            lines.append(f"- **{when(e.first, e.last)}** — {e.headline} ({'، '.join(e.outlets)})")
            if k < len(sd.events) and sd.events[k].sentences:
                lines.append("  " + " ".join(f"{s.text} {''.join(f'[{numbers[c.article_id]}]' for c in s.citations)}"
                                             for s in sd.events[k].sentences))
        if sd.figures:
            lines += ["", "### الأرقام الرئيسية", "", "| ما يُعدّ | القيم حسب المصدر | الحكم |", "|---|---|---|"]
            for g in sd.figures:
                vals = "؛ ".join(f"{figure_value(f)} ({by_id[f.article_id].credit})" for f in g.figures)
                mark = "**" if g.verdict == "disagree" else ""
                cell_thing, cell_vals = (x.replace("|", "\\|") for x in (thing_label(g), vals))  # a "|" ends no cell
                lines.append(f"| {cell_thing} | {cell_vals} | {mark}{VERDICT_AR[g.verdict]}{mark} |")
        if sd.entities:
            lines += ["", "### الأشخاص والأماكن والمنظمات", ""]
            lines += [f"- {e.name} ({e.type}{'، ' + e.role if e.role else ''}): {count_ar(len(e.mentions), TIMES)} في "
                      f"{count_ar(len(e.article_ids), ARTICLES_GEN)}" for e in sd.entities]
        lines += ["", "### المصادر", ""]
        for aid, n in numbers.items():
            a = by_id[aid]
            lines.append(f"{n}. {a.credit} — {a.display_title} ({iso_date(a.date) or 'بلا تاريخ'}) `{a.path}`")
        lines.append("")
    if result.issues:
        lines += ["## ملفات لم تُقرأ كاملة", ""] + [f"- `{i.path}`: {i.reason}" for i in result.issues] + [""]
    # Text from the articles is text: "<script>" in a title must not become HTML in a Markdown renderer.
    return "\n".join(html.escape(line, quote=False) for line in lines)
