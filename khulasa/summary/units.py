"""A story's sentences as units: which may stand alone (fragments, captions, openings that point back), and
their concepts and content-stem counts as sparse rows built in one numpy pass over the analyses."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # numpy loads when a story is built, not at import
    from typing import TypeAlias

    import numpy as np
    from numpy.typing import NDArray
    from scipy.sparse import csr_matrix

    IntArray: TypeAlias = NDArray[np.int64]
    FloatArray: TypeAlias = NDArray[np.float64]
    BoolArray: TypeAlias = NDArray[np.bool_]

from khulasa.config import SummaryConfig
from khulasa.ingest.clean import _CONTINUATION, clean_document
from khulasa.ingest.meta import is_terminated
from khulasa.lexicon import words
from khulasa.model import Analysis, Article, ArticleUnits, RawDocument, Sentence
from khulasa.text import TokenMemo, analysed, is_number, normalize, stopwords, word_count

# Openings that need the sentence before them (khulasa/lexicon/ar/reporting.toml).
_DANGLING_AR = frozenset(normalize(w) for w in words("reporting", "dangling_openings"))
_POINTING_AR = frozenset(normalize(w) for w in words("reporting", "pointing"))
_BACKREF_AR = tuple(normalize(w) for w in words("reporting", "back_references"))
_QUOTE_AFTER_VERB = re.compile(
    r"^\s*(?:" + "|".join(sorted(map(re.escape, _DANGLING_AR), key=lambda w: (-len(w), w))) + r")\s*[:\"“«']")
_DANGLING_EN = frozenset(["he", "she", "they", "it", "this", "these", "those", "but", "however", "also", "meanwhile"])


@dataclass(frozen=True, slots=True)
class Sparse:
    """Rows in compressed sparse row form (scipy's CSR layout): row ``i`` holds columns
    ``indices[indptr[i]:indptr[i + 1]]`` (ascending) with values ``data[...]``; ``row_of`` is each stored
    value's row.

    The summarizer only multiplies these rows by dense vectors and reads them one at a time, which numpy
    does directly; importing ``scipy.sparse`` for that costs 0.15 s, three times the summary of an
    article (the start-up of ``khulasa summarize``). ``to_scipy`` converts for the exact solver.
    """

    indptr: IntArray
    indices: IntArray
    data: FloatArray
    shape: tuple[int, int]
    row_of: IntArray

    @classmethod
    def from_sorted(cls, rows: IntArray, cols: IntArray, data: FloatArray, shape: tuple[int, int]) -> Sparse:
        """From (row, column) pairs already sorted by row then column, without duplicates."""
        import numpy as np

        indptr = np.zeros(shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
        return cls(indptr, cols.astype(np.int64, copy=False), data.astype(np.float64, copy=False), shape,
                   rows.astype(np.int64, copy=False))

    def with_data(self, data: FloatArray) -> Sparse:
        """The same rows and columns with other values."""
        return Sparse(self.indptr, self.indices, data, self.shape, self.row_of)

    def dot(self, vector: FloatArray) -> FloatArray:
        """This matrix times a dense vector over its columns: one value per row."""
        import numpy as np

        out = np.bincount(self.row_of, weights=self.data * vector[self.indices], minlength=self.shape[0])
        return out.astype(np.float64, copy=False)  # float already (weights): for the type checker

    def row_norms(self) -> FloatArray:
        """Each row's Euclidean length."""
        import numpy as np

        out = np.bincount(self.row_of, weights=self.data * self.data, minlength=self.shape[0])
        return np.sqrt(out.astype(np.float64, copy=False))

    def row(self, i: int) -> tuple[IntArray, FloatArray]:
        """Row ``i``'s columns and values."""
        lo, hi = self.indptr[i], self.indptr[i + 1]
        return self.indices[lo:hi], self.data[lo:hi]

    def row_sums(self, groups: IntArray, n_groups: int) -> FloatArray:
        """A dense ``n_groups`` x columns matrix: per group, the sum of the rows ``groups`` assigns to it."""
        import numpy as np

        keys = groups[self.row_of] * self.shape[1] + self.indices
        sums = np.bincount(keys, weights=self.data, minlength=n_groups * self.shape[1])
        return sums.astype(np.float64, copy=False).reshape(n_groups, self.shape[1])

    def take_rows(self, rows: IntArray) -> Sparse:
        """The matrix of the given rows, in that order (row ``k`` of the result is row ``rows[k]``)."""
        import numpy as np

        lo = self.indptr[rows]
        lengths = self.indptr[rows + 1] - lo
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        row_of = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        at = lo[row_of] + (np.arange(int(indptr[-1]), dtype=np.int64) - indptr[:-1][row_of])
        return Sparse(indptr, self.indices[at], self.data[at], (len(rows), self.shape[1]), row_of)

    def to_scipy(self) -> csr_matrix:
        """The same matrix as a ``scipy.sparse.csr_matrix``."""
        from scipy.sparse import csr_matrix

        return csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


class _Unit(NamedTuple):
    """A sentence of the story with what selection needs besides its concepts (immutable; a NamedTuple
    because a story makes one per sentence and a frozen dataclass is five times slower to build)."""

    sentence: Sentence
    order: int  # article order in the input
    words: int
    eligible: bool
    dangling: bool
    overlong: bool = False  # would be eligible but for ``max_sentence_words``


@dataclass(frozen=True, slots=True)
class _Story:
    """A story's sentences as sparse rows (row ``i`` is ``units[i]``), built once and read by selection,
    citation and ordering. Concept columns hold content stems, then stem bigrams (not both stopwords)."""

    units: list[_Unit]
    concepts: Sparse  # units x concepts: 1 where the sentence holds the concept
    bigram: BoolArray  # numpy bool per concept column
    in_titles: IntArray  # numpy int per concept column: headlines holding it
    counts: Sparse  # units x content stems: occurrences
    n_articles: int
    orders: IntArray  # numpy int per unit: its article's order
    positions: IntArray  # numpy int per unit: its sentence index in the article
    words: FloatArray  # numpy float per unit: its word count
    titles: Sparse  # articles x concepts: 1 where the article's headline holds the concept
    starts: IntArray  # numpy int per article and one more: its first unit (units are in article order)

    def subset(self, orders: Sequence[int]) -> _Story:
        """The story of some of its articles (``orders``, in the order given), without analysing or counting
        anything again: their units renumbered, the same concept and stem columns (those only the others
        hold are empty). Selection, weights and citations of the subset are those of a story built from
        those articles alone, but for the order of equal-valued columns in sums."""
        import numpy as np

        if list(orders) == list(range(self.n_articles)):
            return self
        picked = np.asarray(orders, dtype=np.int64)
        lengths = self.starts[picked + 1] - self.starts[picked]
        new_order = np.repeat(np.arange(len(picked), dtype=np.int64), lengths)
        starts = np.zeros(len(picked) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        rows = self.starts[picked][new_order] + (np.arange(int(starts[-1]), dtype=np.int64) - starts[:-1][new_order])
        units = [self.units[r]._replace(order=k) for r, k in zip(rows.tolist(), new_order.tolist(), strict=True)]
        titles = self.titles.take_rows(picked)
        in_titles = np.bincount(titles.indices, minlength=self.concepts.shape[1])
        return _Story(units, self.concepts.take_rows(rows), self.bigram, in_titles, self.counts.take_rows(rows),
                      len(picked), new_order, self.positions[rows], self.words[rows], titles, starts)


def _as_units(items: Sequence[Article | Analysis | ArticleUnits | str]) -> list[ArticleUnits]:
    """What the summarizer reads of each of ``items`` (analysed here when they are not yet; texts
    cleaned first), empty articles left out."""
    memo = TokenMemo()
    out: list[ArticleUnits] = []
    for i, item in enumerate(items):
        if isinstance(item, ArticleUnits):
            if item.article.text.strip():
                out.append(item)
            continue
        one = clean_document(RawDocument(id=f"doc{i + 1}", path=f"<text {i + 1}>", text=item)) \
            if isinstance(item, str) else item
        if (one.article if isinstance(one, Analysis) else one).text.strip():
            out.append(article_units(analysed(one, memo)))
    return out


# "في هذا الاجتماع", "هذه الخطوة": a demonstrative before a definite noun points back at something the
# article said before; "هذا العام", "هذه المرة" point at the time of writing and stand alone.
_DEICTIC_NOUNS = "|".join(normalize(w) for w in words("demonstratives", "deictic_nouns"))
_DEMONSTRATIVES = words("demonstratives", "demonstratives")
_DEMONSTRATIVE_STEMS = words("demonstratives", "stems")  # every demonstrative holds one
_POINTS_BACK_AR = re.compile(rf"(?<!\w)[وف]?(?:{'|'.join(_DEMONSTRATIVES)})\s+(?!(?:{_DEICTIC_NOUNS})(?!\w))ال\w")
_POINTS_BACK_EN = re.compile(r"\b(?:this|these)\s+(?!(?:year|week|month|morning|evening|time|afternoon)\b)[a-z]")

_OPENING_WORDS = 4  # a demonstrative further in ("قال إن هذه الخطوة ...") is read with its own sentence


def _is_dangling(tokens: list[str], folded: str, language: str) -> bool:
    """Whether a sentence needs the one before it: an opening that points back ("وأضاف أن", "جاء ذلك",
    a quote after a bare reporting verb) or a demonstrative in its opening that does ("في هذا الاجتماع").

    ``tokens``: its first normalized tokens; ``folded``: its normalized text (ة folded).
    """
    opening = " ".join(folded.split(maxsplit=_OPENING_WORDS)[:_OPENING_WORDS])  # "وفي هذا الاجتماع ..."
    if language == "en":
        demonstrative = ("this" in opening or "these" in opening) and _POINTS_BACK_EN.search(opening)
    else:  # substring tests first: the pattern's first letters (و ف ه ت) are everywhere in Arabic
        demonstrative = any(map(opening.__contains__, _DEMONSTRATIVE_STEMS)) and _POINTS_BACK_AR.search(opening)
    if demonstrative or _QUOTE_AFTER_VERB.match(folded):
        return True
    if not tokens:
        return False
    if language == "en":
        return tokens[0] in _DANGLING_EN
    head = " ".join(tokens[:3])
    if tokens[0] in _DANGLING_AR and (len(tokens) == 1 or tokens[1] in _POINTING_AR):
        return True
    return head.startswith(_BACKREF_AR)


_CLOSERS = "\"'”’»)] "
_CONTINUES = (*_CONTINUATION, ":", ".", ")", "]", "»", "”")  # no sentence starts with these


# Per sentence, in ``ArticleUnits.flags``: how it opens and ends (``_eligible_flags``, ``_is_dangling``).
CONTINUES, ASKS, ENDS, DANGLING_AR, DANGLING_EN, SEMICOLON = 1, 2, 4, 8, 16, 32
STOP_AR, STOP_EN = 1, 2  # per term, in ``ArticleUnits.stop``


def article_units(analysis: Analysis) -> ArticleUnits:
    """What the summarizer reads of an analysed article: its sentences, its terms' stems as positions in
    its own list of stems with their stopword flags, and per sentence its words and how it opens and ends
    (in both languages: a story's language is that of most of its articles)."""
    import itertools
    from array import array

    rows = (*analysis.tokens, analysis.title)
    stems_flat = list(itertools.chain.from_iterable(r.term_stem for r in rows))
    norms_flat = list(itertools.chain.from_iterable(r.term_norm for r in rows))
    lengths = [len(r.term_norm) for r in rows]
    stems = tuple(dict.fromkeys(stems_flat))  # first seen first: the sentences', then the title's others
    body = len(dict.fromkeys(itertools.chain.from_iterable(r.term_stem for r in analysis.tokens)))
    position = dict(zip(stems, range(len(stems)), strict=True))
    ids = array("I", map(position.__getitem__, stems_flat))
    ar = stopwords("ar")
    en: frozenset[str] = frozenset()  # English stopwords are ASCII words: read only if such a term comes
    flag_of: dict[str, int] = {}
    for n in dict.fromkeys(norms_flat):
        number = is_number(n)
        if not en and n.isascii() and n.isalpha():
            en = stopwords("en")
        flag_of[n] = (STOP_AR if number or n in ar else 0) | (STOP_EN if number or n in en else 0)
    stop = bytes(map(flag_of.__getitem__, norms_flat))
    words = tuple(word_count(s.text) for s in analysis.sentences)
    flags = bytearray()
    for s, r in zip(analysis.sentences, analysis.tokens, strict=True):
        text = s.text
        stripped = text.rstrip(_CLOSERS)
        head = list(r.term_norm[:3])
        flags.append((CONTINUES if text.startswith(_CONTINUES) else 0)
                     | (ASKS if stripped.endswith(("?", "؟", ":")) else 0)
                     | (ENDS if stripped.endswith((".", "!", "…")) else 0)
                     | (DANGLING_AR if _is_dangling(head, r.normalized, "ar") else 0)
                     | (DANGLING_EN if _is_dangling(head, r.normalized, "en") else 0)
                     | (SEMICOLON if text.rstrip().endswith(("؛", ";")) else 0))
    # Most sentences unterminated: the text is written without punctuation, not made of captions.
    punctuated = 2 * sum(map(is_terminated, (s.text for s in analysis.sentences))) >= len(analysis.sentences)
    return ArticleUnits(analysis.article, analysis.sentences, stems, body, ids.tobytes(), stop, tuple(lengths),
                        words, bytes(flags), punctuated)


def _eligible_flags(words: int, flags: int, cfg: SummaryConfig, punctuated: bool) -> bool:
    """Whether a sentence (its words and ``flags``) may stand alone in a summary: not a fragment or a
    caption, not the tail of a sentence cut in two ("، حسيب حسين، في شريط الفيديو."), not a question or
    a line ending in a colon.

    ``punctuated``: the article ends its sentences with punctuation, so a short unterminated line is
    a fragment or caption. In text written without punctuation (a line per sentence) it is not.
    """
    if words < cfg.min_words or words > cfg.max_sentence_words or flags & (CONTINUES | ASKS):
        return False
    return not punctuated or bool(flags & ENDS) or words >= 12


def _unique_pairs(rows: IntArray, codes: IntArray, span: int, *, combined: bool | None = None) -> tuple[IntArray, IntArray]:
    """The distinct (row, code) pairs, sorted by row then code; codes are below ``span``.

    One sort of ``row * span + code`` when that fits in 63 bits (every realistic story), else a
    two-key sort (``combined`` forces either way, for tests).
    """
    import numpy as np

    if combined is None:
        combined = (int(rows.max(initial=0)) + 1) * span < 2**62
    if combined:
        # Sort, then keep each first: ``np.unique`` without flags takes a hash path in numpy 2.x that
        # was 17x slower on these arrays.
        keys = np.sort(rows * span + codes)
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
        return keys // span, keys % span
    order = np.lexsort((codes, rows))
    rows, codes = rows[order], codes[order]
    new = np.ones(len(rows), dtype=bool)
    new[1:] = (rows[1:] != rows[:-1]) | (codes[1:] != codes[:-1])
    return rows[new], codes[new]


def _build_story(articles: list[ArticleUnits], language: str, cfg: SummaryConfig) -> _Story:
    """Sentences, their eligibility, and their concepts and content-stem counts as sparse rows.

    Stems get integer ids (numbered as they first appear in the sentences of the articles in order,
    then in their titles); a bigram is the pair of its ids, so concepts are found with numpy over the
    whole story instead of with sets per sentence.
    """
    import numpy as np

    per_article = [a.sentences for a in articles]
    n_units = sum(map(len, per_article))
    number: dict[str, int] = {}
    remaps = [[number.setdefault(t, len(number)) for t in a.stems[:a.body_stems]] for a in articles]  # the
    # sentences' stems first, as they first appear; then, article by article, the titles' others
    bodies, titles_ids, body_stops, title_stops = [], [], [], []
    for a, remap in zip(articles, remaps, strict=True):
        ids_a, stop_a = np.frombuffer(a.ids, dtype=np.uint32), np.frombuffer(a.stop, dtype=np.uint8)
        cut = len(ids_a) - a.lengths[-1]  # the sentences' terms, then the title's
        remap.extend([0] * (len(a.stems) - len(remap)))
        for t in ids_a[cut:].tolist():
            if t >= a.body_stems:
                remap[t] = number.setdefault(a.stems[t], len(number))
        to_story = np.asarray(remap, dtype=np.int64)
        bodies.append(to_story[ids_a[:cut]])
        titles_ids.append(to_story[ids_a[cut:]])
        body_stops.append(stop_a[:cut])
        title_stops.append(stop_a[cut:])
    bit = STOP_EN if language == "en" else STOP_AR
    ids = np.concatenate([*bodies, *titles_ids]) if articles else np.zeros(0, dtype=np.int64)
    is_stop = (np.concatenate([*body_stops, *title_stops]) & bit) > 0 if articles else np.zeros(0, dtype=bool)
    lengths = np.array([n for a in articles for n in a.lengths[:-1]] + [a.lengths[-1] for a in articles], dtype=np.int64)
    n_rows, n_stems = len(lengths), len(number)
    row_of = np.repeat(np.arange(n_rows, dtype=np.int64), lengths)
    content = ~is_stop
    pair = (row_of[:-1] == row_of[1:]) & ~(is_stop[:-1] & is_stop[1:])  # bigrams inside a text, not two stopwords
    codes = np.concatenate((ids[content], n_stems + ids[:-1][pair] * n_stems + ids[1:][pair]))
    rows = np.concatenate((row_of[content], row_of[:-1][pair]))
    held_rows, held_codes = _unique_pairs(rows, codes, max(n_stems + n_stems * n_stems, 1))
    columns, col_of = np.unique(held_codes, return_inverse=True)
    in_units = held_rows < n_units
    concepts = Sparse.from_sorted(held_rows[in_units], col_of[in_units], np.ones(int(in_units.sum())), (n_units, len(columns)))
    titles = Sparse.from_sorted(held_rows[~in_units] - n_units, col_of[~in_units], np.ones(int((~in_units).sum())),
                                (len(articles), len(columns)))
    in_titles = np.bincount(titles.indices, minlength=len(columns))

    unit_tokens = row_of < n_units
    stem_pairs, occurrences = np.unique(row_of[content & unit_tokens] * n_stems + ids[content & unit_tokens],
                                        return_counts=True)
    counts = Sparse.from_sorted(stem_pairs // max(n_stems, 1), stem_pairs % max(n_stems, 1), occurrences.astype(np.float64),
                  (n_units, n_stems))

    units: list[_Unit] = []
    uncapped = replace(cfg, max_sentence_words=1 << 30)
    dangling_bit = DANGLING_EN if language == "en" else DANGLING_AR
    for order, a in enumerate(articles):
        after_semicolon = False
        for s, n_words, flags in zip(a.sentences, a.words, a.flags, strict=True):
            eligible = _eligible_flags(n_words, flags, cfg, a.punctuated)
            overlong = n_words > cfg.max_sentence_words and _eligible_flags(n_words, flags, uncapped, a.punctuated)
            # After "؛" the clause goes on ("... من تالكا ؛ 165كم إلى الجنوب"): it needs the one before.
            dangling = (eligible or overlong) and (after_semicolon or bool(flags & dangling_bit))  # candidates only
            after_semicolon = bool(flags & SEMICOLON)
            units.append(_Unit(s, order, n_words, eligible, dangling, overlong))
    return _Story(units, concepts, columns >= n_stems, in_titles, counts, len(articles),
                  np.array([u.order for u in units], dtype=np.int64),
                  np.array([u.sentence.index for u in units], dtype=np.int64),
                  np.array([u.words for u in units], dtype=np.float64), titles,
                  np.concatenate(([0], np.cumsum(list(map(len, per_article))))).astype(np.int64))


# --- stored units -------------------------------------------------------------------------------


@functools.cache
def units_version() -> str:
    """What stored units depend on: the analysis (``text._analysis_version``), this module and the
    stopword lists; stored units of another version are made again from the analysis."""
    import hashlib
    from importlib import metadata
    from pathlib import Path

    from khulasa.text import _analysis_version

    digest = hashlib.sha1(Path(__file__).read_bytes())
    for package in ("arabic-stopwords", "scikit-learn"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{package}={metadata.version(package)}".encode())
    return f"u1:{_analysis_version()}:{digest.hexdigest()[:12]}"


@functools.cache
def units_head() -> bytes:
    """The line stored units of this code start with (``pack_units``): their version and a newline."""
    return units_version().encode() + b"\n"


def is_current(data: bytes | None) -> bool:
    """Whether ``data`` holds units of this code (``pack_units``), read without unpacking them."""
    return data is not None and data.startswith(units_head())


def pack_units(units: ArticleUnits) -> bytes:
    """``units`` as bytes for a store: the version line, then zlib-compressed JSON of the sentences'
    offsets, the stems and counts, a NUL, and the per-term and per-sentence bytes. ``unpack_units``
    reads it back with the article."""
    import json
    import zlib

    art = units.article
    head = {"n": [len(art.text), len(art.title)], "s": [[s.index, s.start, s.end] for s in units.sentences],
            "stems": list(units.stems), "body": units.body_stems, "lengths": list(units.lengths),
            "words": list(units.words), "p": units.punctuated, "sizes": [len(units.ids), len(units.stop)]}
    raw = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\0" + \
        units.ids + units.stop + units.flags
    return units_head() + zlib.compress(raw, 6)


def unpack_units(article: Article, data: bytes) -> ArticleUnits:
    """The units ``pack_units`` stored for ``article``: equal to ``article_units(analyse(article))``.
    Raises ``ValueError`` when ``data`` holds units of other code or of another text."""
    import json
    import zlib

    if not is_current(data):
        raise ValueError(f"not units of this code ({units_version()})")
    try:
        raw = zlib.decompress(data[data.index(b"\n") + 1:])
        cut = raw.index(b"\0")
        head = json.loads(raw[:cut].decode("utf-8"))
        text = article.text
        if head["n"] != [len(text), len(article.title)]:
            raise ValueError("stored for another text")
        sentences = tuple(Sentence(article.id, i, a, b, text[a:b]) for i, a, b in head["s"])
        n_ids, n_stop = head["sizes"]
        rest = raw[cut + 1:]
        if len(rest) != n_ids + n_stop + len(sentences):
            raise ValueError("stored units of unequal length")
        return ArticleUnits(article, sentences, tuple(head["stems"]), int(head["body"]), rest[:n_ids],
                            rest[n_ids:n_ids + n_stop], tuple(head["lengths"]), tuple(head["words"]),
                            rest[n_ids + n_stop:], bool(head["p"]))
    except (zlib.error, UnicodeDecodeError, KeyError, TypeError, IndexError) as e:
        raise ValueError(f"not stored units: {e}") from e
