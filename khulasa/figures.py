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

from khulasa.model import Analysis, Article, Figure, FigureGroup, ParsedNumber, Qualifier, Verdict
from khulasa.text import TokenMemo, analysed, normalize, stopwords


def _n(words: str) -> list[str]:
    return [normalize(w) for w in words.split()]


_UNITS: dict[str, int] = {}
for _value, _forms in {
    1: "واحد واحدة احد احدى", 2: "اثنان اثنين اثنتان اثنتين اثنا اثنتا", 3: "ثلاث ثلاثة", 4: "اربع اربعة",
    5: "خمسة", 6: "ست ستة", 7: "سبع سبعة", 8: "ثمان ثماني ثمانية", 9: "تسع تسعة", 10: "عشر عشرة",
}.items():
    _UNITS.update(dict.fromkeys(_n(_forms), _value))
_UNITS[normalize("خمس")] = 5
_TENS: dict[str, int] = {}
for _value, _forms in {
    20: "عشرون عشرين", 30: "ثلاثون ثلاثين", 40: "اربعون اربعين", 50: "خمسون خمسين", 60: "ستون ستين",
    70: "سبعون سبعين", 80: "ثمانون ثمانين", 90: "تسعون تسعين",
}.items():
    _TENS.update(dict.fromkeys(_n(_forms), _value))
_HUNDREDS: dict[str, int] = dict.fromkeys(_n("مئة مائة مئه مائه"), 100)
_HUNDREDS.update(dict.fromkeys(_n("مئتان مئتين مائتان مائتين"), 200))
for _u, _name in ((3, "ثلاث"), (4, "اربع"), (5, "خمس"), (6, "ست"), (7, "سبع"), (8, "ثمان"), (9, "تسع")):
    _HUNDREDS.update(dict.fromkeys(_n(f"{_name}مئة {_name}مائة {_name}مئه {_name}مائه"), _u * 100))
# Scale words: (multiplier, dual form?) — "ألفين" is 2000 on its own; "آلاف" multiplies a count.
_SCALES: dict[str, tuple[float, bool]] = {}
for _mult, _single, _dual, _plural in ((1e3, "الف", "الفان الفين", "الاف"), (1e6, "مليون", "مليونان مليونين", "ملايين"),
                                       (1e9, "مليار بليون", "ملياران مليارين", "مليارات")):
    _SCALES.update(dict.fromkeys(_n(_single), (_mult, False)))
    _SCALES.update(dict.fromkeys(_n(_dual), (2 * _mult, True)))
    _SCALES.update(dict.fromkeys(_n(_plural), (_mult, False)))
_SCALES[normalize("ملياري")] = (2e9, True)
_SCALES[normalize("مليوني")] = (2e6, True)
_SCALES[normalize("الفي")] = (2e3, True)
# Indefinite quantities: "الآلاف" (thousands), "عشرات" (tens).
_VAGUE: dict[str, tuple[float, float]] = {}
for _forms, _range in (("عشرات العشرات", (20, 99)), ("مئات المئات", (200, 999)), ("الاف الالاف", (2000, 9999)),
                       ("ملايين الملايين", (2e6, 9.99e6)), ("مليارات", (2e9, 9.99e9))):
    _VAGUE.update(dict.fromkeys(_n(_forms), _range))
_FRACTIONS = {normalize(k): v for k, v in {"نصف": 0.5, "النصف": 0.5, "ثلث": 1 / 3, "الثلث": 1 / 3, "ربع": 0.25,
                                            "الربع": 0.25, "ثلثي": 2 / 3, "ثلثا": 2 / 3, "الثلثين": 2 / 3}.items()}
# Duals that are a number by themselves: "عامين" is two years.
_DUALS = {normalize(k): v for k, v in {
    "عامين": (2, "year"), "عامان": (2, "year"), "سنتين": (2, "year"), "سنتان": (2, "year"),
    "شهرين": (2, "month"), "شهران": (2, "month"), "يومين": (2, "day"), "يومان": (2, "day"),
    "اسبوعين": (2, "week"), "ساعتين": (2, "h"), "دقيقتين": (2, "min"), "مرتين": (2, ""),
}.items()}
_NUMBER_CLITICS = ("و", "ب", "ل", "ف", "وب", "ول")
_PRONOUN_SUFFIXES = ("هم", "ها", "هن", "ه", "كم")
_PERCENT_AFTER = re.compile(r"^\s*(?:%|٪|بالمئه|بالمائه|في المئه|في المائه|بالمئة|بالمائة|في المئة|في المائة)")
_APPROX_WORDS: dict[str, Qualifier] = {
    "نحو": "about", "حوالي": "about", "قرابه": "about", "زهاء": "about", "تقريبا": "about", "قرابة": "about",
    "اكثر": "more than", "يزيد": "more than", "تزيد": "more than", "يربو": "more than", "يفوق": "more than",
    "تفوق": "more than", "يتجاوز": "more than", "تتجاوز": "more than", "اقل": "less than",
    "دون": "less than", "يقرب": "about", "بنحو": "about", "بحوالي": "about", "لنحو": "about",
}
_APPROX_BEFORE = {normalize(k): v for k, v in _APPROX_WORDS.items()}
_AT_LEAST_AFTER = re.compile(r"^\s*(?:علي|على) (?:الاقل|الأقل)")
_UNIT_WORDS = {normalize(k): v for k, v in {
    "كلم": "km", "كم": "km", "كيلومتر": "km", "كيلومترا": "km", "كيلومترات": "km", "متر": "m", "مترا": "m",
    "امتار": "m", "كيلوغرام": "kg", "كيلوغراما": "kg", "كغ": "kg", "كيلو": "kg", "طن": "t", "اطنان": "t",
    "دولار": "USD", "دولارا": "USD", "دولارات": "USD", "يورو": "EUR", "جنيه": "EGP", "دينار": "dinar",
    "ريال": "riyal", "درهم": "dirham", "ليره": "lira", "ساعه": "h", "ساعات": "h", "يوم": "day", "يوما": "day",
    "ايام": "day", "عام": "year", "عاما": "year", "اعوام": "year", "سنه": "year", "سنوات": "year",
    "شهر": "month", "شهرا": "month", "اشهر": "month", "اسبوع": "week", "اسابيع": "week", "دقيقه": "min",
}.items()}
TIME_UNITS = frozenset({"h", "day", "week", "month", "year", "min"})  # durations: "من" after them means "since"
_SQUARE = {normalize("مربع"), normalize("مربعا"), normalize("مربعه")}
# Common counted nouns of news whose plural the light stemmer cannot relate to the singular.
_LEMMAS_RAW = {
    "وزراء": "وزير", "وزيرا": "وزير", "دول": "دولة", "دولا": "دولة", "بلدان": "بلد", "بلدا": "بلد",
    "قتلى": "قتيل", "قتيلا": "قتيل", "جرحى": "جريح", "جريحا": "جريح", "جنود": "جندي", "جنديا": "جندي",
    "أشخاص": "شخص", "شخصا": "شخص", "مقاتلين": "مقاتل", "مقاتلون": "مقاتل", "مقاتلا": "مقاتل",
    "مقاتلي": "مقاتل", "أطفال": "طفل", "طفلا": "طفل", "لاجئين": "لاجئ", "لاجئون": "لاجئ", "لاجئا": "لاجئ",
    "منازل": "منزل", "منزلا": "منزل", "مشاريع": "مشروع", "مشروعا": "مشروع", "مدن": "مدينة", "قرى": "قرية",
    "أسر": "أسرة", "عائلات": "عائلة", "مسؤولين": "مسؤول", "مسؤولون": "مسؤول", "مسؤولا": "مسؤول",
    "ممثلين": "ممثل", "ممثلون": "ممثل", "وفود": "وفد", "وفدا": "وفد", "أعضاء": "عضو", "عضوا": "عضو",
    "ضربات": "ضربة", "غارات": "غارة", "غارة": "غارة", "صواريخ": "صاروخ", "صاروخا": "صاروخ",
    "طائرات": "طائرة", "مستشفيات": "مستشفى", "مدارس": "مدرسة", "شركاء": "شريك", "شريكا": "شريك",
}
_MIN = normalize("من")
_WINDOW = 8  # content words on each side of a figure that describe what it is about
_PREPOSITIONS = ("ل", "ب", "لل", "بال", "وال", "كال", "فال")


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


_TEEN = frozenset(_n("عشر عشرة"))
_DIGITS = re.compile(r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


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


_YEAR_BEFORE = frozenset(_n("عام عاما سنه العام منذ في حتي بحلول مطلع نهايه منتصف"))


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
    known = memo.learn(list(_LEMMAS_RAW.values()), "ar")
    return {normalize(k): known[v][1] for k, v in _LEMMAS_RAW.items()}


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
