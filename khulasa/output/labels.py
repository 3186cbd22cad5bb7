"""Words and numbers for people to read, shared by every output (Markdown, HTML, terminal, JSON labels).

Arabic counted nouns in the form the grammar wants, figure values with their units, date ranges, and the
per-story numbering of cited sources.
"""

from __future__ import annotations

import datetime as dt

from khulasa.model import Figure, FigureGroup, Summary, Verdict


def iso_date(value: dt.date | None) -> str | None:
    """``YYYY-MM-DD`` or None."""
    return value.isoformat() if value else None


def when(first: dt.date | None, last: dt.date | None) -> str:
    """An event's date or date range in Arabic ("تاريخ غير معروف" when undated)."""
    if first is None:
        return "تاريخ غير معروف"
    return str(first) if first == last or last is None else f"{first} – {last}"


def source_numbers(*summaries: Summary) -> dict[str, int]:
    """Article id -> citation number, in order of first citation (the story's summary, then its events')."""
    numbers: dict[str, int] = {}
    for s in (s for summary in summaries for s in summary.sentences):
        for c in s.citations:
            numbers.setdefault(c.article_id, len(numbers) + 1)
    return numbers


VERDICT_AR: dict[Verdict, str] = {"agree": "متفقة", "approximate": "تقريبية", "disagree": "متعارضة"}


# Arabic counted nouns: (one, two, 3-10, 11-99, hundreds) forms; "two" in the case the phrase needs.
ARTICLES = ("مقال واحد", "مقالان", "مقالات", "مقالا", "مقال")
COPIES = ("نسخة مكررة", "نسختان مكررتان", "نسخ مكررة", "نسخة مكررة", "نسخة مكررة")
ARTICLES_GEN = ("مقال واحد", "مقالين", "مقالات", "مقالا", "مقال")  # after من / في
STORIES = ("قصة واحدة", "قصتان", "قصص", "قصة", "قصة")
EVENTS_GEN = ("حدث واحد", "حدثين", "أحداث", "حدثا", "حدث")  # after في / من
SOURCES_GEN = ("مصدر واحد", "مصدرين", "مصادر", "مصدرا", "مصدر")
FIGURES_GEN = ("رقم واحد", "رقمين", "أرقام", "رقما", "رقم")
NAMES_GEN = ("اسم واحد", "اسمين", "أسماء", "اسما", "اسم")
TIMES = ("مرة واحدة", "مرتين", "مرات", "مرة", "مرة")


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
