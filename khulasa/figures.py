"""Key figures: quantities in Arabic news, normalized, grouped across outlets, with agree/disagree verdicts.

A figure is a number (digits, Eastern digits or number words; fractions, percentages; "نحو",
"أكثر من", "الآلاف" ...) with what it counts ("2000 ضربة جوية", "700 كلم مربع", "15 ألف مقاتل",
"وزراء خارجية 20 دولة"). Figures of one event that count the same thing in similar words are one
quantity; their values by source give the verdict: agree, approximate, or disagree.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import cast

from khulasa.lexicon import lexicon, words
from khulasa.model import Analysis, Article, Figure, FigureGroup, ParsedNumber, Qualifier, Verdict
from khulasa.text import TokenMemo, analysed, normalize, stopwords


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
_PERCENT_AFTER = re.compile(r"^\s*(?:%|٪|بالمئه|بالمائه|في المئه|في المائه|بالمئة|بالمائة|في المئة|في المائة)")
_APPROX_BEFORE: dict[str, Qualifier] = {normalize(w): cast(Qualifier, q) for q, forms in _NUMBERS["qualifiers"].items()
                                         for w in forms}
_AT_LEAST_AFTER = re.compile(r"^\s*(?:علي|على) (?:الاقل|الأقل)")
_UNIT_WORDS = {normalize(w): unit for unit, forms in _NUMBERS["units_of_measure"].items() for w in forms}
TIME_UNITS = frozenset({"h", "day", "week", "month", "year", "min"})  # durations: "من" after them means "since"
_SQUARE = frozenset(_n(" ".join(_NUMBERS["square"]["forms"])))
_MIN = normalize("من")
_WINDOW = 8  # content words on each side of a figure that describe what it is about
_PREPOSITIONS = words("clitics", "prepositions")


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


def _qualifier(before: list[str], after_text: str) -> Qualifier:
    if _AT_LEAST_AFTER.match(after_text):
        return "at least"
    for w in reversed(before[-3:]):
        if w in _APPROX_BEFORE:
            return _APPROX_BEFORE[w]
    return ""


_YEAR_BEFORE = frozenset(_n(" ".join(_NUMBERS["year_before"]["forms"])))


def _is_date_part(norm: list[str], i: int) -> bool:
    """True for a number that belongs to a date or a time: a year, a day before a month name, 18:31."""
    from khulasa.dates import MONTHS

    w = norm[i]
    if not w[:1].isdigit():
        return False
    nxt = norm[i + 1] if i + 1 < len(norm) else ""
    prev = norm[i - 1] if i else ""
    nxt2 = f"{nxt} {norm[i + 2]}" if i + 2 < len(norm) else ""
    if nxt in MONTHS or prev in MONTHS or nxt2 in MONTHS:
        return True  # "14 آذار", "آذار 2024", "5 تشرين الأول"
    if nxt == _MIN and i + 2 < len(norm) and norm[i + 2] in _n("الشهر شهر"):
        return True  # "الـ11 من الشهر"
    is_year = len(w) == 4 and w.isdigit() and 1900 <= int(w) <= 2100
    return is_year and (prev in _YEAR_BEFORE or not nxt or not nxt[0].isalpha())


def _adjective_like(word: str) -> bool:
    """A word that can qualify the counted noun ("جوية", "دوليا", "رئيسية"); not a verb, a conjunct
    or a prepositional phrase ("لتحلية")."""
    return (not word.startswith("و") and not word.startswith(_PREPOSITIONS)
            and word.endswith(("يه", "ي", "يا", "يين", "يون", "يات")))


@functools.cache
def _lemma_stems() -> dict[str, str]:
    """Normalized broken plural -> the stem of its singular (stemmed as ``analyse`` stems words)."""
    memo = TokenMemo()
    lemmas: dict[str, str] = _NUMBERS["lemmas"]
    known = memo.learn(list(lemmas.values()), "ar")
    return {normalize(k): known[v][1] for k, v in lemmas.items()}


def extract(item: Article | Analysis) -> list[Figure]:
    """Every quantity in an article with its span, value, qualifier, unit and counted thing."""
    analysis = analysed(item)
    stop = stopwords("ar")
    lemmas = _lemma_stems()
    out: list[Figure] = []
    for s, tokens in zip(analysis.sentences, analysis.tokens, strict=True):
        # Words, numbers and the percent signs: the tokens a figure is read from.
        kept = [i for i, (k, t) in enumerate(zip(tokens.kind, tokens.text, strict=True)) if k != "punct" or t in "%٪"]
        toks = [(tokens.start[i], tokens.end[i], tokens.text[i]) for i in kept]
        norm = [tokens.norm[i] for i in kept]
        keys_of = [lemmas.get(tokens.norm[i], tokens.stem[i]) for i in kept]  # the matching key of each word
        content = [(n, keys_of[n]) for n, w in enumerate(norm) if w not in stop and not w[0].isdigit()]
        i = 0
        while i < len(toks):
            parsed = parse_number(norm[i:i + 6])
            if parsed is None and not norm[i][:1].isdigit():
                for c in _NUMBER_CLITICS:  # "وخمسة", "بثلاثة": a conjunction or preposition on a number word
                    if norm[i].startswith(c) and len(norm[i]) > len(c) + 1:
                        parsed = parse_number([norm[i][len(c):], *norm[i + 1:i + 6]])
                        if parsed is not None and parsed.indefinite:
                            parsed = None  # "بعشرات" stays a word, not a figure
                        if parsed is not None:
                            break
            if parsed is None and norm[i] in _DUALS:
                value2, unit2 = _DUALS[norm[i]]
                out.append(Figure(analysis.id, s.index, s.start + toks[i][0], s.start + toks[i][1], toks[i][2],
                                  value2, value2, value2, "", unit2, "", frozenset({unit2 or norm[i]}),
                                  tuple(c for n, c in content if i - _WINDOW <= n <= i + _WINDOW)))
                i += 1
                continue
            glued = toks[i][0] >= 2 and s.text[toks[i][0] - 1] in "-–" and s.text[toks[i][0] - 2].isalpha()
            a, b = toks[i][0], toks[i][1]
            clock = (s.text[b:b + 2][:1] == ":" and s.text[b + 1:b + 2].isdigit()) or (
                a >= 2 and s.text[a - 1] == ":" and s.text[a - 2].isdigit())  # "10:00"
            if parsed is None or glued or clock or _is_date_part(norm, i):  # "نجمة-2" is a name
                i += 1
                continue
            value, low, high, used, indefinite = parsed.value, parsed.low, parsed.high, parsed.used, parsed.indefinite
            j = i + used
            after = s.text[toks[j - 1][1]:]
            unit = ""
            pct = _PERCENT_AFTER.match(after)
            thing_at: list[int] = []  # token positions of the counted thing
            if pct or (j < len(toks) and toks[j][2] == "%"):
                unit = "%"
                while j < len(toks) and toks[j][1] <= toks[j - 1][1] + len(pct.group() if pct else "%") + 1:
                    j += 1
            elif j < len(toks) and norm[j] in _UNIT_WORDS:
                unit = _UNIT_WORDS[norm[j]]
                j += 1
                if j < len(toks) and norm[j] in _SQUARE:
                    unit += "2"
                    j += 1
                if (j + 1 < len(toks) and norm[j] == _MIN and not norm[j + 1][0].isdigit()
                        and unit not in TIME_UNITS):  # "700 كم مربع من الأراضي", not "ستة أشهر من المؤتمر"
                    thing_at.append(j + 1)
                    j += 2
            k = j
            while not unit and k < len(toks) and len(thing_at) < 2 and not norm[k][0].isdigit():
                if thing_at and not _adjective_like(norm[k]):
                    break
                if norm[k] not in stop:
                    thing_at.append(k)
                elif thing_at or norm[k] != _MIN:
                    break
                k += 1
            governing = [n for n in range(max(0, i - 4), i) if norm[n] not in stop and norm[n] not in _APPROX_BEFORE]
            keys = {keys_of[thing_at[0]]} if thing_at else set()
            if governing:
                keys.add(keys_of[governing[-1]])
                if len(governing) >= 2:
                    keys.add(keys_of[governing[-2]])
            start = toks[i][0]
            end = toks[max(i, k - 1)][1] if thing_at or unit else toks[i + used - 1][1]
            qual: Qualifier = "indefinite" if indefinite else _qualifier(norm[max(0, i - 3):i], after)
            if qual in ("more than", "at least"):
                high = math.inf
            elif qual == "less than":
                low = 0.0
            out.append(Figure(
                analysis.id, s.index, s.start + start, s.start + end, s.text[start:end], value, low, high, qual, unit,
                " ".join(toks[n][2] for n in thing_at), frozenset(keys),
                tuple(c for n, c in content if i - _WINDOW <= n < i or k <= n < k + _WINDOW)))
            i = max(i + used, k)
    return out


def _context_similarity(a: Figure, b: Figure) -> float:
    ca, cb = Counter(a.context), Counter(b.context)
    dot = sum(v * cb[k] for k, v in ca.items())
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(v * v for v in ca.values()) * sum(v * v for v in cb.values()))


def _compatible(a: Figure, b: Figure, tolerance: float) -> bool:
    """Two figures of different articles that may give the same quantity: same unit, close values."""
    if a.article_id == b.article_id or a.unit != b.unit:
        return False
    if a.qualifier == "indefinite" or b.qualifier == "indefinite":
        return False
    hi, lo = max(a.value, b.value), min(a.value, b.value)
    return hi > 0 and (hi - lo) / hi <= tolerance


def verdict(figures: Sequence[Figure]) -> Verdict:
    """"agree", "approximate" or "disagree" for figures that describe one quantity."""
    values = {f.value for f in figures}
    if len(values) == 1:
        return "agree"
    exact = {f.value for f in figures if not f.approximate}
    return "approximate" if len(exact) <= 1 else "disagree"


def group_figures(figures: Sequence[Figure], tolerance: float = 0.25, min_context: float = 0.1) -> list[FigureGroup]:
    """Group figures from different articles that give one quantity; best-matching pairs first.

    Candidate pairs share a counted-thing or governing-noun key (an inverted index, not all pairs),
    a unit, values within ``tolerance``, and surrounding words (context cosine ≥ ``min_context``).
    Two groups merge only if no article would appear twice and every value stays within
    ``tolerance`` of every other. Only groups reported by two or more articles are returned,
    disagreements first.
    """
    figs = sorted(figures, key=lambda f: (f.article_id, f.start))
    by_key: dict[tuple[str, str], list[int]] = {}
    for i, f in enumerate(figs):
        for k in f.keys:
            by_key.setdefault((f.unit, k), []).append(i)
    pairs: set[tuple[int, int]] = set()
    for members in by_key.values():
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                pairs.add((min(i, j), max(i, j)))
    scored = []
    for i, j in pairs:
        if _compatible(figs[i], figs[j], tolerance):
            sim = _context_similarity(figs[i], figs[j])
            if sim >= min_context:
                scored.append((-sim, i, j))
    scored.sort()
    group_of = list(range(len(figs)))
    members_of: dict[int, list[int]] = {i: [i] for i in range(len(figs))}
    for _, i, j in scored:
        a, b = group_of[i], group_of[j]
        if a == b:
            continue
        joined = members_of[a] + members_of[b]
        if len({figs[m].article_id for m in joined}) < len(joined):
            continue
        if not all(_compatible(figs[m], figs[n], tolerance) for m in members_of[a] for n in members_of[b]):
            continue
        for m in members_of[b]:
            group_of[m] = a
        members_of[a] = joined
        del members_of[b]
    out = []
    for members in members_of.values():
        if len(members) >= 2:
            g = tuple(figs[m] for m in sorted(members))
            out.append(FigureGroup(g[0].thing or g[0].unit, g[0].unit, g, verdict(g)))
    order = {"disagree": 0, "approximate": 1, "agree": 2}
    out.sort(key=lambda g: (order[g.verdict], -len(g.figures), g.figures[0].article_id, g.figures[0].start))
    return out
