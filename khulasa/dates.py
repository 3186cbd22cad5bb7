"""Dates in news text: Gregorian, Levantine and Maghrebi month names, numeric forms, weekdays (Arabic;
English month names and weekdays too, day-first or month-first: "8 January 2005", "January 8, 2005").

All matching runs on ``text.normalize`` output, so hamza, ta marbuta and digit forms do not matter.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from khulasa.lexicon import lexicon
from khulasa.model import DateMention
from khulasa.text import normalize

_CALENDAR = lexicon("months")  # khulasa/lexicon/ar/months.toml
MONTHS: dict[str, int] = {normalize(name): int(month) for month, names in _CALENDAR["gregorian"].items()
                          for name in names}
WEEKDAYS: dict[str, int] = {normalize(name): int(day) for day, names in _CALENDAR["weekdays"].items()
                            for name in names}

# Longest names first so that "كانون الثاني" wins over a shorter overlapping alternative.
_MONTH_ALT = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
# A month may be written in two systems at once: "كانون الثاني/يناير", "يناير (كانون الثاني)".
_MONTH_GROUP = rf"(?P<month>{_MONTH_ALT})(?:\s*[/(-]\s*(?:{_MONTH_ALT})\)?)?"
_DAY_MONTH_YEAR = re.compile(
    rf"(?<![\w])(?:ال)?(?P<day>\d{{1,2}})\s*(?:من\s+)?(?:شهر\s+)?{_MONTH_GROUP}(?:\s*,?\s*(?:عام\s+|سنه\s+)?(?P<year>\d{{4}}))?"
)
# English writes the month first: "January 8, 2005", "Dec. 26th 2004".
_LATIN_MONTH_ALT = "|".join(sorted((re.escape(m) for m in MONTHS if m.isascii()), key=len, reverse=True))
_MONTH_DAY_YEAR = re.compile(
    rf"(?<![\w])(?P<month>{_LATIN_MONTH_ALT})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<year>(?:19|20)\d\d)(?!\d)"
)
_YEAR_DIGITS = re.compile(r"\d{4}")  # any script's digits (normalization makes them ASCII)
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

    Recognizes "18 كانون الثاني/يناير 2015", "الأحد 2015/01/18", "18-01-2015", "8 January 2005",
    "January 8, 2005".
    """
    return _dates_in(normalize(text))


def _dates_in(norm: str) -> list[tuple[dt.date, int, int]]:
    """``find_explicit_dates`` over text already normalized."""
    found: list[tuple[dt.date, int, int]] = []
    if not _YEAR_DIGITS.search(norm):  # every full date writes a four-digit year; the patterns below, which
        return found                   # open with a lookbehind, try every position of the text
    for m in _YMD.finditer(norm):
        d = _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
        if d:
            found.append((d, m.start(), m.end()))
    for m in _DMY.finditer(norm):
        d = _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
        if d:
            found.append((d, m.start(), m.end()))
    for m in _MONTH_DAY_YEAR.finditer(norm):
        d = _safe_date(int(m["year"]), MONTHS[m["month"]], int(m["day"]))
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
    if len(line) > 60 or not _YEAR_DIGITS.search(line):  # a full date writes a four-digit year
        return None
    norm = normalize(line)
    dates = _dates_in(norm)
    if len(dates) != 1:
        return None
    date, start, end = dates[0]
    rest = (norm[:start] + " " + norm[end:]).strip()
    rest = re.sub(r"\d{1,2}:\d{2}(?::\d{2})?\s*(?:[اص]م|am|pm|gmt|تغ|بتوقيت\s+\S+)?", " ", rest)
    rest = re.sub(rf"(?:يوم\s+)?(?:{_WEEKDAY_ALT})", " ", rest)
    rest = re.sub(r"[\s,.\-|:()/]+|\bم\b|نشر(?:\s+في)?|تاريخ(?:\s+النشر)?|published", " ", rest)
    return date if not rest.strip() else None


_PREFIX_WINDOW = 100  # characters: a date opening a line starts after at most a weekday and is shorter
_PREFIX_LEAD = re.compile(rf"^\s*(?:(?:يوم\s+)?(?:{_WEEKDAY_ALT})\s*[,،]?\s*)?$")
_PREFIX_SEP = re.compile(r"[\s,،.\-–—:|]*")


def _original_offset(line: str, norm: str, target: int) -> int | None:
    """The offset in ``line`` whose prefix normalizes to ``norm[:target]`` (normalize only drops or maps
    characters, so the offset is at or after ``target``), else None."""
    for k in range(min(target, len(line)), len(line) + 1):
        head = normalize(line[:k])
        if len(head) >= target:
            return k if head[:target] == norm[:target] else None
    return None


def split_date_prefix(line: str) -> tuple[dt.date, str] | None:
    """A date line run into the paragraph after it: ``(date, rest of the line)``, else None.

    "الثلاثاء 18 يناير، 2005 ومن خلال حملة ..." gives (2005-01-18, "ومن خلال حملة ..."): the line opens
    with a full date, set off by a weekday before it or a separator after it, and goes on with prose
    ("Tuesday, January 18, 2005Through ..." too). ``rest`` is cut from ``line`` itself, so its
    characters are the original ones.
    """
    head = line[:_PREFIX_WINDOW]
    if not _YEAR_DIGITS.search(head):
        return None
    dates = find_explicit_dates(head)
    if not dates:
        return None
    norm = normalize(line)  # its start is normalize(head): normalization maps characters one by one
    date, start, end = dates[0]
    sep = _PREFIX_SEP.match(norm, end)[0]  # type: ignore[index]
    if not _PREFIX_LEAD.match(norm[:start]) or not (norm[:start].strip() or sep.strip()):
        return None  # "18 يناير 2005 كان يوما ..." opens with a date that belongs to the sentence
    cut = _original_offset(line, norm, end + len(sep))
    rest = line[cut:].strip() if cut is not None else ""
    return (date, rest) if rest else None


# --- dates in running text, resolved against the article date ------------------------------------

HIJRI_MONTHS: dict[str, int] = {normalize(name): int(month) for month, names in _CALENDAR["hijri"].items()
                                for name in names}
_HIJRI_ALT = "|".join(sorted((re.escape(m) for m in HIJRI_MONTHS), key=len, reverse=True))
_HIJRI = re.compile(rf"(?<![\w])(?P<day>\d{{1,2}})\s+(?P<month>{_HIJRI_ALT})\s+(?:عام\s+|سنه\s+)?(?P<year>1[34]\d\d)")
_FUTURE = re.compile(r"(?:^|\s)(?:سوف|المقبل|المقبله|القادم|القادمه|من المقرر|من المرتقب|من المنتظر)(?:\s|$)")
_RELATIVE_DAY = {"امس": -1, "امس الاول": -2, "اول امس": -2, "اليوم": 0, "غدا": 1, "بعد غد": 2}
_RELATIVE_DAY_RE = re.compile(r"(?<![\w])(امس الاول|اول امس|امس|اليوم|غدا|بعد غد)(?![\w])")
_WEEKDAY_RE = re.compile(rf"(?<![\w])(?:يوم\s+)?(?P<wd>{_WEEKDAY_ALT})(?![\w])")
_MONTH_REL = re.compile(rf"(?<![\w])(?:شهر\s+)?{_MONTH_GROUP}\s+(?P<rel>الماضي|المقبل|القادم|الحالي|الجاري)")
_MONTH_PLAIN = re.compile(rf"(?<![\w])(?:في\s+)?(?:شهر\s+)?{_MONTH_GROUP}(?!\s*\d)")
_YEAR_REL = re.compile(r"(?<![\w])(?P<part>نهايه|مطلع|بدايه|منتصف|اواخر|اوائل)?\s*(?:العام|السنه)\s+(?P<rel>الماضي|المقبل|القادم|الحالي|الجاري)")
_YEAR_PART = re.compile(r"(?<![\w])(?P<part>نهايه|مطلع|بدايه|منتصف|اواخر|اوائل)\s+(?:عام\s+)?(?P<year>(?:19|20)\d\d)")
_WEEK_REL = re.compile(r"(?<![\w])(?:الاسبوع)\s+(?P<rel>الماضي|المقبل|القادم|الحالي|الجاري)")


def hijri_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """Convert a Hijri date with the arithmetic (tabular) Islamic calendar; may differ by a day or two
    from the Umm al-Qura calendar or a sighting-based one."""
    ordinal = day + math.ceil(29.5 * (month - 1)) + (year - 1) * 354 + (3 + 11 * year) // 30 + 227014
    return dt.date.fromordinal(ordinal)


def _month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


_PARTS = {"نهايه": (10, 12), "اواخر": (10, 12), "مطلع": (1, 3), "بدايه": (1, 3), "اوائل": (1, 3), "منتصف": (5, 8)}


def find_dates(text: str, reference: dt.date | None) -> list[DateMention]:
    """Every date expression in ``text``: explicit dates, Hijri dates and, when ``reference`` (the
    article date) is known, relative ones ("أمس", "الخميس", "الشهر الماضي", "نهاية العام الماضي",
    "فبراير الماضي"). Weekdays resolve forward when the sentence speaks of the future, else backward.
    """
    norm = normalize(text)
    out: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(first: dt.date, last: dt.date, conf: float, start: int, end: int) -> None:
        if any(a < end and start < b for a, b in taken):
            return
        taken.append((start, end))
        out.append(DateMention(first, last, conf, norm[start:end], start, end))

    for d, s, e in find_explicit_dates(text):
        add(d, d, 1.0, s, e)
    for m in _HIJRI.finditer(norm):
        try:
            d = hijri_to_gregorian(int(m["year"]), HIJRI_MONTHS[m["month"]], int(m["day"]))
        except (ValueError, OverflowError):
            continue
        add(d, d, 0.9, m.start(), m.end())
    for m in _YEAR_PART.finditer(norm):
        lo, hi = _PARTS[m["part"]]
        y = int(m["year"])
        add(dt.date(y, lo, 1), _month_range(y, hi)[1], 0.6, m.start(), m.end())
    if reference is None:
        out.sort(key=lambda x: x.start)
        return out
    first_word = norm.lstrip().split(" ", 1)[0].removeprefix("و")
    # "يستضيف ... الخميس": a sentence led by an imperfect verb speaks of what is coming.
    future = bool(_FUTURE.search(norm)) or (first_word.startswith("ي") and len(first_word) >= 4)
    for m in _RELATIVE_DAY_RE.finditer(norm):
        d = reference + dt.timedelta(days=_RELATIVE_DAY[m.group(1)])
        add(d, d, 0.9, m.start(), m.end())
    for m in _WEEKDAY_RE.finditer(norm):
        delta = (WEEKDAYS[m["wd"]] - reference.weekday()) % 7
        d = reference + dt.timedelta(days=delta) if future else reference - dt.timedelta(days=(7 - delta) % 7)
        add(d, d, 0.7, m.start(), m.end())
    for m in _MONTH_REL.finditer(norm):
        month = MONTHS[m["month"]]
        year = reference.year
        if m["rel"] == "الماضي" and month >= reference.month:
            year -= 1
        elif m["rel"] in ("المقبل", "القادم") and month <= reference.month:
            year += 1
        add(*_month_range(year, month), 0.8, m.start(), m.end())
    for m in _YEAR_REL.finditer(norm):
        year = reference.year + {"الماضي": -1, "المقبل": 1, "القادم": 1}.get(m["rel"], 0)
        lo, hi = _PARTS.get(m["part"] or "", (1, 12))
        add(dt.date(year, lo, 1), _month_range(year, hi)[1], 0.7, m.start(), m.end())
    for m in _WEEK_REL.finditer(norm):
        shift = {"الماضي": -7, "المقبل": 7, "القادم": 7}.get(m["rel"], 0)
        monday = reference - dt.timedelta(days=reference.weekday()) + dt.timedelta(days=shift)
        add(monday, monday + dt.timedelta(days=6), 0.6, m.start(), m.end())
    for m in _MONTH_PLAIN.finditer(norm):
        month = MONTHS[m["month"]]
        year = reference.year - (1 if month > reference.month and not future else 0)
        add(*_month_range(year, month), 0.5, m.start(), m.end())
    out.sort(key=lambda x: x.start)
    return out
