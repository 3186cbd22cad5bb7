"""Arabic-first text layer: one normalization, sentence splitting with spans, tokens, stems, stopwords.

``normalize`` is the only normalization in khulasa (matching, search, ROUGE, dedupe). Display text
is never normalized: spans always index into the original article text.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import Stemmer

from khulasa.model import Analysis, Article, Sentence, TokenKind, Tokens

# --- normalization ----------------------------------------------------------------------------

_DIACRITICS = [chr(c) for c in range(0x064B, 0x0660)] + ["\u0670"]
_DIACRITICS += [chr(c) for c in range(0x0610, 0x061B)] + [chr(c) for c in range(0x06D6, 0x06EE)]
_BASE_TABLE: dict[int, str | None] = {ord(c): None for c in _DIACRITICS}
_BASE_TABLE.update({ord("\u0640"): None})  # tatweel
_BASE_TABLE.update({ord(c): None for c in "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"})
_BASE_TABLE.update({ord(c): "ا" for c in "أإآٱ"})
_BASE_TABLE.update({ord("ى"): "ي", ord("ی"): "ي", ord("ک"): "ك"})
_BASE_TABLE.update({0x0660 + i: str(i) for i in range(10)})  # Arabic-Indic digits
_BASE_TABLE.update({0x06F0 + i: str(i) for i in range(10)})  # Persian digits
_BASE_TABLE.update({ord("٫"): ".", ord("٬"): ",", ord("،"): ",", ord("؛"): ";", ord("؟"): "?"})
_BASE_TABLE.update({ord("\u00a0"): " ", ord("«"): '"', ord("»"): '"', ord("“"): '"', ord("”"): '"'})
_TA_TABLE = dict(_BASE_TABLE)
_TA_TABLE[ord("ة")] = "ه"
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")
# ``str.translate`` does one dictionary lookup per character (~40 ns). The same mapping runs as a
# regex substitution over the characters that change (short strings) or as a numpy lookup over the
# code points (long strings), 3-15x faster; both are tested against ``str.translate``.
_FOLD = {chr(k): v or "" for k, v in _TA_TABLE.items()}
_CHANGED = "".join(re.escape(chr(k)) for k in _BASE_TABLE)
_CHANGED_BASE = re.compile(f"[{_CHANGED}]")
_CHANGED_TA = re.compile(f"[{_CHANGED}ة]")
_NUMPY_FROM = 256  # characters: longer strings go through the numpy table
_DELETED = 0xFFFFFFFF


def _fold(match: re.Match[str]) -> str:
    return _FOLD[match.group()]


@functools.cache
def _code_point_table() -> object:
    """numpy array: code point → folded code point (``_DELETED`` for removed ones), ة kept."""
    import numpy as np

    table = np.arange(0x110000, dtype=np.uint32)
    for k, v in _BASE_TABLE.items():
        table[k] = _DELETED if v is None else ord(v)
    return table


def _translate_long(text: str, *, forms_ok: bool = False) -> str | None:
    """The table applied with numpy; None when ``text`` holds presentation forms (unless ``forms_ok``),
    found from the code points already at hand rather than by a second scan."""
    import numpy as np

    table: np.ndarray = _code_point_table()  # type: ignore[assignment]
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not forms_ok and ((points >= 0xFB50) & (points <= 0xFEFE)).any() and _PRESENTATION_FORMS.search(text):
        return None
    mapped = table[points]
    return str(mapped[mapped != _DELETED].tobytes().decode("utf-32-le", "surrogatepass"))


def _normalize(text: str, fold_ta: bool, nfkc: bool) -> str | None:
    """``normalize``; with ``nfkc`` False, None for a text holding presentation forms."""
    if len(text) < _NUMPY_FROM:
        if _PRESENTATION_FORMS.search(text):
            if not nfkc:
                return None
            text = unicodedata.normalize("NFKC", text)
        return (_CHANGED_TA if fold_ta else _CHANGED_BASE).sub(_fold, text).lower()
    out = _translate_long(text)
    if out is None:
        if not nfkc:
            return None
        out = str(_translate_long(unicodedata.normalize("NFKC", text), forms_ok=True))
    return (out.replace("ة", "ه") if fold_ta else out).lower()


def normalize(text: str, *, fold_ta: bool = True) -> str:
    """Return ``text`` normalized for matching (never for display).

    Removes diacritics, tatweel and directional marks; folds أإآٱ→ا, ى→ي, ة→ه (unless
    ``fold_ta`` is False, as stemming needs), Eastern/Persian digits → ASCII, Arabic punctuation
    (، ؛ ؟ ٫ ٬ « ») → ASCII; expands presentation forms; lower-cases Latin letters.
    (Equal to ``text.translate(_TA_TABLE or _BASE_TABLE).lower()`` after NFKC of presentation forms.)
    """
    return str(_normalize(text, fold_ta, nfkc=True))


_JOIN = "\x00"


def normalize_many(texts: Sequence[str], *, fold_ta: bool = True) -> list[str]:
    """``[normalize(t) for t in texts]``, computed in one pass over the joined texts (per-call overhead
    dominates for short lines). Falls back to one call per text where joining could change the result:
    a text holding the joiner, or presentation forms anywhere (their NFKC would reach the other texts).
    """
    joined = _JOIN.join(texts)
    out = None
    if len(texts) >= 2 and joined.count(_JOIN) == len(texts) - 1:
        out = _normalize(joined, fold_ta, nfkc=False)
    if out is None:
        return [normalize(t, fold_ta=fold_ta) for t in texts]
    return out.split(_JOIN)


# --- language -----------------------------------------------------------------------------------

# What counts as a letter of each script (``script_counts`` counts exactly these characters).
_ARABIC_LETTERS = re.compile("[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff]+")
_LATIN_LETTERS = re.compile("[A-Za-z\u00c0-\u024f]+")
_LATIN_WORD = re.compile(r"[a-z]+")
# Letters of Persian and Urdu that no Arabic word has (پ چ ژ گ ٹ ڈ ڑ ں ھ ہ ے). Not ی and ک: Arabic typed on a
# Persian keyboard has them for ي and ك.
_NOT_ARABIC_LETTERS = re.compile("[\u067e\u0686\u0698\u06af\u0679\u0688\u0691\u06ba\u06be\u06c1\u06d2]")
_HINT_WINDOW = 1200  # characters read for the English test
_ENGLISH_HINTS = frozenset(["the", "of", "and", "to", "in", "is", "was", "for", "that", "with", "on", "said", "by"])


@functools.cache
def _script_table() -> object:
    """numpy array: code point (up to U+0700) → 1 for an Arabic-script letter, 3 for one of those that
    only Persian and Urdu have (``_NOT_ARABIC_LETTERS``), 2 for a Latin one (as the patterns define them),
    0 otherwise; index 0x700 stands for every later code point."""
    import numpy as np

    table = np.zeros(0x701, dtype=np.uint8)
    for cp in range(0x700):  # the patterns only hold letters below U+0700
        ch = chr(cp)
        table[cp] = (3 if _NOT_ARABIC_LETTERS.match(ch) else 1) if _ARABIC_LETTERS.match(ch) else \
            2 if _LATIN_LETTERS.match(ch) else 0
    return table


def script_counts(text: str) -> tuple[int, int, int]:
    """Arabic-script, Latin and Persian/Urdu-only letters in ``text`` (``_ARABIC_LETTERS``, ``_LATIN_LETTERS``
    and ``_NOT_ARABIC_LETTERS`` characters; the third are among the first), counted over the code points
    with numpy (4x faster than collecting the runs)."""
    import numpy as np

    table: np.ndarray = _script_table()  # type: ignore[assignment]
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts = np.bincount(table[np.minimum(points, 0x700)], minlength=4)
    return int(counts[1] + counts[3]), int(counts[2]), int(counts[3])


def detect_language(text: str, sample: int = 20000) -> str:
    """Return the language of (a sample of) ``text``: "ar", "en", another ISO code that langdetect names
    ("fa", "ur", "de", "fr", ...), or "und" when there are too few letters to tell.

    The common cases are decided from the letters alone: Arabic script without the letters of Persian and
    Urdu is Arabic; Latin script whose first ~200 words are at least 12% English function words is English
    (they are about a quarter of English text; German, French or Spanish text reach 5% at most). The rest
    (Persian or Urdu letters, Latin text that is not plainly English) goes to langdetect.
    """
    head = text[:sample]
    arabic, latin, others = script_counts(head)
    if arabic + latin < 20:
        return "und"
    if arabic >= 0.5 * (arabic + latin):
        return "ar" if others < 3 or others < 0.005 * arabic else _langdetect(head, "ar")
    words = _LATIN_WORD.findall(head[:_HINT_WINDOW].lower())
    if len(words) < 60:  # too few at the start: the whole sample
        words = _LATIN_WORD.findall(head.lower())
    if words and sum(map(_ENGLISH_HINTS.__contains__, words)) / len(words) >= 0.12:
        return "en"
    return _langdetect(head, "und")


_LANGDETECT_SAMPLE = 3000  # characters langdetect reads
LANGUAGE_NAMES = {"ar": "Arabic", "en": "English", "fa": "Persian", "ur": "Urdu", "fr": "French", "de": "German",
                  "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch", "tr": "Turkish",
                  "id": "Indonesian", "so": "Somali", "sw": "Swahili", "ru": "Russian", "he": "Hebrew"}


@functools.cache
def _language_profiles() -> object:
    """langdetect's profiles of 55 languages (shipped with the package), loaded once, seeded: same text,
    same answer."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(0)
    return factory


_LANGDETECT_SURE = 0.9  # below this probability (short or mixed text), ``default`` is kept


def _langdetect(text: str, default: str) -> str:
    """The language langdetect finds in the start of ``text`` ("zh-cn" style codes); ``default`` when it
    finds nothing to go by or is not sure."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _language_profiles().create()  # type: ignore[attr-defined]
    detector.append(text[:_LANGDETECT_SAMPLE])
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return default
    return str(best.lang) if best.prob >= _LANGDETECT_SURE else default


# --- tokens, stems, stopwords -------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    """Return the word tokens (runs of Unicode letters/digits) of ``normalize(text)``: the tokens of search,
    split as the store's full-text index splits them. Stages read an article's ``analyse`` instead."""
    return _TOKEN.findall(normalize(text))


@functools.cache
def _proclitics() -> tuple[str, ...]:
    from khulasa.lexicon import words

    return tuple(words("clitics", "base"))  # longest first: "وال" before "و"


@functools.cache
def _proclitics_by_length() -> tuple[tuple[int, frozenset[str]], ...]:
    """The proclitics by length, longest first (as ``_proclitics`` lists them)."""
    found = _proclitics()
    if list(found) != sorted(found, key=len, reverse=True):
        raise ValueError("khulasa/lexicon: the clitics must be listed longest first")
    lengths = sorted({len(c) for c in found}, reverse=True)
    return tuple((n, frozenset(c for c in found if len(c) == n)) for n in lengths)


def strip_clitics(word: str) -> str:
    """``word`` (normalized) without one leading conjunction, preposition or article (و، ب، ل، ال، وال،
    لل...), if three letters or more are left; else ``word``."""
    for n, clitics in _proclitics_by_length():  # the longest that leaves three letters, as a loop over them would
        if len(word) - n >= 3 and word[:n] in clitics:
            return word[n:]
    return word


def word_keys(token: str) -> tuple[str, ...]:
    """The index keys of one token of ``tokenize``: its stem, and the stem of ``strip_clitics(token)``, so a
    query's stem (``query_key``) for "تحالف" finds "التحالف" and "وبالتحالف", for "استقرار" finds
    "لاستقرار". One key when both are the same."""
    bare = strip_clitics(token)
    stems = _stemmer("ar").stemWords([token, bare] if bare != token else [token])
    return tuple(dict.fromkeys(st.replace("ة", "ه") for st in stems))


def query_key(token: str) -> str:
    """The key a query token looks up among the ``word_keys`` of the indexed words: its stem alone (a query
    word is taken as written, "كيري" is not read as ك + "يري")."""
    return str(_stemmer("ar").stemWord(token)).replace("ة", "ه")


def search_keys(text: str) -> list[str]:
    """Every index key (``word_keys``) of the tokens of ``text``, in order: the store's word-family index."""
    tokens = tokenize(text)
    keys = {t: word_keys(t) for t in dict.fromkeys(tokens)}  # a word recurs: its keys are found once
    return [k for t in tokens for k in keys[t]]


def content_hash(text: str, *, key: str | None = None) -> str:
    """The content hash of ``text``: 16 hex digits of the SHA-256 of its normalized words joined by single
    spaces, so copies that differ only in spelling variants, diacritics or line breaks hash alike. ``key``:
    that joined form when the caller has it already (the cleaner builds it line by line)."""
    import hashlib

    joined = " ".join(normalize(text).split()) if key is None else key
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def word_count(text: str) -> int:
    """Words as a budget counts them: whitespace-separated pieces of the display text."""
    return len(text.split())


@functools.cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    name = {"ar": "arabic", "en": "english"}.get(language, "arabic")
    return Stemmer.Stemmer(name)


def stem_tokens(text: str, language: str = "ar") -> list[str]:
    """Return Snowball stems of the tokens of ``text``, folded for matching (ة→ه, ى→ي).

    Stemming sees ة (the Snowball Arabic stemmer needs it); the stems are folded afterwards.
    """
    tokens = _TOKEN.findall(normalize(text, fold_ta=False))
    stems: list[str] = _stemmer(language).stemWords(tokens)
    return [s.replace("ة", "ه") for s in stems]


def cache_dir() -> Path:
    """Where khulasa keeps what it can recompute (``KHULASA_CACHE_DIR``, else ``$XDG_CACHE_HOME/khulasa``,
    else ``~/.cache/khulasa``)."""
    if os.environ.get("KHULASA_CACHE_DIR"):
        return Path(os.environ["KHULASA_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "khulasa"


def _arabic_stopword_forms() -> set[str]:
    """arabic-stopwords' 13k forms, normalized.

    Importing its table and normalizing it takes 70 ms, a quarter of a one-file ``khulasa summarize``;
    the result is kept in :func:`cache_dir`, keyed by the table file (size, mtime) and by this module's
    source (the normalization), and recomputed when either changes or the cache cannot be read. A cache
    that cannot be written is skipped.
    """
    import hashlib
    import importlib.util

    spec = importlib.util.find_spec("arabicstopwords")
    folder = spec.submodule_search_locations if spec else None
    key = None
    if folder:
        try:
            table = (Path(next(iter(folder))) / "stopwordsallforms.py").stat()
            digest = hashlib.sha1(Path(__file__).read_bytes())
            digest.update(f"{table.st_size}:{table.st_mtime_ns}".encode())
            key = cache_dir() / f"stopwords-ar-{digest.hexdigest()[:16]}.txt"
            return set(filter(None, key.read_text(encoding="utf-8").split("\n")))
        except (OSError, StopIteration, UnicodeError):
            pass
    from arabicstopwords import arabicstopwords

    forms = {normalize(w) for w in arabicstopwords.stopwords_list()}
    forms.discard("")
    if key is not None:
        try:
            key.parent.mkdir(parents=True, exist_ok=True)
            partial = key.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text("\n".join(sorted(forms)), encoding="utf-8")
            os.replace(partial, key)  # readers see the whole file or none
        except OSError:
            pass
    return forms


@functools.cache
def stopwords(language: str = "ar") -> frozenset[str]:
    """Return normalized stopwords for ``language`` ("ar" from arabic-stopwords, "en" from scikit-learn)."""
    if language == "en":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    words = _arabic_stopword_forms()
    from khulasa.lexicon import words as lexicon_words

    words.update(normalize(w) for w in lexicon_words("reporting", "extra_stopwords"))  # verbs of saying, fillers
    return frozenset(words)



# --- sentence splitting -------------------------------------------------------------------------

# A run of sentence-ending marks, then closing quotes or brackets. (Written as one character class,
# the engine can skip to the next mark; as "(?:\.{2,}|…|[.!?؟؛])+" it tried every position: 2.5x slower.)
_TERMINATOR = re.compile(r"[.!?؟؛…]+[\"'”’»)\]}]*")
_PROTECTED = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.-]+|\b[\w-]+\.(?:com|org|net|gov|edu|info|co)\b\S*",
    re.IGNORECASE,
)
_DOMAIN_END = re.compile(r"\.(?:com|org|net|gov|edu|info|co)\b", re.IGNORECASE)
_WWW = re.compile(r"www\.", re.IGNORECASE)


def _protected_hint(line: str) -> bool:
    """Whether ``line`` may hold a URL or a domain ("www." or a known domain ending, any case).

    Two patterns that open with a literal (the engine jumps to it), the second only when "w." is there.
    """
    return bool(_DOMAIN_END.search(line) or (("w." in line or "W." in line) and _WWW.search(line)))
_BULLET = re.compile(r"^[ \t]*(?:[-*•·▪●◦–—]|\d{1,2}[.)-])[ \t]+")
_ARABIC_ABBREV_LETTER = re.compile(r"(?:^|[\s(\[\"'«.])[\u0621-\u064a]$")
_LATIN_ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "inc", "ltd", "co", "corp", "no", "gen", "col", "lt", "sgt", "rep", "sen", "gov", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft", "fig", "e.g", "i.e", "u.s", "u.k", "u.n", "a.m", "p.m"]
)
# Latin letters spelled out in Arabic: after a name, an initial ("جورج دبليو. بوش", "جون إف. كينيدي"); after
# another such letter, the end of a spelled acronym that can end a sentence ("... شبكة سي إن إن."). Only forms
# that are no Arabic word: not "آي", "إن", "أو", "إم", "كي", "في" ("أي", "أن", "أو", "أم", "كي", "في"; broken
# text ends sentences with them: "بمقياس ريختر في."), nor "زي".
_SPELLED_INITIALS = frozenset(normalize(w, fold_ta=False) for w in (
    "إيه", "بي", "سي", "دي", "إف", "جي", "إتش", "جيه", "كيه", "إل", "كيو", "آر", "إس", "تي", "يو", "دبليو",
    "دابليو", "إكس", "واي", "زد"))
_ABBREVIATION_TAILS = frozenset(w[-4:] for w in (*_LATIN_ABBREVIATIONS, *_SPELLED_INITIALS) if len(w) >= 4)
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_ABBREV_WINDOW = 24  # characters before a period that can decide an abbreviation (longer words never do)
_QUOTE_PAIRS = (("«", "»"), ("“", "”"))
_MAX_QUOTE = 300


_QUOTE_CHARS = re.compile('[«»“”"]')


def _quoted_ranges(line: str) -> list[tuple[int, int]]:
    """Character ranges of short, well-paired quotations in ``line`` (boundaries inside are kept)."""
    marks = [(m.start(), m.group()) for m in _QUOTE_CHARS.finditer(line)]
    ranges: list[tuple[int, int]] = []
    for open_q, close_q in _QUOTE_PAIRS:
        start = -1
        for i, ch in marks:
            if ch == open_q:
                start = i
            elif ch == close_q and start >= 0:
                if i - start <= _MAX_QUOTE:
                    ranges.append((start, i))
                start = -1
    straight = [i for i, ch in marks if ch == '"']
    if straight and len(straight) % 2 == 0:
        for a, b in zip(straight[::2], straight[1::2], strict=True):
            if b - a <= _MAX_QUOTE:
                ranges.append((a, b))
    return ranges


_CHUNK_EDGE = re.compile(r"[\s\[\](){}\"'«»“”]")


def _is_acronym(line: str, dot: int) -> bool:
    """True when the period sits inside a dotted acronym such as اف.بي.آي or U.N.H.C.R."""
    left = dot
    while left > 0 and not _CHUNK_EDGE.match(line[left - 1]):
        left -= 1
    right = dot + 1
    while right < len(line) and not _CHUNK_EDGE.match(line[right]):
        right += 1
    parts = [p for p in line[left:right].split(".") if p]
    return len(parts) >= 2 and all(len(p) <= 3 for p in parts)


def _is_spelled_initial(before: str) -> bool:
    """True when ``before`` ends with a Latin letter spelled in Arabic that follows a word which is not one:
    an initial inside a name ("جورج دبليو"), not the last letter of an acronym ("بي بي سي")."""
    words = before.split()
    if len(words) < 2 or normalize(words[-1], fold_ta=False) not in _SPELLED_INITIALS:
        return False
    name = words[-2]
    return name.isalpha() and not name.isascii() and normalize(name, fold_ta=False) not in _SPELLED_INITIALS


def _is_abbreviation(line: str, dot: int) -> bool:
    """True when the period at ``line[dot]`` closes an abbreviation (د. أ.د. Dr. U.S.) or initial."""
    before = line[max(0, dot - _ABBREV_WINDOW):dot]  # bounded: a line with many periods stays linear
    if _ARABIC_ABBREV_LETTER.search(before):
        return True
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1)
    if word.lower().strip(".") in _LATIN_ABBREVIATIONS or _is_spelled_initial(before):
        return True
    return len(word) == 1 and word.isupper()


def _line_boundaries(line: str) -> list[int]:
    """End offsets (exclusive, relative to ``line``) of sentences inside one line."""
    protected: list[tuple[int, int]] = []
    if "@" in line or "://" in line or _protected_hint(line):  # cheap tests before the costly pattern
        protected = [(m.start(), m.end()) for m in _PROTECTED.finditer(line)]
    quoted: list[tuple[int, int]] | None = None
    ends: list[int] = []
    n = len(line)
    for m in _TERMINATOR.finditer(line):
        start, end = m.start(), m.end()
        if end >= n:
            continue  # the line end is a boundary anyway
        token = m.group()
        nxt = line[end]
        if token[0] == "." and len(token.rstrip("\"'”’»)]}")) == 1:
            prev = line[start - 1] if start else " "
            if prev.isdigit() and nxt.isdigit():
                continue  # decimal or date: 2.5, 2015.01
            if any(a <= start < b for a, b in protected):
                continue
            before = line[start - 4:start] if start >= 4 else ""
            # After four letters a period is inside no acronym (parts of three letters at most), and ends
            # no abbreviation unless they end a listed one (Latin, or a spelled initial such as "دبليو").
            plain_word = before.isalpha() and before.lower() not in _ABBREVIATION_TAILS
            if not plain_word and (_is_abbreviation(line, start) or _is_acronym(line, start)):
                continue
            if nxt.isalpha() and nxt.isascii() and nxt.islower():
                continue  # lower-case Latin continues the sentence (e.g. "etc. and")
        elif token.startswith("..") and not nxt.isspace():
            continue
        elif token == "?" and line[max(0, start - 2):start].rstrip()[-1:].isdigit() and \
                "\u0621" <= line[end:end + 2].lstrip()[:1] <= "\u064a":
            continue  # "خفض 25-40 ? من": a sign lost to encoding after a number (Arabic asks with ؟)
        if not (nxt.isspace() or nxt.isalpha() or nxt in "\"'“«(["):
            continue
        if quoted is None:
            quoted = _quoted_ranges(line) if '"' in line or "«" in line or "“" in line else []
        if quoted and any(a < start and end <= b for a, b in quoted):
            continue
        ends.append(end)
    return ends


_LINE = re.compile(r"[^\n]+")
_ALNUM = re.compile(r"[^\W_]")  # a letter or digit (str.isalnum)


def split_sentences(text: str, article_id: str = "") -> tuple[Sentence, ...]:
    """Split ``text`` into sentences whose spans slice back to their text (pure, uncached: ``analyse``
    splits each article once and every stage reads its ``Analysis``).

    Handles glued sentences (".جاء ذلك"), abbreviations (د. أ.د. م. Dr.), decimals and
    thousands separators, URLs and e-mails, quotations, bullets and line breaks, ؟ ! ؛.
    """
    out: list[Sentence] = []
    for line_match in _LINE.finditer(text):
        line = line_match.group()
        base = line_match.start()
        bullet = _BULLET.match(line)
        cursor = bullet.end() if bullet else 0
        for end in [*_line_boundaries(line), len(line)]:
            piece = line[cursor:end]
            stripped = piece.strip()
            if _ALNUM.search(stripped):
                lead = len(piece) - len(piece.lstrip())
                s = base + cursor + lead
                out.append(Sentence(article_id, len(out), s, s + len(stripped), stripped))
            cursor = end
    return tuple(out)


def sentences(article: Article) -> tuple[Sentence, ...]:
    """Return the sentences of ``article`` (spans index ``article.text``)."""
    return split_sentences(article.text, article.id)



# --- analysis: sentences and tokens, once per article ---------------------------------------------

# The one tokenizer: numbers (with decimal and thousands separators of any script), runs of letters
# (with their diacritics and tatweel, so a span covers the word as written), single punctuation marks.
# The marks normalization removes inside a word (harakat, Quranic marks, tatweel): part of the word's span.
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
# (Runs of letters and runs of marks, rather than one letter-or-mark at a time: the same tokens, 20% faster.)
WORD = re.compile(rf"(?:[^\W\d_]+|[{_MARKS}]+)+|\d+(?:[.,٫٬]\d+)*|[^\w\s]")
WORD_MARK = re.compile(f"[{_MARKS}]")
# Where two tokens of ``WORD`` meet without a space or mark between them: a letter or mark against a digit.
# Written as a digit with such a neighbour (digit first: the scan stops at once on every other character,
# 9x faster than the four pairs as alternatives; the same answer, tested).
_GLUED = re.compile(rf"\d(?:(?<=[^\W\d_{_MARKS}]\d)|(?<=[{_MARKS}]\d)|(?=[^\W\d_]|[{_MARKS}]))")
_GLUED_PAIRS = rf"[^\W\d_{_MARKS}]\d|[{_MARKS}]\d|\d[^\W\d_]|\d[{_MARKS}]"  # the definition
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")  # a normalized number (digits are ASCII after normalize)


def is_number(norm: str) -> bool:
    """Whether a normalized token or term is a number ("2015", "2.5", "1,000"): counted as a stopword."""
    return norm[:1].isdigit() and _NUMBER.fullmatch(norm) is not None


class TokenMemo:
    """What ``analyse`` learns of each distinct token (normalized form, stem, kind), shared by the
    articles of one batch so each distinct token is normalized and stemmed once; ``tagger``: what the
    entity tagger learns of each (normalized form, stem), shared the same way. A plain value the
    caller owns (no module state); safe to drop at any time."""

    __slots__ = ("known", "tagger")

    def __init__(self) -> None:
        self.known: dict[str, dict[str, tuple[str, str, TokenKind]]] = {}  # language -> token -> facts
        self.tagger: dict[tuple[str, str], Any] = {}

    def facts(self, language: str) -> dict[str, tuple[str, str, TokenKind]]:
        """token -> (normalized form, stem, kind) of the tokens learned for ``language``."""
        return self.known.setdefault(language, {})

    def learn(self, tokens: Sequence[str], language: str) -> dict[str, tuple[str, str, TokenKind]]:
        """Normalize and stem the tokens not seen yet for ``language`` (one pass for all of them);
        returns ``facts(language)``."""
        known = self.facts(language)
        fresh = list(set(tokens).difference(known))  # order does not matter: each token's facts are its own
        if not fresh:
            return known
        unfolded = normalize_many(fresh, fold_ta=False)
        kinds = [_kind(t) if u else "punct" for t, u in zip(fresh, unfolded, strict=True)]  # a lone tatweel: "punct"
        words = [u for u, k in zip(unfolded, kinds, strict=True) if k == "word"]
        stemmed = dict(zip(words, _stemmer(language).stemWords(words), strict=True))
        for t, u, kind in zip(fresh, unfolded, kinds, strict=True):
            norm = u.replace("ة", "ه")
            known[t] = (norm, stemmed[u].replace("ة", "ه") if kind == "word" else norm, kind)
        return known


def _kind(token: str) -> TokenKind:
    first = token[0]
    if first.isdigit():
        return "number" if token[-1].isdigit() and all(c.isdigit() or c in ".,٫٬" for c in token) else "word"
    return "punct" if len(token) == 1 and not first.isalpha() and not WORD_MARK.match(first) else "word"


def _tokens_of(text: str, starts: Sequence[int], ends: Sequence[int], texts: tuple[str, ...], normalized: str,
               memo: TokenMemo, language: str, known: dict[str, tuple[str, str, TokenKind]],
               glued: bool | None = None) -> Tokens:
    """The ``Tokens`` of ``text`` from its tokens (``texts`` at ``starts``/``ends``); ``glued``: whether a word
    or number is written onto another in it (None: look)."""
    if not texts:
        return Tokens((), (), (), (), (), (), (), (), normalized)
    norm, stem, kind = zip(*map(known.__getitem__, texts), strict=True)
    if not (_GLUED.search(text) if glued is None else glued):  # the terms are the non-punctuation tokens
        if "punct" not in kind:
            return Tokens(texts, tuple(starts), tuple(ends), norm, stem, kind, norm, stem, normalized)
        keep = [k != "punct" for k in kind]
        return Tokens(texts, tuple(starts), tuple(ends), norm, stem, kind, tuple(itertools.compress(norm, keep)),
                      tuple(itertools.compress(stem, keep)), normalized)
    term_norm: list[str] = []
    term_stem: list[str] = []
    run = -1  # first token of the current run of words and numbers written without a space
    for i in range(len(texts) + 1):
        if i < len(texts) and kind[i] != "punct" and run >= 0 and starts[i] == ends[i - 1]:
            continue  # the run goes on
        if run >= 0:
            if i - run == 1:
                term_norm.append(norm[run])
                term_stem.append(stem[run])
            else:  # "A330", "الـ11": one term, normalized and stemmed as one word
                joined = text[starts[run]:ends[i - 1]]
                facts = memo.learn([joined], language)[joined]
                term_norm.append(facts[0])
                term_stem.append(facts[1])
        run = i if i < len(texts) and kind[i] != "punct" else -1
    return Tokens(texts, tuple(starts), tuple(ends), norm, stem, kind, tuple(term_norm), tuple(term_stem), normalized)


_WORD_SPLIT = re.compile(f"({WORD.pattern})")  # WORD as the separator kept by ``split``: no match objects


def _word_spans(text: str) -> tuple[list[str], list[int], list[int]]:
    """The tokens of ``text`` (``WORD``'s matches) with their start and end offsets."""
    parts = _WORD_SPLIT.split(text)  # gap, token, gap, token, ..., gap
    offsets = list(itertools.accumulate(map(len, parts), initial=0))
    return parts[1::2], offsets[1:-1:2], offsets[2::2]


def analyse(article: Article, memo: TokenMemo | None = None) -> Analysis:
    """Split ``article`` into sentences and tokenize, normalize and stem each once (``memo``: the
    batch's ``TokenMemo``, so a token seen in another article is not normalized again).

    The text is tokenized in one pass and each sentence takes the tokens inside its span (a sentence
    that would cut a token is tokenized on its own): the tokens of every sentence are those of
    ``WORD`` over the sentence's text."""
    memo = memo or TokenMemo()
    language = "en" if article.language == "en" else "ar"
    text = article.text
    sents = split_sentences(text, article.id)
    normalized = normalize_many([s.text for s in sents] + [article.title])
    texts, starts, ends = _word_spans(text)
    title_texts, title_starts, title_ends = _word_spans(article.title)
    known = memo.learn(texts + title_texts, language)  # one pass per article
    glued = None if _GLUED.search(text) else False  # most texts have none: no sentence need look
    tokens = []
    for s, norm in zip(sents, normalized, strict=False):
        lo, hi = bisect.bisect_left(starts, s.start), bisect.bisect_left(starts, s.end)
        if (lo and ends[lo - 1] > s.start) or (hi > lo and ends[hi - 1] > s.end):  # a token across its edge
            own, own_starts, own_ends = _word_spans(s.text)
            tokens.append(_tokens_of(s.text, own_starts, own_ends, tuple(own), norm, memo, language,
                                     memo.learn(own, language), None))
            continue
        at = s.start
        tokens.append(_tokens_of(s.text, [x - at for x in starts[lo:hi]], [x - at for x in ends[lo:hi]],
                                 tuple(texts[lo:hi]), norm, memo, language, known, glued))
    return Analysis(article, sents, tuple(tokens), _tokens_of(article.title, title_starts, title_ends,
                                                              tuple(title_texts), normalized[-1], memo, language,
                                                              known))


def analyse_all(articles: Sequence[Article]) -> list[Analysis]:
    """``analyse`` of every article, sharing one ``TokenMemo``."""
    memo = TokenMemo()
    return [analyse(a, memo) for a in articles]


def analysed(item: Article | Analysis, memo: TokenMemo | None = None) -> Analysis:
    """``item`` if it is already an ``Analysis``, else ``analyse(item)``: stage functions accept either,
    and the pipeline hands them analyses so nothing is analysed twice."""
    return item if isinstance(item, Analysis) else analyse(item, memo)


def content_terms(tokens: Tokens, stop: frozenset[str]) -> list[str]:
    """Stems of the content terms of ``tokens``: terms that are neither a stopword (tested on the normalized
    form) nor a number."""
    return [s for s, n in zip(tokens.term_stem, tokens.term_norm, strict=True) if n not in stop and not is_number(n)]


# --- a stored analysis -------------------------------------------------------------------------

_PACK_VERSION = 2


@functools.cache
def _analysis_version() -> str:
    """The format of a stored analysis and a hash of what an analysis depends on (this module: splitting,
    tokens, normalization; the word lists it reads): a record made by other code is not read back."""
    import hashlib

    digest = hashlib.sha1(Path(__file__).read_bytes())
    lexicon = Path(__file__).with_name("lexicon")
    for path in sorted(lexicon.rglob("*")) if lexicon.is_dir() else ():
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(lexicon).as_posix().encode() + b"\0" + path.read_bytes())
    return f"{_PACK_VERSION}:{digest.hexdigest()[:12]}"


_SEP = "\x1f"  # never in a token (a space character: the tokenizer splits at it), nor in its forms
_KIND_CODE: dict[TokenKind, str] = {"word": "w", "number": "n", "punct": "p"}
_CODE_KIND: dict[str, TokenKind] = {v: k for k, v in _KIND_CODE.items()}


def _pack_tokens(t: Tokens) -> list[Sequence[object]]:
    kinds = "".join(map(_KIND_CODE.__getitem__, t.kind))
    mask = [k != "p" for k in kinds]
    plain = t.term_norm == tuple(itertools.compress(t.norm, mask)) and \
        t.term_stem == tuple(itertools.compress(t.stem, mask))
    row: list[Sequence[object]] = [t.start, t.end, _joined(t.norm), _joined(t.stem), kinds]
    return row if plain else [*row, t.term_norm, t.term_stem]


def _joined(strings: tuple[str, ...]) -> str | tuple[str, ...]:
    """One string for a column of strings (read back with one ``split``, much faster than a JSON list)."""
    return strings if any(_SEP in x for x in strings) else _SEP.join(strings)


def _split(column: str | list[str], n: int) -> tuple[str, ...]:
    if not isinstance(column, str):
        return tuple(column)
    return tuple(column.split(_SEP)) if n else ()


def pack_analysis(analysis: Analysis) -> bytes:
    """``analysis`` as compact bytes (zlib-compressed JSON) for a store: what ``unpack_analysis`` needs to
    give it back, with ``analysis.article``, without splitting, tokenizing or stemming again. Token texts
    and normalized sentences are not kept: they are read from the text again."""
    import json
    import zlib

    art = analysis.article
    doc = {"v": _analysis_version(), "n": [len(art.text), len(art.title)],
           "s": [[s.index, s.start, s.end] for s in analysis.sentences],
           "t": [_pack_tokens(t) for t in (*analysis.tokens, analysis.title)]}
    return zlib.compress(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def _unpack_tokens(text: str, row: list[Any], normalized: str) -> Tokens:
    starts, ends, norms, stems, kinds = row[:5]
    if not isinstance(kinds, str):
        raise TypeError("token kinds are not a string")
    kind = tuple(map(_CODE_KIND.__getitem__, kinds))
    norm, stem = _split(norms, len(kinds)), _split(stems, len(kinds))
    if len(row) > 5:
        term_norm, term_stem = tuple(row[5]), tuple(row[6])
    elif "p" not in kinds:
        term_norm, term_stem = norm, stem
    else:
        mask = [k != "p" for k in kinds]
        term_norm, term_stem = tuple(itertools.compress(norm, mask)), tuple(itertools.compress(stem, mask))
    texts = tuple([text[a:b] for a, b in zip(starts, ends, strict=True)])
    if not (len(texts) == len(norm) == len(stem) == len(kind)):
        raise ValueError("token columns of unequal length")
    return Tokens(texts, tuple(starts), tuple(ends), norm, stem, kind, term_norm, term_stem, normalized)


def unpack_analysis(article: Article, data: bytes) -> Analysis:
    """The analysis ``pack_analysis`` stored for ``article``: equal to ``analyse(article)``. Raises
    ``ValueError`` when ``data`` is not such a record (another format, made by other analysis code or word
    lists, another text): the caller analyses the article instead."""
    import json
    import zlib

    try:
        doc = json.loads(zlib.decompress(data).decode("utf-8"))
        if not isinstance(doc, dict) or doc.get("v") != _analysis_version() or len(doc["t"]) != len(doc["s"]) + 1:
            raise ValueError(f"not a stored analysis of this code ({_analysis_version()})")
        text = article.text
        if doc["n"] != [len(text), len(article.title)]:
            raise ValueError("stored for another text")
        sents = tuple(Sentence(article.id, i, a, b, text[a:b]) for i, a, b in doc["s"])
        if any(not 0 <= s.start <= s.end <= len(text) for s in sents):
            raise ValueError("a sentence outside the text")
        normalized = normalize_many([s.text for s in sents] + [article.title])
        tokens = tuple(_unpack_tokens(s.text, row, n) for s, row, n in zip(sents, doc["t"], normalized, strict=False))
        return Analysis(article, sents, tokens, _unpack_tokens(article.title, doc["t"][-1], normalized[-1]))
    except (zlib.error, UnicodeDecodeError, KeyError, TypeError, IndexError, AttributeError) as e:
        raise ValueError(f"not a stored analysis: {e}") from e
