"""The command line's views: tables, trees and panels printed with rich.

Every text that comes from the input (titles, paths, sentences, names) is escaped before it meets rich
markup, so "[red]" in a file name is printed as written, never read as a style.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape

from khulasa.model import Analysis, Article, Digest, Story
from khulasa.output.labels import figure_value, source_numbers, thing_label

_VERDICT_COLOR = {"disagree": "red", "approximate": "yellow", "agree": "green"}
# The views' labels, in English (the default) or Arabic (--lang ar), as the page's toggle shows them.
LABELS: dict[str, dict[str, str]] = {
    "en": {"sep": ", ", "articles": "articles", "outlets": "outlets", "confidence": "confidence", "copies": "copies of",
           "timeline": "Timeline", "figures": "Key figures", "entities_long": "People, places, organizations",
           "sources": "Sources", "entities": "Entities", "quantity": "quantity", "values": "values by source",
           "verdict": "verdict", "name": "name", "type": "type", "role": "role", "mentions": "mentions",
           "unknown": "date unknown", "agree": "agree", "approximate": "approximate", "disagree": "disagree"},
    "ar": {"sep": "، ", "articles": "مقالات", "outlets": "مصادر", "confidence": "الثقة", "copies": "نسخ من",
           "timeline": "الخط الزمني", "figures": "الأرقام الرئيسية", "entities_long": "الأشخاص والأماكن والمنظمات",
           "sources": "المصادر", "entities": "الأسماء", "quantity": "ما يُعدّ", "values": "القيم حسب المصدر",
           "verdict": "الحكم", "name": "الاسم", "type": "النوع", "role": "الصفة", "mentions": "مرات الذكر",
           "unknown": "تاريخ غير معروف", "agree": "متفقة", "approximate": "تقريبية", "disagree": "متعارضة"},
}


class VisualWriter:
    """A text stream that writes each line in visual order for terminals without bidi: Arabic letters
    shaped (arabic-reshaper) and each right-to-left run reversed in place (python-bidi), the line's own
    layout kept left to right, so tables and trees keep their shape."""

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self._pending = ""

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            self.target.write(visual(line) + "\n")
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.target.write(visual(self._pending))
            self._pending = ""
        self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()


# Box-drawing characters: a table's or a tree's frame, kept in place; the text between them is reordered
# cell by cell, so one cell's Arabic never crosses into the next.
_FRAME = re.compile("([\u2500-\u257f|]+)")


@functools.cache
def _reshaper() -> Any:
    import arabic_reshaper

    # No ligatures (لا stays two letters) and the marks kept: a line keeps its length, a table its columns.
    return arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False, "support_ligatures": False})


def visual(line: str) -> str:
    """``line`` in visual order, left to right, Arabic shaped, same length (a line without Arabic as is)."""
    if not any("\u0600" <= ch <= "\u06ff" for ch in line):
        return line
    from bidi.algorithm import get_display

    return "".join(part if _FRAME.fullmatch(part) or not part.strip() else
                   str(get_display(_reshaper().reshape(part))) for part in _FRAME.split(line))


def _credit(a: Article) -> str:
    return a.credit if (a.source or a.outlet) else "—"


def _when(first: object, last: object, t: dict[str, str] = LABELS["en"]) -> str:
    if first is None:
        return t["unknown"]
    return str(first) if first == last else f"{first} → {last}"


def article_sheet(out: Console, analysis: Analysis) -> None:
    """One cleaned article: its metadata, then its numbered sentences."""
    a = analysis.article
    for label, value in (("id", a.id), ("path", a.path), ("title", a.title), ("date", a.date),
                         ("source", a.source), ("outlet", a.outlet), ("dateline", a.dateline),
                         ("updated", a.updated), ("language", a.language)):
        out.print(f"[bold]{label}:[/bold] {escape(str(value or '—'))}")
    out.print()
    for s in analysis.sentences:
        out.print(f"[dim]{s.index + 1:>3} │[/dim] {escape(s.text)}")


def articles_table(out: Console, articles: Sequence[Article]) -> None:
    """The articles read: id, date, source, dateline and title (non-Arabic ones flagged)."""
    from rich.table import Table

    table = Table(title=f"{len(articles)} articles", show_lines=False)
    table.add_column("id", no_wrap=True, overflow="ellipsis", max_width=26)
    table.add_column("date", no_wrap=True, min_width=10)
    table.add_column("source", no_wrap=True, overflow="ellipsis", max_width=18)
    table.add_column("dateline", no_wrap=True, overflow="ellipsis", max_width=12)
    table.add_column("title", no_wrap=True, overflow="ellipsis", max_width=40)
    for a in articles:
        flag = "" if a.language == "ar" else f"[{a.language}] "
        table.add_row(escape(a.id), str(a.date or "—"), escape(_credit(a)), escape(a.dateline or "—"),
                      escape(flag + a.display_title))
    out.print(table)


def stories_tree(out: Console, stories: Sequence[Story], articles: Sequence[Article], lang: str = "en") -> None:
    """Each story as a tree: its events in time order, their articles, and the folded copies."""
    from rich.tree import Tree

    t = LABELS[lang]
    by_id = {a.id: a for a in articles}
    for story in stories:
        tree = Tree(f"[bold]{escape(story.id)}[/bold] {escape(story.headline)}  [dim]({len(story.article_ids)} "
                    f"{t['articles']}{t['sep']}{len(story.outlets)} {t['outlets']})[/dim]")
        for event in story.events:
            node = tree.add(f"[cyan]{_when(event.first, event.last, t)}[/cyan] {escape(event.headline)} "
                            f"[dim]({t['confidence']} {event.confidence})[/dim]")
            for aid in event.article_ids:
                a = by_id[aid]
                node.add(f"{escape(aid)} [dim]{a.date or '—'} · {escape(_credit(a))}[/dim]")
        for group in story.duplicates:
            tree.add(f"[dim]{t['copies']} {escape(group.representative)}: {escape(', '.join(group.members[1:]))} "
                     f"({escape(', '.join(group.outlets))})[/dim]")
        out.print(tree)


def digest_panels(out: Console, result: Digest, lang: str = "en") -> None:
    """The digest as panels: per story its summary, timeline, figures, entities and numbered sources."""
    from rich.panel import Panel

    t = LABELS[lang]
    by_id = {a.id: a for a in result.articles}
    for sd in result.stories:
        story = sd.story
        numbers = source_numbers(sd.summary, *sd.events)
        body = [f"[dim]{len(story.article_ids)} {t['articles']} · {escape('، '.join(story.outlets))}[/dim]", ""]
        body += [f"• {escape(s.text)} [cyan]{escape(''.join(f'[{numbers[c.article_id]}]' for c in s.citations))}"
                 f"[/cyan]" for s in sd.summary.sentences]
        body += ["", f"[bold]{t['timeline']}[/bold]"]
        for e in story.events:
            body.append(f"  [green]{_when(e.first, e.last, t)}[/green]  {escape(e.headline)}  "
                        f"[dim]({escape('، '.join(e.outlets))})[/dim]")
        if sd.figures:
            body += ["", f"[bold]{t['figures']}[/bold]"]
            for g in sd.figures:
                color = _VERDICT_COLOR[g.verdict]
                vals = "; ".join(f"{figure_value(f)} ({by_id[f.article_id].credit})" for f in g.figures)
                body.append(f"  [{color}]{t[g.verdict]:<11}[/{color}] {escape(thing_label(g))}: {escape(vals)}")
        if sd.entities:
            body += ["", f"[bold]{t['entities_long']}[/bold]"]
            body.append("  " + escape("، ".join(f"{e.name} ({e.type}{', ' + e.role if e.role else ''}) "
                                               f"×{len(e.mentions)}" for e in sd.entities[:8])))
        body += ["", f"[bold]{t['sources']}[/bold]"]
        for aid, n in numbers.items():
            a = by_id[aid]
            body.append(f"  {escape(f'[{n}]')} {escape(a.credit)} — {escape(a.display_title)} "
                        f"[dim]{a.date or ''} {escape(a.path)}[/dim]")
        out.print(Panel("\n".join(body), title=f"[bold]{escape(story.id)}[/bold] {escape(story.headline)}",
                        title_align="right", expand=out.is_terminal))  # in a pipe: as wide as its lines


def facts_tables(out: Console, result: Digest, lang: str = "en") -> None:
    """Per story: its key figures (values by source, verdict) and its entities."""
    from rich.table import Table

    t = LABELS[lang]
    by_id = {a.id: a for a in result.articles}
    for sd in result.stories:
        heading = f"[bold]{escape(sd.story.id)}[/bold] {escape(sd.story.headline)}"
        if out.is_terminal:
            out.rule(heading)
        else:  # in a pipe the width is unbounded: a rule would be a line of 100,000 dashes
            out.print(f"── {heading} ──")
        figures = Table(title=t["figures"], show_lines=False, title_justify="right")
        for col in (t["quantity"], t["values"], t["verdict"]):
            figures.add_column(col, overflow="fold")
        for g in sd.figures:
            color = _VERDICT_COLOR[g.verdict]
            figures.add_row(escape(thing_label(g)), escape("\n".join(
                f"{figure_value(f)} — {by_id[f.article_id].credit}" for f in g.figures)),
                f"[{color}]{t[g.verdict]}[/{color}]")
        out.print(figures)
        entities = Table(title=t["entities"], title_justify="right")
        for col in (t["name"], t["type"], t["role"], t["mentions"], t["sources"].lower()):
            entities.add_column(col, overflow="fold")
        for e in sd.entities:
            entities.add_row(escape(e.name), e.type, escape(e.role or "—"), str(len(e.mentions)),
                             escape("، ".join(dict.fromkeys(by_id[a].credit for a in e.article_ids))))
        out.print(entities)
