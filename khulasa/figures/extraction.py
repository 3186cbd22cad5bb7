"""Figures in an article: each quantity with its span, value, qualifier, unit and what it counts."""

from __future__ import annotations

import functools
import math
import re
from typing import cast

from khulasa.figures.numbers import _DUALS, _NUMBER_CLITICS, _NUMBER_STARTS, _NUMBERS, _n, parse_number
from khulasa.lexicon import words
from khulasa.model import Analysis, Article, Figure, Qualifier
from khulasa.text import TokenMemo, analysed, normalize, stopwords

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
    if w[:1] in _DATE_CLITICS and w[1:2].isdigit():
        w = w[1:]  # "و2007" (بين العامين 2003 و2007)
    if not w[:1].isdigit():
        return False
    nxt = norm[i + 1] if i + 1 < len(norm) else ""
    prev = norm[i - 1] if i else ""
    nxt2 = f"{nxt} {norm[i + 2]}" if i + 2 < len(norm) else ""
    if nxt in MONTHS or prev in MONTHS or nxt2 in MONTHS:
        return True  # "14 آذار", "آذار 2024", "5 تشرين الأول"
    if nxt == _MIN and i + 2 < len(norm) and (norm[i + 2] in _n("الشهر شهر") or norm[i + 2] in MONTHS):
        return True  # "الـ11 من الشهر", "الـ12 من يونيو"
    if not _is_year(w):
        return False
    joined = prev in _YEAR_JOINS and i >= 2 and _is_year(norm[i - 2])  # "2003 و2007", "2003 إلى 2007"
    return (prev in _YEAR_BEFORE or not nxt or not nxt[0].isalpha() or _is_year(prev) or joined
            or _YEAR_WORD.match(prev) is not None)  # "العامين 2017 و2018", "1950-1953"


_DATE_CLITICS = frozenset("وبلف")
_YEAR_JOINS = frozenset(_n("و او الى حتي"))
_YEAR_WORD = re.compile(r"^(?:[وف]?(?:لل|بال|ال|ل|ب))?(?:عام|سن[هو])")  # عام، العامين، للعامين، عامي، لسنه، السنوات


def _is_year(word: str) -> bool:
    return len(word) == 4 and word.isdigit() and 1900 <= int(word) <= 2100


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


# A word that is a number word behind a conjunction or preposition ("وخمسة"): only these are parsed again
# without it (``parse_number`` reads nothing else; a token is letters or digits, never both).
_CLITIC_NUMBER_STARTS = frozenset(c + w for c in _NUMBER_CLITICS for w in _NUMBER_STARTS)


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
            w = norm[i]
            parsed = parse_number(norm[i:i + 6]) if w in _NUMBER_STARTS or w[:1].isdigit() else None
            if parsed is None and w in _CLITIC_NUMBER_STARTS:
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
