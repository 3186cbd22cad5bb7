"""Multi-document extractive summarization with citations.

Method (Gillick & Favre's concept-coverage model, greedy by default, exact with HiGHS on request):

1. Every sentence becomes a set of *concepts*: stemmed word bigrams (not both stopwords) and, at
   half weight, stemmed content words. A concept is worth the articles that carry it, each vote
   discounted by how late in that article the concept first appears (content several outlets
   report up front), plus a vote for each headline that carries it. Concepts carried by a single
   article count for nothing.
2. Sentences that cannot stand alone are never candidates: fragments and captions, questions,
   lines ending in a colon, and openings that point back ("وأضاف أن", "جاء ذلك") unless the
   sentence they continue is also chosen.
3. Selection maximizes the covered concept weight (each concept counted once, so repeating
   content gains nothing) plus a lead-position term, under the word budget, greedily by gain per
   word, doubled for articles (outlets) not yet represented (``solver="ilp"`` solves the coverage
   model exactly with HiGHS, ~6x slower for no measured gain); a sentence too close to one already
   chosen is skipped. Leftover budget is filled with the best
   sentences that still fit.
4. Order: article date; on one date, articles whose lead was chosen first (a summary opens with a
   lead, not with "ويزن القمر ..."); then article, then position (dateline context stays with the lead).
5. Citations: each chosen sentence cites its own span and, for every other article, the sentence
   that reports the same content (stem overlap above a threshold).

Stems get integer ids, so a story's concepts and word counts are two sparse matrices (one row per
sentence) built with numpy in one pass, and selection and citation are matrix products.

Deterministic: same input, same output (ties break on article order and sentence index; sums run in
a fixed column order, not in set order).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from khulasa.config import SummaryConfig
from khulasa.ingest.clean import _CONTINUATION, clean_document
from khulasa.ingest.meta import is_terminated
from khulasa.lexicon import words
from khulasa.model import Analysis, Article, Citation, RawDocument, Sentence, Summary, SummarySentence, Tokens
from khulasa.text import TokenMemo, analysed, is_number, normalize, stopwords, word_count

log = logging.getLogger(__name__)
DEFAULT_CONFIG = SummaryConfig()

# Openings that need the sentence before them (khulasa/lexicon/ar/reporting.toml).
_DANGLING_AR = frozenset(normalize(w) for w in words("reporting", "dangling_openings"))
_POINTING_AR = frozenset(normalize(w) for w in words("reporting", "pointing"))
_BACKREF_AR = tuple(normalize(w) for w in words("reporting", "back_references"))
_QUOTE_AFTER_VERB = re.compile(
    r"^\s*(?:" + "|".join(sorted(map(re.escape, _DANGLING_AR), key=lambda w: (-len(w), w))) + r")\s*[:\"“«']")
_DANGLING_EN = frozenset(["he", "she", "they", "it", "this", "these", "those", "but", "however", "also", "meanwhile"])


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
    concepts: Any  # scipy CSR, units x concepts: 1 where the sentence holds the concept
    bigram: Any  # numpy bool per concept column
    in_titles: Any  # numpy int per concept column: headlines holding it
    counts: Any  # scipy CSR, units x content stems: occurrences
    n_articles: int
    orders: Any  # numpy int per unit: its article's order
    positions: Any  # numpy int per unit: its sentence index in the article
    words: Any  # numpy float per unit: its word count


def _as_analyses(items: Sequence[Article | Analysis | str]) -> list[Analysis]:
    """The analyses of ``items`` (analysed here when they are not yet; texts cleaned first), empty
    articles left out."""
    memo = TokenMemo()
    out: list[Analysis] = []
    for i, item in enumerate(items):
        one = clean_document(RawDocument(id=f"doc{i + 1}", path=f"<text {i + 1}>", text=item)) \
            if isinstance(item, str) else item
        if (one.article if isinstance(one, Analysis) else one).text.strip():
            out.append(analysed(one, memo))
    return out


# "في هذا الاجتماع", "هذه الخطوة": a demonstrative before a definite noun points back at something the
# article said before; "هذا العام", "هذه المرة" point at the time of writing and stand alone.
_DEICTIC_NOUNS = "|".join(normalize(w) for w in words("demonstratives", "deictic_nouns"))
_DEMONSTRATIVES = words("demonstratives", "demonstratives")
_DEMONSTRATIVE_STEMS = words("demonstratives", "stems")  # every demonstrative holds one
_POINTS_BACK_AR = re.compile(rf"(?<!\w)[وف]?(?:{'|'.join(_DEMONSTRATIVES)})\s+(?!(?:{_DEICTIC_NOUNS})(?!\w))ال\w")
_POINTS_BACK_EN = re.compile(r"\b(?:this|these)\s+(?!(?:year|week|month|morning|evening|time|afternoon)\b)[a-z]")

def _is_dangling(tokens: list[str], folded: str, language: str) -> bool:
    """Whether a sentence needs the one before it: an opening that points back ("وأضاف أن", "جاء ذلك",
    a quote after a bare reporting verb) or a demonstrative that does ("في هذا الاجتماع").

    ``tokens``: its first normalized tokens; ``folded``: its normalized text (ة folded).
    """
    if language == "en":
        demonstrative = ("this" in folded or "these" in folded) and _POINTS_BACK_EN.search(folded)
    else:  # substring tests first: the pattern's first letters (و ف ه ت) are everywhere in Arabic
        demonstrative = any(map(folded.__contains__, _DEMONSTRATIVE_STEMS)) and _POINTS_BACK_AR.search(folded)
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


def _eligible(text: str, words: int, cfg: SummaryConfig, punctuated: bool = True) -> bool:
    """Whether a sentence may stand alone in a summary.

    ``punctuated``: the article ends its sentences with punctuation, so a short unterminated line is
    a fragment or caption. In text written without punctuation (a line per sentence) it is not.
    """
    stripped = text.rstrip(_CLOSERS)
    if words < cfg.min_words or words > cfg.max_sentence_words:
        return False
    if text.startswith(_CONTINUES):  # the tail of a sentence cut in two ("، حسيب حسين، في شريط الفيديو.")
        return False
    if stripped.endswith(("?", "؟", ":")):
        return False
    return not punctuated or stripped.endswith((".", "!", "…")) or words >= 12


class _Tokens(NamedTuple):
    """The tokens of a batch of texts, in order, with what the summarizer needs of each."""

    normalized: list[str]  # per text: its normalized text
    lengths: list[int]  # per text: its number of terms
    tokens: list[str]  # every term, in order (normalized)
    stems: list[str]  # the distinct stems, in first-seen order
    ids: Any  # numpy int per token: its stem's index in ``stems``
    stop: Any  # numpy bool per token: a stopword or a number (tested on the folded token)


def _tokens(rows: Sequence[Tokens], language: str) -> _Tokens:
    """The terms of every row, their stem ids and stopword flags, read from the articles' analyses
    (nothing is normalized or stemmed again)."""
    import numpy as np

    norms = list(itertools.chain.from_iterable(r.term_norm for r in rows))
    stems_flat = list(itertools.chain.from_iterable(r.term_stem for r in rows))
    lengths = [len(r.term_norm) for r in rows]
    stems = list(dict.fromkeys(stems_flat))
    stem_index = dict(zip(stems, range(len(stems)), strict=True))
    ids = np.fromiter(map(stem_index.__getitem__, stems_flat), dtype=np.int64, count=len(stems_flat))
    distinct = list(dict.fromkeys(norms))
    stop_words = stopwords(language)
    flags = {n: n in stop_words or is_number(n) for n in distinct}
    stop = np.fromiter(map(flags.__getitem__, norms), dtype=bool, count=len(norms))
    return _Tokens([r.normalized for r in rows], lengths, norms, stems, ids, stop)


def _csr(rows: Any, cols: Any, data: Any, shape: tuple[int, int]) -> Any:
    """A CSR matrix from (row, column) pairs already sorted by row then column, without duplicates."""
    import numpy as np
    from scipy.sparse import csr_matrix

    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    return csr_matrix((data, cols, indptr), shape=shape)


def _unique_pairs(rows: Any, codes: Any, span: int, *, combined: bool | None = None) -> tuple[Any, Any]:
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


def _build_story(analyses: list[Analysis], language: str, cfg: SummaryConfig) -> _Story:
    """Sentences, their eligibility, and their concepts and content-stem counts as sparse rows.

    Stems get integer ids; a bigram is the pair of its ids, so concepts are found with numpy over the
    whole story instead of with sets per sentence.
    """
    import numpy as np

    per_article = [a.sentences for a in analyses]
    n_units = sum(map(len, per_article))
    toks = _tokens([t for a in analyses for t in a.tokens] + [a.title for a in analyses], language)
    lengths = np.array(toks.lengths, dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    n_rows = len(lengths)
    is_stop, ids, n_stems = toks.stop, toks.ids, len(toks.stems)
    row_of = np.repeat(np.arange(n_rows, dtype=np.int64), lengths)
    content = ~is_stop
    pair = (row_of[:-1] == row_of[1:]) & ~(is_stop[:-1] & is_stop[1:])  # bigrams inside a text, not two stopwords
    codes = np.concatenate((ids[content], n_stems + ids[:-1][pair] * n_stems + ids[1:][pair]))
    rows = np.concatenate((row_of[content], row_of[:-1][pair]))
    held_rows, held_codes = _unique_pairs(rows, codes, max(n_stems + n_stems * n_stems, 1))
    columns, col_of = np.unique(held_codes, return_inverse=True)
    in_units = held_rows < n_units
    concepts = _csr(held_rows[in_units], col_of[in_units], np.ones(int(in_units.sum())), (n_units, len(columns)))
    in_titles = np.bincount(col_of[~in_units], minlength=len(columns))

    unit_tokens = row_of < n_units
    stem_pairs, occurrences = np.unique(row_of[content & unit_tokens] * n_stems + ids[content & unit_tokens],
                                        return_counts=True)
    counts = _csr(stem_pairs // max(n_stems, 1), stem_pairs % max(n_stems, 1), occurrences.astype(np.float64),
                  (n_units, n_stems))

    units: list[_Unit] = []
    starts = offsets.tolist()  # Python ints: indexing a numpy array per sentence is slow
    uncapped = replace(cfg, max_sentence_words=1 << 30)
    row = 0
    for order, ss in enumerate(per_article):
        # Most sentences unterminated: the text is written without punctuation, not made of captions.
        punctuated = 2 * sum(map(is_terminated, (s.text for s in ss))) >= len(ss)
        after_semicolon = False
        for s in ss:
            words = word_count(s.text)
            eligible = _eligible(s.text, words, cfg, punctuated)
            overlong = words > cfg.max_sentence_words and _eligible(s.text, words, uncapped, punctuated)
            dangling = False
            if eligible or overlong:  # only candidates need it
                head = toks.tokens[starts[row]:min(starts[row] + 3, starts[row + 1])]
                # After "؛" the clause goes on ("... من تالكا ؛ 165كم إلى الجنوب"): it needs the one before.
                dangling = after_semicolon or _is_dangling(head, toks.normalized[row], language)
            after_semicolon = s.text.rstrip().endswith(("؛", ";"))
            units.append(_Unit(s, order, words, eligible, dangling, overlong))
            row += 1
    return _Story(units, concepts, columns >= n_stems, in_titles, counts, len(analyses),
                  np.array([u.order for u in units], dtype=np.int64),
                  np.array([u.sentence.index for u in units], dtype=np.int64),
                  np.array([u.words for u in units], dtype=np.float64))


def _concept_weights(story: _Story, cfg: SummaryConfig) -> Any:
    """Weight of each concept column: the articles that carry it, each counting more when it says it early.

    An article contributes ``1 / (1 + i) ** position_decay`` where ``i`` is the index of its first
    sentence with the concept; concepts carried by fewer than ``min_support`` articles weigh nothing.
    With one article, the number of sentences carrying the concept plays the same role. Each headline
    that carries a concept adds ``title_weight`` (headlines say what an article is about). Unigrams
    weigh ``unigram_weight`` of that.
    """
    import numpy as np

    matrix = story.concepts
    n_cols = matrix.shape[1]
    cols = matrix.indices.astype(np.int64)
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    if story.n_articles > 1:
        article = story.orders[rows]
        index = story.positions[rows]
        key = article * n_cols + cols
        by_key = np.lexsort((index, key))  # per (article, concept), its earliest sentence first
        firsts, at = np.unique(key[by_key], return_index=True)
        concept = firsts % n_cols
        support = np.bincount(concept, minlength=n_cols)
        value = np.bincount(concept, weights=1.0 / (1.0 + index[by_key][at]) ** cfg.position_decay,
                            minlength=n_cols)  # summed in article order
    else:
        support = np.bincount(cols, minlength=n_cols)
        value = support.astype(np.float64)
    weights = (value + cfg.title_weight * story.in_titles) * np.where(story.bigram, 1.0, cfg.unigram_weight)
    weights[support < cfg.min_support] = 0.0
    return weights


class _Redundancy:
    """Cosine of content-stem counts between a candidate and the sentences chosen so far (chosen rows
    are kept dense, so a check is one small product)."""

    def __init__(self, story: _Story) -> None:
        import numpy as np

        counts = story.counts
        self.indptr, self.indices, self.data = counts.indptr, counts.indices, counts.data
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        self.norms = np.sqrt(np.bincount(rows, weights=self.data * self.data, minlength=counts.shape[0]))
        self.chosen = np.zeros((8, counts.shape[1]))
        self.chosen_norms: list[float] = []

    def add(self, i: int) -> None:
        import numpy as np

        k = len(self.chosen_norms)
        if k == len(self.chosen):
            self.chosen = np.vstack((self.chosen, np.zeros_like(self.chosen)))
        lo, hi = self.indptr[i], self.indptr[i + 1]
        self.chosen[k, self.indices[lo:hi]] = self.data[lo:hi]
        self.chosen_norms.append(float(self.norms[i]))

    def too_close(self, i: int, threshold: float) -> bool:
        """Whether sentence ``i``'s cosine with a chosen one exceeds ``threshold``."""
        import numpy as np

        k = len(self.chosen_norms)
        lo, hi = self.indptr[i], self.indptr[i + 1]
        if not k or lo == hi:
            return False
        shared = self.chosen[:k, self.indices[lo:hi]] @ self.data[lo:hi]
        return bool((shared > threshold * self.norms[i] * np.array(self.chosen_norms)).any())


def _select(story: _Story, weights: Any, max_words: int, cfg: SummaryConfig) -> list[int]:
    """Budgeted greedy concept coverage; returns the chosen rows in the order they were taken.

    Each round takes the best sentence by covered-weight gain per word (``length_exponent``) plus the
    lead-position term, doubled (``new_article_bonus``) for an article not yet represented; ties go
    to the earlier article and sentence. A sentence over the budget, too close to a chosen one, or
    pointing back to a predecessor not chosen (it waits for it) is passed over. What budget is left
    is filled with the densest remaining sentences that fit.
    """
    import numpy as np

    units = story.units
    matrix = story.concepts
    words, orders, position = story.words, story.orders, 1.0 + story.positions
    pool = np.fromiter((u.eligible for u in units), dtype=bool, count=len(units)) & (words <= max_words)
    per_word = np.maximum(words, 1.0) ** cfg.length_exponent
    uncovered = np.array(weights, dtype=np.float64)
    represented = np.zeros(story.n_articles, dtype=bool)
    close = _Redundancy(story)
    chosen: list[int] = []
    taken: set[tuple[int, int]] = set()
    used = 0

    def scores() -> Any:
        gain = matrix @ uncovered
        value = gain / per_word + cfg.position_prior * gain / position
        return value * np.where(represented[orders], 1.0, 1 + cfg.new_article_bonus)

    def take(i: int) -> None:
        nonlocal used
        u = units[i]
        chosen.append(i)
        taken.add((u.order, u.sentence.index))
        represented[u.order] = True
        uncovered[matrix.indices[matrix.indptr[i]:matrix.indptr[i + 1]]] = 0.0
        close.add(i)
        used += u.words

    alive = pool.copy()
    waiting: dict[tuple[int, int], int] = {}  # dangling sentences waiting for their predecessor
    score = scores()
    while True:
        masked = np.where(alive, score, -np.inf)
        i = int(np.argmax(masked))  # the first of equal scores: the earlier article and sentence
        if not masked[i] > 0:
            break
        alive[i] = False
        u = units[i]
        if used + u.words > max_words:
            continue
        if u.dangling and (u.order, u.sentence.index - 1) not in taken:
            waiting[(u.order, u.sentence.index - 1)] = i
            continue
        if close.too_close(i, cfg.redundancy):
            continue
        take(i)
        nxt = waiting.pop((u.order, u.sentence.index), None)
        if nxt is not None:
            alive[nxt] = True
        alive &= words <= max_words - used  # what no longer fits never will
        score = scores()
    # Fill what is left of the budget with the densest remaining sentences that still fit.
    density = (matrix @ np.asarray(weights, dtype=np.float64)) / np.maximum(words, 1.0)
    rest = np.flatnonzero(pool & (words <= max_words - used)).tolist()
    for i in sorted((i for i in rest if i not in chosen), key=lambda i: (-density[i], i)):
        u = units[i]
        if used + u.words > max_words:
            continue
        if u.dangling and (u.order, u.sentence.index - 1) not in taken:
            continue
        if not close.too_close(i, cfg.redundancy):
            take(i)
    return chosen


def _select_ilp(story: _Story, weights: Any, max_words: int, cfg: SummaryConfig) -> list[int]:
    """Exact concept coverage (Gillick & Favre 2009) with HiGHS: max covered weight under the budget.

    Variables: one per eligible sentence and one per weighted concept. A concept counts once, when a
    chosen sentence holds it; a per-sentence position term breaks ties towards article leads.
    Dangling sentences may only be chosen with their predecessor; near-duplicates exclude each other.
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import bmat, coo_matrix, csr_matrix, diags

    units = story.units
    pool = [i for i, u in enumerate(units) if u.eligible and u.words <= max_words]
    if not pool:
        return []
    weights = np.asarray(weights, dtype=np.float64)
    cols = np.flatnonzero(weights > 0)
    held = story.concepts[pool][:, cols]  # pool x weighted concepts
    n, m = held.shape
    mean_w = float(weights[cols].mean()) if m else 0.0
    index = np.array([units[i].sentence.index for i in pool], dtype=np.float64)
    cost = np.concatenate((-cfg.position_prior * mean_w * np.asarray(held.sum(axis=1)).ravel() / (1 + index),
                           -weights[cols]))
    budget = csr_matrix(np.concatenate(([units[i].words for i in pool], np.zeros(m)))[None, :])
    cover = bmat([[-held.T.tocsr(), diags(np.ones(m))]])  # a concept only if a holder is chosen
    extra: list[tuple[list[int], list[float]]] = []
    at = {(units[i].order, units[i].sentence.index): k for k, i in enumerate(pool)}
    for k, i in enumerate(pool):
        u = units[i]
        if u.dangling:
            prev = at.get((u.order, u.sentence.index - 1))
            extra.append(([k], [1.0]) if prev is None else ([k, prev], [1.0, -1.0]))
    counts = story.counts[pool]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    sims = (counts @ counts.T).toarray() / np.maximum(np.outer(norms, norms), 1e-300)
    orders = np.array([units[i].order for i in pool])
    exclusive = [(a, b) for a, b in zip(*np.nonzero(np.triu(sims > cfg.redundancy, 1)), strict=True)
                 if orders[a] != orders[b]]
    rows = [r for r, _ in extra] + [[int(a), int(b)] for a, b in exclusive]
    vals = [v for _, v in extra] + [[1.0, 1.0] for _ in exclusive]
    his = [0.0] * len(extra) + [1.0] * len(exclusive)
    pairs = coo_matrix((np.array([v for vs in vals for v in vs]),
                        (np.repeat(np.arange(len(rows)), [len(r) for r in rows]).astype(np.int64),
                         np.array([c for r in rows for c in r], dtype=np.int64))), shape=(len(rows), n + m))
    constraints = [LinearConstraint(budget, -np.inf, max_words), LinearConstraint(cover, -np.inf, 0)]
    if rows:
        constraints.append(LinearConstraint(pairs.tocsr(), -np.inf, np.array(his)))
    res = milp(cost, constraints=constraints, integrality=np.ones(n + m), bounds=Bounds(0, 1),
               options={"time_limit": 2.0})
    if res.x is None:
        log.info("the exact solver found no solution within its time limit (%d sentences): greedy selection",
                 len(pool))
        return _select(story, weights, max_words, cfg)
    return [i for k, i in enumerate(pool) if res.x[k] > 0.5]


def _fact_matrix(story: _Story, idf_units: int | None = None) -> Any:
    """The sentences as rows of unit length over their content stems, weighted by IDF over the story's
    sentences (a ``scipy.sparse.csr_matrix``, one row per unit); ``idf_units``: only the first that many
    units count for the IDF (the story's own, not the copies cited beside them).

    Words every outlet uses for the story (صندوق، المياه) say little about which *fact* a sentence
    states; the rarer words it shares with another sentence do.
    """
    import numpy as np
    from scipy.sparse import csr_matrix

    counts = story.counts
    n_units = counts.shape[0]
    n_idf = n_units if idf_units is None else idf_units
    df = np.bincount(counts.indices[:counts.indptr[n_idf]], minlength=counts.shape[1])
    idf = np.log1p(n_idf / np.maximum(df, 1))[counts.indices]
    values = np.where(counts.data > 1, (1 + np.log(counts.data)) * idf, idf)
    lengths = np.diff(counts.indptr)
    row_of = np.repeat(np.arange(n_units), lengths)
    norms = np.sqrt(np.bincount(row_of, weights=values * values, minlength=n_units))
    values = values / np.maximum(norms, 1e-300)[row_of]
    return csr_matrix((values, counts.indices, counts.indptr), shape=counts.shape)


def _similarity_rows(facts: Any, rows: list[int], chunk: int = 64) -> Iterator[Any]:
    """Per row in ``rows``, its cosines with every sentence (a dense numpy row).

    ``chunk`` rows at a time are spread into a dense block and multiplied by the sparse matrix (4x
    faster than a sparse product), so citing a large story never holds a sentences x sentences matrix.
    """
    import numpy as np

    indptr, indices, data = facts.indptr, facts.indices, facts.data
    for lo in range(0, len(rows), chunk):
        block = np.zeros((len(rows[lo:lo + chunk]), facts.shape[1]))
        for k, r in enumerate(rows[lo:lo + chunk]):
            block[k, indices[indptr[r]:indptr[r + 1]]] = data[indptr[r]:indptr[r + 1]]
        yield from (facts @ block.T).T


def _citations(rows: Sequence[int], story: _Story, facts: Any, articles: list[Article],
               cfg: SummaryConfig) -> list[tuple[Citation, ...]]:
    """Per unit in ``rows``: its own span, then per other article the closest sentence (cosine of
    their fact rows) at or above ``cite_threshold``, closest first (ties: the earlier sentence)."""
    import numpy as np

    def cite(u: _Unit, sim: float) -> Citation:
        art = articles[u.order]
        s = u.sentence
        return Citation(art.id, art.credit, art.date, s.index, s.start, s.end, sim)

    units, orders = story.units, story.orders
    rows = list(rows)
    out: list[tuple[Citation, ...]] = []
    for i, row in zip(rows, _similarity_rows(facts, rows), strict=True):
        unit = units[i]
        best: dict[int, tuple[float, _Unit]] = {}
        for j in np.flatnonzero((row >= cfg.cite_threshold) & (orders != unit.order)).tolist():
            other, sim = units[j], float(row[j])
            prev = best.get(other.order)
            if prev is None or sim > prev[0]:
                best[other.order] = (sim, other)
        others = sorted(best.values(), key=lambda t: (-t[0], t[1].order))
        out.append((cite(unit, 1.0), *(cite(u, round(sim, 6)) for sim, u in others)))
    return out


def _reading_dates(articles: list[Article], units: list[_Unit], facts: Any) -> list[tuple[dt.date | None, bool]]:
    """Per article, the date it is read at and whether that date is borrowed.

    A dated article is read at its date. An undated one is read at the date of the dated article
    closest to it in content (sum of its sentences' fact rows), after that date's own articles:
    an undated report of a conference belongs beside the conference, not after every later event.
    With no dated article sharing a word, it stays undated (read last).
    """
    import numpy as np
    from scipy.sparse import csr_matrix

    own = [(a.date, False) for a in articles]
    dated = [i for i, a in enumerate(articles) if a.date]
    if not dated or len(dated) == len(articles):
        return own
    membership = csr_matrix((np.ones(len(units)), ([u.order for u in units], range(len(units)))),
                            shape=(len(articles), len(units)))
    profiles = (membership @ facts).toarray()
    profiles /= np.maximum(np.linalg.norm(profiles, axis=1, keepdims=True), 1e-300)
    sims = profiles @ profiles[dated].T
    for i, a in enumerate(articles):
        if a.date is None:
            k = max(range(len(dated)), key=lambda k: (sims[i, k], -k))  # ties: the earlier article in input order
            if sims[i, k] > 0:
                own[i] = (articles[dated[k]].date, True)
    return own


def _language(analyses: Sequence[Analysis], language: str | None) -> str:
    lang = language or Counter(a.article.language for a in analyses).most_common(1)[0][0]
    return lang if lang in ("ar", "en") else "ar"


def cite_all(items: Sequence[Article | Analysis | str], *, language: str | None = None,
             config: SummaryConfig = DEFAULT_CONFIG) -> tuple[SummarySentence, ...]:
    """Every sentence of the articles with its citations, as ``summarize`` would cite it if chosen.

    Answers "which other outlets report this sentence?" for a whole story; articles in input order,
    sentences in article order.
    """
    analyses = _as_analyses(items)
    if not analyses:
        return ()
    story = _build_story(analyses, _language(analyses, language), config)
    articles = [a.article for a in analyses]
    cited = _citations(range(len(story.units)), story, _fact_matrix(story), articles, config)
    return tuple(SummarySentence(u.sentence, c) for u, c in zip(story.units, cited, strict=True))


def summarize(items: Sequence[Article | Analysis | str], max_words: int | None = None, *,
              language: str | None = None, config: SummaryConfig = DEFAULT_CONFIG,
              also_cite: Sequence[Article | Analysis] = ()) -> Summary:
    """Summarize the articles of one story within ``max_words`` words, every sentence cited.

    Args:
        items: khulasa ``Article``s, or plain article texts (cleaned as ingestion would).
        max_words: budget in whitespace-separated words; never exceeded (default: ``config.max_words``).
        language: "ar" or "en"; by default the language of most articles.
        config: selection knobs.
        also_cite: articles that are never summarized but are cited where they report a chosen
            sentence, by the same rule as the others (the story's folded copies: every outlet that
            carried the wire copy is credited).

    Returns:
        A ``Summary`` whose sentences are input sentences in reading order, each citing its own
        span first and then the matching sentence of every other article that reports it.
    """
    max_words = config.max_words if max_words is None else max_words
    if max_words < 1:
        raise ValueError(f"max_words must be at least 1, got {max_words}")
    analyses = _as_analyses(items)
    if not analyses:
        return Summary((), max_words, ())
    articles = [a.article for a in analyses]
    story = _build_story(analyses, _language(analyses, language), config)
    weights = _concept_weights(story, config)
    eligible = sum(u.eligible for u in story.units)
    use_ilp = config.solver == "ilp" and eligible <= config.ilp_max_sentences
    if config.solver == "ilp" and not use_ilp:
        log.info("%d candidate sentences, over summary.ilp_max_sentences (%d): greedy selection instead of the "
                 "exact solver", eligible, config.ilp_max_sentences)
    rows = (_select_ilp if use_ilp else _select)(story, weights, max_words, config)
    if not rows and any(u.overlong and u.words <= max_words for u in story.units):
        # Only sentences longer than max_sentence_words would fit: better one long sentence than none.
        story = replace(story, units=[u._replace(eligible=True) if u.overlong else u for u in story.units])
        rows = _select(story, weights, max_words, config)
    units = story.units
    facts = _fact_matrix(story)
    far = dt.date.max
    leads = {units[i].order for i in rows if units[i].sentence.index == 0}
    dates = _reading_dates(articles, units, facts)
    rows = sorted(rows, key=lambda i: (dates[units[i].order][0] or far, dates[units[i].order][1],
                                       units[i].order not in leads, units[i].order, units[i].sentence.index))
    if also_cite:  # one citation rule for all: the copies' sentences join the rows cited, not the IDF
        extra = _as_analyses(also_cite)
        cite_story = _build_story(analyses + extra, _language(analyses, language), config)
        cited = _citations(rows, cite_story, _fact_matrix(cite_story, len(units)), articles + [a.article for a in extra],
                           config)
    else:
        cited = _citations(rows, story, facts, articles, config)
    out = tuple(SummarySentence(units[i].sentence, c) for i, c in zip(rows, cited, strict=True))
    return Summary(out, max_words, tuple(a.id for a in articles))
