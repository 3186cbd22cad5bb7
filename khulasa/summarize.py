"""Multi-document extractive summarization with citations.

Method (Gillick & Favre's concept-coverage model, solved exactly with HiGHS):

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
   model exactly with HiGHS, ~5x slower for no measured gain); a sentence too close to one already
   chosen is skipped. Leftover budget is filled with the best
   sentences that still fit.
4. Order: article date; on one date, articles whose lead was chosen first (a summary opens with a
   lead, not with "ويزن القمر ..."); then article, then position (dateline context stays with the lead).
5. Citations: each chosen sentence cites its own span and, for every other article, the sentence
   that reports the same content (stem overlap above a threshold).

Deterministic: same input, same output (ties break on article order and sentence index).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import operator
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from khulasa.ingest.clean import RawDocument, clean_document
from khulasa.ingest.meta import is_terminated
from khulasa.model import Article, Citation, Sentence, Summary, SummarySentence
from khulasa.text import _TOKEN, normalize, sentences, stopwords, word_count
from khulasa.text import _stemmer as stemmer_for
from khulasa.vectors import dot


@dataclass(frozen=True, slots=True)
class SummaryConfig:
    """Tunable knobs of the summarizer (defaults chosen on principle, see module docstring)."""

    min_words: int = 6
    max_sentence_words: int = 80
    position_decay: float = 1.0  # an article's vote for a concept decays with the position where it appears
    position_prior: float = 2.0  # weight of the lead-position term 1/(1+index) in the selection score
    length_exponent: float = 0.7
    unigram_weight: float = 0.5
    new_article_bonus: float = 1.0  # favour sentences from articles (outlets) not yet in the summary
    title_weight: float = 1.0  # extra weight per headline that carries a concept
    min_support: int = 2  # articles (or, for one article, sentences) that must carry a concept
    solver: str = "greedy"  # "greedy" (fast, same objective) or "ilp" (exact, with HiGHS; ~5x slower)
    ilp_max_sentences: int = 400  # larger inputs use the greedy solver (the ILP's pair constraints are quadratic)
    redundancy: float = 0.5  # max unigram cosine with an already chosen sentence
    cite_threshold: float = 0.2  # min cosine of story-IDF-weighted content stems for a citation


DEFAULT_CONFIG = SummaryConfig()

_DANGLING_AR = frozenset(
    normalize(w)
    for w in ["وأضاف", "وأضافت", "أضاف", "وتابع", "وتابعت", "تابع", "وأوضح", "وأوضحت", "أوضح", "وأشار", "وأشارت", "أشار", "وأكد", "وأكدت", "أكد", "وقال", "وقالت", "وبين", "وبينت", "وذكر", "وذكرت", "واعتبر", "واعتبرت", "ولفت", "ولفتت", "وشدد", "وشددت", "وأعرب", "وأعربت", "ومضى", "واستطرد", "وختم", "وأفاد", "وأفادت", "ورأى", "ولاحظ", "وأردف", "واعترف"]
)
_POINTING_AR = frozenset(normalize(w) for w in ["إلى", "الى", "أن", "ان", "إن", "انه", "أنه", "إنه", "انها", "أنها", "في", "خلال", "قائلا", "مشيرا", "بأن"])
_BACKREF_AR = tuple(normalize(w) for w in ("جاء ذلك", "وجاء ذلك", "ويأتي ذلك", "يأتي ذلك", "وذلك", "وهذا", "وهذه"))
_QUOTE_AFTER_VERB = re.compile(
    r"^\s*(?:" + "|".join(sorted(map(re.escape, _DANGLING_AR), key=len, reverse=True)) + r")\s*[:\"“«']")
_DANGLING_EN = frozenset(["he", "she", "they", "it", "this", "these", "those", "but", "however", "also", "meanwhile"])


class _Unit(NamedTuple):
    """A candidate sentence with what selection needs (immutable; a NamedTuple because a story makes
    one per sentence and a frozen dataclass is five times slower to build)."""

    sentence: Sentence
    order: int  # article order in the input
    words: int
    concepts: frozenset[str]
    unigrams: Counter[str]
    norm: float
    eligible: bool
    dangling: bool
    overlong: bool = False  # would be eligible but for ``max_sentence_words``


def _as_articles(items: Sequence[Article | str]) -> list[Article]:
    out: list[Article] = []
    for i, item in enumerate(items):
        if isinstance(item, Article):
            out.append(item)
        else:
            out.append(clean_document(RawDocument(id=f"doc{i + 1}", path=f"<text {i + 1}>", text=item)))
    return [a for a in out if a.text.strip()]


# "في هذا الاجتماع", "هذه الخطوة": a demonstrative before a definite noun points back at something the
# article said before; "هذا العام", "هذه المرة" point at the time of writing and stand alone.
_DEICTIC_NOUNS = "|".join(normalize(w) for w in (
    "العام", "الشهر", "الأسبوع", "اليوم", "الصباح", "المساء", "الأيام", "الأثناء", "المرة", "السنة", "الموسم",
    "الفترة", "اللحظة", "الساعة", "الليلة"))
_POINTS_BACK_AR = re.compile(rf"(?<!\w)[وف]?(?:هذا|هذه|هذين|هاتين|هؤلاء|تلك)\s+(?!(?:{_DEICTIC_NOUNS})(?!\w))ال\w")
_POINTS_BACK_EN = re.compile(r"\b(?:this|these)\s+(?!(?:year|week|month|morning|evening|time|afternoon)\b)[a-z]")

def _is_dangling(tokens: list[str], folded: str, language: str) -> bool:
    """Whether a sentence needs the one before it: an opening that points back ("وأضاف أن", "جاء ذلك",
    a quote after a bare reporting verb) or a demonstrative that does ("في هذا الاجتماع").

    ``tokens``: its first normalized tokens; ``folded``: its normalized text (ة folded).
    """
    if (_POINTS_BACK_EN if language == "en" else _POINTS_BACK_AR).search(folded) or _QUOTE_AFTER_VERB.match(folded):
        return True
    if not tokens:
        return False
    if language == "en":
        return tokens[0] in _DANGLING_EN
    head = " ".join(tokens[:3])
    if tokens[0] in _DANGLING_AR and (len(tokens) == 1 or tokens[1] in _POINTING_AR):
        return True
    return any(head.startswith(b) for b in _BACKREF_AR)


_CLOSERS = "\"'”’»)] "


def _eligible(text: str, words: int, cfg: SummaryConfig, punctuated: bool = True) -> bool:
    """Whether a sentence may stand alone in a summary.

    ``punctuated``: the article ends its sentences with punctuation, so a short unterminated line is
    a fragment or caption. In text written without punctuation (a line per sentence) it is not.
    """
    stripped = text.rstrip(_CLOSERS)
    if words < cfg.min_words or words > cfg.max_sentence_words:
        return False
    if stripped.endswith(("?", "؟", ":")):
        return False
    return not punctuated or stripped.endswith((".", "!", "…")) or words >= 12


_SEP = "\x00"  # joins the sentences of an article so that each step runs once per article


def _analyse(texts: Sequence[str], language: str) -> list[tuple[frozenset[str], Counter[str], list[str], str]]:
    """Per text: concepts (stem bigrams not both stopwords, and content stems), content-stem counts,
    its first three normalized tokens, and the normalized text.

    Normalization and stemming run once over all ``texts`` (the sentences of one article): Python
    calls per sentence were most of the summarizer's time.
    """
    if not texts:
        return []
    if any(_SEP in t for t in texts):
        return [r for t in texts for r in _analyse([t.replace(_SEP, " ")], language)]
    unfolded = normalize(_SEP.join(texts), fold_ta=False).split(_SEP)
    per_text = [_TOKEN.findall(u) for u in unfolded]
    flat = [t for toks in per_text for t in toks]
    # Stemming sees ة; stems and tokens are then folded (ة→ه) in one pass each.
    all_stems = _SEP.join(stemmer_for(language).stemWords(flat)).replace("ة", "ه").split(_SEP)
    all_keys = _SEP.join(flat).replace("ة", "ه").split(_SEP)
    stop = stopwords(language)
    # Per token: stopword or number; per neighbouring pair: its bigram, unless both are stopwords.
    # Built once for the whole text with C-level maps, then sliced per sentence.
    is_stop = list(map(operator.or_, map(stop.__contains__, all_keys), map(str.isdigit, all_keys)))
    keep_pair = list(map(operator.not_, map(operator.and_, is_stop, is_stop[1:])))
    pairs = list(map(" ".join, itertools.pairwise(all_stems)))
    out: list[tuple[frozenset[str], Counter[str], list[str], str]] = []
    at = 0
    for u, toks in zip(unfolded, per_text, strict=True):
        folded = u.replace("ة", "ه")
        n = len(toks)
        if not n:
            out.append((frozenset(), Counter(), [], folded))
            continue
        end = at + n
        content = list(itertools.compress(all_stems[at:end], map(operator.not_, is_stop[at:end])))
        concepts = set(itertools.compress(pairs[at:end - 1], keep_pair[at:end - 1]))
        concepts.update(content)
        out.append((frozenset(concepts), Counter(content), all_keys[at:min(end, at + 3)], folded))
        at = end
    return out


def _units(articles: list[Article], language: str, cfg: SummaryConfig) -> list[_Unit]:
    units: list[_Unit] = []
    uncapped = replace(cfg, max_sentence_words=1 << 30)
    for order, article in enumerate(articles):
        sents = sentences(article)
        # Most sentences unterminated: the text is written without punctuation, not made of captions.
        punctuated = 2 * sum(map(is_terminated, (s.text for s in sents))) >= len(sents)
        for s, (concepts, content, head, folded) in zip(sents, _analyse([s.text for s in sents], language),
                                                       strict=True):
            words = word_count(s.text)
            norm = math.sqrt(math.fsum([v * v for v in content.values()]))
            eligible = _eligible(s.text, words, cfg, punctuated)
            overlong = words > cfg.max_sentence_words and _eligible(s.text, words, uncapped, punctuated)
            dangling = (eligible or overlong) and _is_dangling(head, folded, language)  # only candidates need it
            units.append(_Unit(s, order, words, concepts, content, norm, eligible, dangling, overlong))
    return units


def _concept_weights(units: list[_Unit], titles: list[frozenset[str]], cfg: SummaryConfig) -> dict[str, float]:
    """Weight of each concept: the articles that carry it, each counting more when it says it early.

    An article contributes ``1 / (1 + i) ** position_decay`` where ``i`` is the index of its first
    sentence with the concept; concepts carried by fewer than two articles get no weight. With one
    article, the number of sentences carrying the concept plays the same role. Each headline that
    carries a concept adds ``title_weight`` (headlines say what an article is about).
    """
    n_articles = len(titles)
    in_titles: Counter[str] = Counter(c for t in titles for c in t)
    value: dict[str, float] = {}
    if n_articles > 1:
        firsts: dict[int, dict[str, int]] = {}  # article → concept → index of its first sentence with it
        for u in reversed(units):  # later sentences first: each concept ends with its earliest index
            firsts.setdefault(u.order, {}).update(dict.fromkeys(u.concepts, u.sentence.index))
        support: Counter[str] = Counter()
        for first in firsts.values():
            support.update(first.keys())
        shared = {c for c, n in support.items() if n >= cfg.min_support}
        for order in sorted(firsts):
            first = firsts[order]
            for c in shared & first.keys():
                value[c] = value.get(c, 0.0) + 1.0 / (1 + first[c]) ** cfg.position_decay
    else:
        support = Counter(c for u in units for c in u.concepts)
        value = {c: float(n) for c, n in support.items() if n >= cfg.min_support}
    weights: dict[str, float] = {}
    for c, v in value.items():
        weights[c] = (v + cfg.title_weight * in_titles[c]) * (1.0 if " " in c else cfg.unigram_weight)
    return weights


def _cosine(a: _Unit, b: _Unit) -> float:
    """Cosine of the content-stem counts of two sentences."""
    if not a.norm or not b.norm:
        return 0.0
    shared = dot(a.unigrams, b.unigrams)
    return shared / (a.norm * b.norm) if shared else 0.0


def _select(units: list[_Unit], weights: dict[str, float], max_words: int, cfg: SummaryConfig) -> list[_Unit]:
    """Budgeted greedy concept coverage, lazily evaluated (CELF: gains only shrink as coverage grows)."""
    import heapq

    chosen: list[_Unit] = []
    chosen_keys: set[tuple[int, int]] = set()
    covered: set[str] = set()
    used = 0
    pool = [u for u in units if u.eligible and u.words <= max_words]

    represented: set[int] = set()
    # Each sentence's weighted concepts (most concepts weigh nothing: one article carries them).
    weighted = weights.keys()
    held = {id(u): [(c, weights[c]) for c in weighted & u.concepts] for u in pool}

    def score(u: _Unit) -> float:
        gain = sum(w for c, w in held[id(u)] if c not in covered)
        value = gain / (u.words ** cfg.length_exponent) + cfg.position_prior * gain / (1 + u.sentence.index)
        return float(value * (1 + cfg.new_article_bonus) if u.order not in represented else value)

    def redundant(u: _Unit) -> bool:
        return any(_cosine(u, c) > cfg.redundancy for c in chosen)

    def take(u: _Unit) -> None:
        nonlocal used
        chosen.append(u)
        chosen_keys.add((u.order, u.sentence.index))
        represented.add(u.order)
        covered.update(u.concepts)
        used += u.words

    heap = [(-score(u), u.order, u.sentence.index, i, 0) for i, u in enumerate(pool)]
    heapq.heapify(heap)
    waiting: dict[tuple[int, int], int] = {}  # dangling sentences waiting for their predecessor
    round_ = 0
    while heap:
        neg, order, index, i, stamp = heapq.heappop(heap)
        u = pool[i]
        if -neg <= 0 or used + u.words > max_words:
            continue
        if stamp != round_:
            heapq.heappush(heap, (-score(u), order, index, i, round_))
            continue
        if u.dangling and (order, index - 1) not in chosen_keys:
            waiting[(order, index - 1)] = i
            continue
        if redundant(u):
            continue
        take(u)
        round_ += 1
        nxt = waiting.pop((order, index), None)
        if nxt is not None:
            heapq.heappush(heap, (-score(pool[nxt]), order, index + 1, nxt, round_))
    # Fill what is left of the budget with the best remaining sentences that still fit.
    rest = sorted((u for u in pool if (u.order, u.sentence.index) not in chosen_keys),
                  key=lambda u: (-sum(w for _, w in held[id(u)]) / u.words, u.order,
                                 u.sentence.index))
    for u in rest:
        if used + u.words > max_words:
            continue
        if u.dangling and (u.order, u.sentence.index - 1) not in chosen_keys:
            continue
        if not redundant(u):
            take(u)
    return chosen


def _select_ilp(units: list[_Unit], weights: dict[str, float], max_words: int, cfg: SummaryConfig) -> list[_Unit]:
    """Exact concept coverage (Gillick & Favre 2009) with HiGHS: max covered weight under the budget.

    Variables: one per eligible sentence and one per weighted concept. A concept counts once, when a
    chosen sentence holds it; a per-sentence position term breaks ties towards article leads.
    Dangling sentences may only be chosen with their predecessor.
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    pool = [u for u in units if u.eligible and u.words <= max_words]
    if not pool:
        return []
    concepts = sorted({c for u in pool for c in u.concepts if c in weights})
    cidx = {c: i for i, c in enumerate(concepts)}
    n, m = len(pool), len(concepts)
    mean_w = float(np.mean([weights[c] for c in concepts])) if concepts else 0.0
    cost = np.zeros(n + m)
    for i, u in enumerate(pool):
        cost[i] = -cfg.position_prior * mean_w * sum(1 for c in u.concepts if c in cidx) / (1 + u.sentence.index)
    for c, j in cidx.items():
        cost[n + j] = -weights[c]
    rows: list[tuple[dict[int, float], float, float]] = [({i: float(u.words) for i, u in enumerate(pool)}, 0, max_words)]
    holders: dict[int, list[int]] = {}
    for i, u in enumerate(pool):
        for c in u.concepts:
            if c in cidx:
                holders.setdefault(cidx[c], []).append(i)
    for j, hs in holders.items():
        rows.append(({n + j: 1.0, **dict.fromkeys(hs, -1.0)}, -np.inf, 0))  # concept only if a holder is chosen
    index = {(u.order, u.sentence.index): i for i, u in enumerate(pool)}
    for i, u in enumerate(pool):
        if u.dangling:
            prev = index.get((u.order, u.sentence.index - 1))
            rows.append(({i: 1.0} if prev is None else {i: 1.0, prev: -1.0}, -np.inf, 0))
    for a in range(n):  # near-duplicate sentences exclude each other
        for b in range(a + 1, n):
            if pool[a].order != pool[b].order and _cosine(pool[a], pool[b]) > cfg.redundancy:
                rows.append(({a: 1.0, b: 1.0}, -np.inf, 1))
    mat = lil_matrix((len(rows), n + m))
    lo, hi = np.empty(len(rows)), np.empty(len(rows))
    for r, (coefs, low, high) in enumerate(rows):
        for k, v in coefs.items():
            mat[r, k] = v
        lo[r], hi[r] = low, high
    res = milp(cost, constraints=LinearConstraint(mat.tocsr(), lo, hi), integrality=np.ones(n + m),
               bounds=Bounds(0, 1), options={"time_limit": 2.0})
    if res.x is None:
        return _select(units, weights, max_words, cfg)
    return [u for i, u in enumerate(pool) if res.x[i] > 0.5]


def _fact_matrix(units: list[_Unit]) -> Any:
    """The sentences as rows of unit length over their content stems, weighted by IDF over the story's
    sentences (a ``scipy.sparse.csr_matrix``, one row per unit, columns in first-seen order).

    Words every outlet uses for the story (صندوق، المياه) say little about which *fact* a sentence
    states; the rarer words it shares with another sentence do.
    """
    import numpy as np
    from scipy.sparse import csr_matrix

    keys = [k for u in units for k in u.unigrams]
    column = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    cols = np.fromiter(map(column.__getitem__, keys), dtype=np.int64, count=len(keys))
    counts = np.fromiter((c for u in units for c in u.unigrams.values()), dtype=np.float64, count=len(keys))
    indptr = np.zeros(len(units) + 1, dtype=np.int64)
    np.cumsum([len(u.unigrams) for u in units], out=indptr[1:])
    idf = np.log1p(len(units) / np.bincount(cols, minlength=len(column)))[cols]
    values = np.where(counts > 1, (1 + np.log(counts)) * idf, idf)
    norms = np.sqrt(np.add.reduceat(values * values, indptr[:-1])) if len(values) else np.zeros(0)
    lengths = np.diff(indptr)
    norms = np.where(lengths > 0, norms, 1.0)  # reduceat gives a neighbour's value for an empty row
    values /= np.repeat(norms, lengths)
    return csr_matrix((values, cols, indptr), shape=(len(units), len(column)))


def _citations(rows: Sequence[int], units: list[_Unit], facts: Any, articles: list[Article],
               cfg: SummaryConfig) -> list[tuple[Citation, ...]]:
    """Per unit in ``rows``: its own span, then per other article the closest sentence (cosine of
    their fact rows) at or above ``cite_threshold``, closest first (ties: the earlier sentence)."""
    import numpy as np

    def cite(u: _Unit, sim: float) -> Citation:
        art = articles[u.order]
        s = u.sentence
        return Citation(art.id, art.credit, art.date, s.index, s.start, s.end, sim)

    if not rows:
        return []
    orders = np.fromiter((u.order for u in units), dtype=np.int64, count=len(units))
    sims = (facts[list(rows)] @ facts.T).toarray()
    out: list[tuple[Citation, ...]] = []
    for i, row in zip(rows, sims, strict=True):
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


def _language(articles: Sequence[Article], language: str | None) -> str:
    lang = language or Counter(a.language for a in articles).most_common(1)[0][0]
    return lang if lang in ("ar", "en") else "ar"


def cite_all(items: Sequence[Article | str], *, language: str | None = None,
             config: SummaryConfig = DEFAULT_CONFIG) -> tuple[SummarySentence, ...]:
    """Every sentence of the articles with its citations, as ``summarize`` would cite it if chosen.

    Answers "which other outlets report this sentence?" for a whole story; articles in input order,
    sentences in article order.
    """
    articles = _as_articles(items)
    if not articles:
        return ()
    units = _units(articles, _language(articles, language), config)
    cited = _citations(range(len(units)), units, _fact_matrix(units), articles, config)
    return tuple(SummarySentence(u.sentence, c) for u, c in zip(units, cited, strict=True))


def summarize(items: Sequence[Article | str], max_words: int = 250, *, language: str | None = None,
              config: SummaryConfig = DEFAULT_CONFIG) -> Summary:
    """Summarize the articles of one story within ``max_words`` words, every sentence cited.

    Args:
        items: khulasa ``Article``s, or plain article texts (cleaned as ingestion would).
        max_words: budget in whitespace-separated words; never exceeded.
        language: "ar" or "en"; by default the language of most articles.
        config: selection knobs.

    Returns:
        A ``Summary`` whose sentences are input sentences in reading order, each citing its own
        span first and then the matching sentence of every other article that reports it.
    """
    if max_words < 1:
        raise ValueError(f"max_words must be at least 1, got {max_words}")
    articles = _as_articles(items)
    if not articles:
        return Summary((), max_words, ())
    lang = _language(articles, language)
    units = _units(articles, lang, config)
    titles = [concepts for concepts, *_ in _analyse([a.title for a in articles], lang)]
    weights = _concept_weights(units, titles, config)
    use_ilp = config.solver == "ilp" and sum(u.eligible for u in units) <= config.ilp_max_sentences
    chosen = (_select_ilp if use_ilp else _select)(units, weights, max_words, config)
    if not chosen and any(u.overlong and u.words <= max_words for u in units):
        # Only sentences longer than max_sentence_words would fit: better one long sentence than none.
        units = [u._replace(eligible=True) if u.overlong else u for u in units]
        chosen = _select(units, weights, max_words, config)
    facts = _fact_matrix(units)
    far = dt.date.max
    leads = {u.order for u in chosen if u.sentence.index == 0}
    dates = _reading_dates(articles, units, facts)
    chosen.sort(key=lambda u: (dates[u.order][0] or far, dates[u.order][1], u.order not in leads, u.order,
                               u.sentence.index))
    position = {id(u): i for i, u in enumerate(units)}
    cited = _citations([position[id(u)] for u in chosen], units, facts, articles, config)
    out = tuple(SummarySentence(u.sentence, c) for u, c in zip(chosen, cited, strict=True))
    return Summary(out, max_words, tuple(a.id for a in articles))
