"""Numbers written in digits or in words at the start of some normalized words (``parse_number``), from the
number words of khulasa/lexicon/ar/numbers.toml."""

from __future__ import annotations

import re
from collections.abc import Sequence

from khulasa.lexicon import lexicon, words
from khulasa.model import ParsedNumber
from khulasa.text import normalize


def _n(words: str) -> list[str]:
    return [normalize(w) for w in words.split()]


_NUMBERS = lexicon("numbers")  # number words and the words around figures (khulasa/lexicon/ar/numbers.toml)
_UNITS: dict[str, int] = {normalize(w): int(v) for v, forms in _NUMBERS["units"].items() for w in forms}
_TENS: dict[str, int] = {normalize(w): int(v) for v, forms in _NUMBERS["tens"].items() for w in forms}
_HUNDREDS: dict[str, int] = {normalize(w): int(v) for v, forms in _NUMBERS["hundreds"].items() for w in forms}
for _u, _stem in _NUMBERS["hundreds_stems"].items():  # "ثلاثمئة"
    _HUNDREDS.update(dict.fromkeys(_n(" ".join(_stem + f for f in _NUMBERS["hundreds"]["100"])), int(_u) * 100))
# Scale words: (multiplier, dual form?) — "ألفين" is 2000 on its own; "آلاف" multiplies a count.
_SCALES: dict[str, tuple[float, bool]] = {}
for _scale in _NUMBERS["scales"].values():
    _SCALES.update(dict.fromkeys(map(normalize, _scale["single"]), (_scale["value"], False)))
    _SCALES.update(dict.fromkeys(map(normalize, _scale["dual"]), (2 * _scale["value"], True)))
    _SCALES.update(dict.fromkeys(map(normalize, _scale["plural"]), (_scale["value"], False)))
# Indefinite quantities: "الآلاف" (thousands), "عشرات" (tens).
_VAGUE: dict[str, tuple[float, float]] = {normalize(w): (v["low"], v["high"]) for v in _NUMBERS["vague"]
                                          for w in v["forms"]}
_FRACTIONS: dict[str, float] = {normalize(k): v for k, v in _NUMBERS["fractions"].items()}
# Duals that are a number by themselves: "عامين" is two years.
_DUALS: dict[str, tuple[int, str]] = {normalize(k): (2, unit) for k, unit in _NUMBERS["duals"].items()}
_NUMBER_CLITICS = words("clitics", "number_prefixes")
_PRONOUN_SUFFIXES = words("clitics", "pronoun_suffixes")

def _word_number(words: Sequence[str]) -> tuple[float, int] | None:
    """A number written in words at the start of ``words``: "خمسة وعشرين", "ثلاثة عشر", "مئة وخمسين"."""
    total, i = 0.0, 0
    while i < len(words):
        w = words[i]
        if i:
            if not w.startswith("و"):
                break
            w = w[1:]
        if w in _HUNDREDS:
            total += _HUNDREDS[w]
        elif w in _TENS:
            total += _TENS[w]
        elif w in _UNITS:
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if _UNITS[w] < 10 and nxt in _TEEN:
                total += _UNITS[w] + 10
                i += 1
            else:
                total += _UNITS[w]
        else:
            break
        i += 1
    return (total, i) if i else None


_TEEN = frozenset(_n(" ".join(_NUMBERS["teen"]["forms"])))
_DIGITS = re.compile(r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


# Every word a number in words can start with (what ``parse_number`` accepts first), to rule out the others
# at once: number words, scales, vague plurals, fractions with or without an attached pronoun.
_NUMBER_STARTS = frozenset([*_UNITS, *_TENS, *_HUNDREDS, *_SCALES, *_VAGUE, *_FRACTIONS,
                            *(f + p for f in _FRACTIONS for p in _PRONOUN_SUFFIXES)])


def parse_number(words: Sequence[str]) -> ParsedNumber | None:
    """Parse the number at the start of normalized ``words``.

    Returns a ``ParsedNumber`` (value, low, high, words used, indefinite) or None. Handles digits with thousands
    separators and decimals, number words and compounds ("خمسة وعشرين", "ثلاثة عشر"), scale words
    ("ثلاثة آلاف", "15 ألف", "2.5 مليار"), duals ("ملياري", "ألفين"), vague plurals ("الآلاف",
    "عشرات": a range), and fractions ("الثلث", "نصف").
    """
    if not words:
        return None
    w0 = words[0]
    if w0 not in _NUMBER_STARTS and not w0[:1].isdigit():
        return None  # most words: one set lookup
    if _DIGITS.fullmatch(w0):
        value, used = float(w0.replace(",", "")), 1
    else:
        parsed = _word_number(words)
        if parsed is None:
            if w0 in _SCALES and (_SCALES[w0][1] or _SCALES[w0][0] >= 1e6) and w0 not in _VAGUE:
                v = _SCALES[w0][0]  # "ملياري" is 2e9; a bare "مليون" is one million
                return ParsedNumber(v, v, v, 1)
            if w0 in _VAGUE:
                low, high = _VAGUE[w0]
                return ParsedNumber((low + high) / 2, low, high, 1, indefinite=True)
            fraction = next((w0[:len(w0) - len(p)] for p in ("", *_PRONOUN_SUFFIXES)
                             if w0.endswith(p) and w0[:len(w0) - len(p)] in _FRACTIONS), None)
            if fraction is not None:  # "الثلث", "ثلثهم"
                v = _FRACTIONS[fraction]
                return ParsedNumber(v, v, v, 1)
            return None
        value, used = parsed
    if used < len(words) and words[used] in _SCALES and not _SCALES[words[used]][1]:
        value *= _SCALES[words[used]][0]
        used += 1
    return ParsedNumber(value, value, value, used)
