"""Dates in Arabic news: Gregorian, Levantine and Maghrebi month names, numeric forms, weekdays.

All matching runs on ``text.normalize`` output, so hamza, ta marbuta and digit forms do not matter.
"""

from __future__ import annotations

import datetime as dt
import re

from khulasa.text import normalize

_MONTHS_RAW: dict[int, tuple[str, ...]] = {
    1: ("يناير", "كانون الثاني", "جانفي", "January", "Jan"),
    2: ("فبراير", "شباط", "فيفري", "February", "Feb"),
    3: ("مارس", "آذار", "March", "Mar"),
    4: ("أبريل", "ابريل", "إبريل", "نيسان", "أفريل", "April", "Apr"),
    5: ("مايو", "أيار", "ماي", "May"),
    6: ("يونيو", "يونيه", "حزيران", "جوان", "June", "Jun"),
    7: ("يوليو", "يوليه", "تموز", "جويلية", "July", "Jul"),
    8: ("أغسطس", "آب", "أوت", "August", "Aug"),
    9: ("سبتمبر", "أيلول", "September", "Sep", "Sept"),
    10: ("أكتوبر", "تشرين الأول", "October", "Oct"),
    11: ("نوفمبر", "تشرين الثاني", "November", "Nov"),
    12: ("ديسمبر", "كانون الأول", "دجنبر", "December", "Dec"),
}
MONTHS: dict[str, int] = {normalize(name): month for month, names in _MONTHS_RAW.items() for name in names}

WEEKDAYS: dict[str, int] = {
    normalize(name): i
    for i, name in enumerate(("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"))
}
WEEKDAYS.update({normalize("الإثنين"): 0, normalize("الأثنين"): 0})

# Longest names first so that "كانون الثاني" wins over a shorter overlapping alternative.
_MONTH_ALT = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
# A month may be written in two systems at once: "كانون الثاني/يناير", "يناير (كانون الثاني)".
_MONTH_GROUP = rf"(?P<month>{_MONTH_ALT})(?:\s*[/(-]\s*(?:{_MONTH_ALT})\)?)?"
_DAY_MONTH_YEAR = re.compile(
    rf"(?<![\w])(?:ال)?(?P<day>\d{{1,2}})\s*(?:من\s+)?(?:شهر\s+)?{_MONTH_GROUP}(?:\s*,?\s*(?:عام\s+|سنه\s+)?(?P<year>\d{{4}}))?"
)
_MONTH_YEAR = re.compile(rf"(?<![\w])(?:شهر\s+)?{_MONTH_GROUP}\s*,?\s*(?:عام\s+|سنه\s+)?(?P<year>\d{{4}})")
_YMD = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[/.-](?P<m>\d{1,2})[/.-](?P<d>\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>(?:19|20)\d\d)(?!\d)")
_WEEKDAY_ALT = "|".join(sorted((re.escape(w) for w in WEEKDAYS), key=len, reverse=True))


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_explicit_dates(text: str) -> list[tuple[dt.date, int, int]]:
    """Full dates (day, month, year all written) in ``text``, with their spans in the normalized text.

    Recognizes "18 كانون الثاني/يناير 2015", "الأحد 2015/01/18", "18-01-2015", "8 January 2005".
    """
    norm = normalize(text)
    found: list[tuple[dt.date, int, int]] = []
    for m in _YMD.finditer(norm):
        d = _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
        if d:
            found.append((d, m.start(), m.end()))
    for m in _DMY.finditer(norm):
        d = _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
        if d:
            found.append((d, m.start(), m.end()))
    for m in _DAY_MONTH_YEAR.finditer(norm):
        if m["year"]:
            d = _safe_date(int(m["year"]), MONTHS[m["month"]], int(m["day"]))
            if d:
                found.append((d, m.start(), m.end()))
    found.sort(key=lambda t: t[1])
    return found


def parse_date_line(line: str) -> dt.date | None:
    """The date of a line that holds a date and nothing else (weekday, separators and time allowed).

    "الأحد 2015/01/18", "السبت 8 يناير 2005", "18 كانون الثاني 2015 - 14:05" give a date;
    a sentence that merely mentions a date gives None.
    """
    if len(line) > 60:
        return None
    norm = normalize(line)
    dates = find_explicit_dates(line)
    if len(dates) != 1:
        return None
    date, start, end = dates[0]
    rest = (norm[:start] + " " + norm[end:]).strip()
    rest = re.sub(r"\d{1,2}:\d{2}(?::\d{2})?\s*(?:[اص]م|am|pm|gmt|تغ|بتوقيت\s+\S+)?", " ", rest)
    rest = re.sub(rf"(?:يوم\s+)?(?:{_WEEKDAY_ALT})", " ", rest)
    rest = re.sub(r"[\s,.\-|:()/]+|\bم\b|نشر(?:\s+في)?|تاريخ(?:\s+النشر)?|published", " ", rest)
    return date if not rest.strip() else None
