"""Metadata found in the lines of a scraped article: source credit, update stamp, dateline, title."""

from __future__ import annotations

import re
from dataclasses import dataclass

from khulasa.lexicon import words
from khulasa.text import normalize

_SOURCE_LINE = re.compile(
    r"^\s*(?:المصدر|مصدر\s+الخبر|المصادر|source)\s*[:：]\s*(?P<source>.{1,80}?)\s*\.?\s*$", re.IGNORECASE
)
_UPDATE_LINE = re.compile(
    r"^\s*(?:آخر\s+|اخر\s+)?تحديث\s*:?\s*\(?\s*(?P<stamp>[\d٠-٩:/. -]*?(?:\s*(?:تغ|غرينتش|بتوقيت\s+\S+|GMT|ت\.غ))?)\s*\)?\s*$"
)
# "لندن- ..." / "بغداد/شبكة اخبار العراق- ..." / "القاهرة (رويترز) - ..." / "سويسرا ـ العرب اليوم"
_DATELINE = re.compile(
    r"^\s*(?P<place>[\u0621-\u064a]+(?:\s[\u0621-\u064a]+){0,2})\s*"
    r"(?:/\s*(?P<outlet>[^\-–—ـ/()\n]{2,40}?)\s*|\(\s*(?P<paren>[^()\n]{2,30})\s*\)\s*)?"
    r"(?P<sep>[\-–—ـ]|ـ)\s*(?P<rest>.*)$",
    re.DOTALL,
)
_NOT_PLACES = frozenset(normalize(w) for w in words("reporting", "not_places"))
_TERMINAL = re.compile(r"[.!؟?…]['\"”»)]*\s*$")
_TERMINATORS = (".", "!", "؟", "?", "…")
_CLOSING_MARKS = "'\"”»)"


@dataclass(frozen=True, slots=True)
class Dateline:
    """A dateline: the place, the outlet (``بغداد/شبكة اخبار العراق-``), the credited agency
    (``القاهرة (رويترز) -``) when written, and the rest of the line."""

    place: str
    outlet: str
    rest: str
    credit: str = ""


def source_of(line: str) -> str | None:
    """The credited source of an "المصدر: ..." line, else None."""
    m = _SOURCE_LINE.match(line)
    return m["source"].strip() if m else None


def update_stamp(line: str) -> str | None:
    """The stamp of an update line ("تحديث (18:31 تغ)", "آخر تحديث:") as printed, else None."""
    m = _UPDATE_LINE.match(line)
    return m["stamp"].strip() if m else None


def dateline_of(line: str) -> Dateline | None:
    """The dateline at the start of ``line`` (or the whole line, "PLACE ـ OUTLET"), else None."""
    m = _DATELINE.match(line)
    if not m:
        return None
    place = m["place"].strip()
    if normalize(place.split()[0]) in _NOT_PLACES:
        return None
    outlet = (m["outlet"] or "").strip()
    credit = (m["paren"] or "").strip()
    rest = m["rest"].strip()
    if not outlet and not credit and not rest:
        return None
    words = rest.split()
    if m["sep"] in "ـ" and not outlet and 0 < len(words) <= 4 and not is_terminated(rest):
        outlet, rest = rest, ""  # "سويسرا ـ العرب اليوم": place and outlet on a line of their own
    return Dateline(place, outlet, rest, credit)


def is_terminated(line: str) -> bool:
    """True when ``line`` ends like a sentence (. ! ؟ … possibly followed by a closing quote)."""
    # Equal to ``_TERMINAL.search(line)``, with string methods on the line's end instead of a scan.
    return line.rstrip().rstrip(_CLOSING_MARKS).endswith(_TERMINATORS)


def is_title_like(line: str) -> bool:
    """True for a short line that reads as a headline or caption, not as a body sentence."""
    words = len(line.split())
    return 0 < words <= 25 and not (line.rstrip().endswith(".") or line.rstrip().endswith(".\""))
