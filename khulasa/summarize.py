"""Multi-document extractive summarization with citations.

Method (concept coverage, after Gillick & Favre's bigram-concept model, solved greedily):

1. Every sentence becomes a set of *concepts*: stemmed word bigrams (not both stopwords) and
   stemmed content words. A concept is worth the number of articles that carry it (content several
   outlets report), plus a bonus when it appears in an article's opening sentences.
2. Sentences that cannot stand alone are never candidates: fragments and captions, questions,
   lines ending in a colon, and openings that point back ("وأضاف أن", "جاء ذلك") unless the
   sentence they continue is also chosen.
3. Selection is budgeted greedy: the sentence with the best (newly covered concept weight / length)
   plus a lead-position prior is added while it fits the word budget; a sentence too close to one
   already chosen is skipped. Leftover budget is filled with the best sentences that still fit.
4. Order: article date, then article, then position (dateline context stays with the lead).
5. Citations: each chosen sentence cites its own span and, for every other article, the sentence
   that reports the same content (stem overlap above a threshold).

Deterministic: ties break on (article order, sentence index).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from khulasa.ingest.clean import RawDocument, clean_document
from khulasa.model import Article, Citation, Sentence, Summary, SummarySentence
from khulasa.text import _TOKEN, normalize, sentences, stopwords, word_count
from khulasa.text import _stemmer as stemmer_for


@dataclass(frozen=True, slots=True)
class SummaryConfig:
    """Tunable knobs of the summarizer (defaults chosen on principle, see module docstring)."""

    min_words: int = 6
    max_sentence_words: int = 80
    lead_bonus: float = 1.0  # extra concept weight for concepts seen in an article's first sentences
    lead_sentences: int = 2
    position_prior: float = 0.15  # weight of 1/(1+index) in the selection score
    length_exponent: float = 0.7
    redundancy: float = 0.5  # max unigram cosine with an already chosen sentence
    cite_threshold: float = 0.45  # min unigram cosine for a citation


DEFAULT_CONFIG = SummaryConfig()

_DANGLING_AR = frozenset(
    normalize(w)
    for w in ["وأضاف", "وأضافت", "أضاف", "وتابع", "وتابعت", "تابع", "وأوضح", "وأوضحت", "أوضح", "وأشار", "وأشارت", "أشار", "وأكد", "وأكدت", "أكد", "وقال", "وقالت", "وبين", "وبينت", "وذكر", "وذكرت", "واعتبر", "واعتبرت", "ولفت", "ولفتت", "وشدد", "وشددت", "وأعرب", "وأعربت", "ومضى", "واستطرد", "وختم", "وأفاد", "وأفادت", "ورأى", "ولاحظ", "وأردف", "واعترف"]
)
_POINTING_AR = frozenset(normalize(w) for w in ["أن", "ان", "إن", "انه", "أنه", "إنه", "انها", "أنها", "في", "خلال", "قائلا", "مشيرا", "بأن"])
_BACKREF_AR = tuple(normalize(w) for w in ("جاء ذلك", "وجاء ذلك", "ويأتي ذلك", "يأتي ذلك", "وذلك", "وهذا", "وهذه"))
_DANGLING_EN = frozenset(["he", "she", "they", "it", "this", "these", "those", "but", "however", "also", "meanwhile"])


@dataclass(frozen=True, slots=True)
class _Unit:
    """A candidate sentence with what selection needs."""

    sentence: Sentence
    order: int  # article order in the input
    words: int
    concepts: frozenset[str]
    unigrams: Counter[str]
    eligible: bool
    dangling: bool


def _as_articles(items: Sequence[Article | str]) -> list[Article]:
    out: list[Article] = []
    for i, item in enumerate(items):
        if isinstance(item, Article):
            out.append(item)
        else:
            out.append(clean_document(RawDocument(id=f"doc{i + 1}", path=f"<text {i + 1}>", text=item)))
    return [a for a in out if a.text.strip()]


def _is_dangling(tokens: list[str], language: str) -> bool:
    if not tokens:
        return False
    if language == "en":
        return tokens[0] in _DANGLING_EN
    head = " ".join(tokens[:3])
    if tokens[0] in _DANGLING_AR and (len(tokens) == 1 or tokens[1] in _POINTING_AR):
        return True
    return any(head.startswith(b) for b in _BACKREF_AR)


def _eligible(text: str, words: int, cfg: SummaryConfig) -> bool:
    stripped = text.rstrip("\"'”’»)] ")
    if words < cfg.min_words or words > cfg.max_sentence_words:
        return False
    if stripped.endswith(("?", "؟", ":")):
        return False
    # A fragment or caption: no sentence-final punctuation and short.
    return stripped.endswith((".", "!", "…")) or words >= 12


def _units(articles: list[Article], language: str, cfg: SummaryConfig) -> list[_Unit]:
    stop = stopwords(language)
    stem = stemmer_for(language)
    units: list[_Unit] = []
    for order, article in enumerate(articles):
        for s in sentences(article):
            tokens = _TOKEN.findall(normalize(s.text, fold_ta=False))
            stems = [x.replace("ة", "ه") for x in stem.stemWords(tokens)]
            is_stop = [t.replace("ة", "ه") in stop or t.isdigit() for t in tokens]
            content = [st for st, sw in zip(stems, is_stop, strict=True) if not sw]
            bigrams = {f"{a} {b}" for a, b, sa, sb in zip(stems, stems[1:], is_stop, is_stop[1:], strict=False)
                       if not (sa and sb)}
            concepts = frozenset(bigrams | set(content))
            words = word_count(s.text)
            units.append(_Unit(s, order, words, concepts, Counter(content),
                               _eligible(s.text, words, cfg), _is_dangling([normalize(t) for t in tokens[:3]],
                                                                            language)))
    return units


def _concept_weights(units: list[_Unit], n_articles: int, cfg: SummaryConfig) -> dict[str, float]:
    """Weight = number of articles with the concept (+ lead bonus); for one article, its frequency."""
    carriers: dict[str, set[int]] = {}
    freq: Counter[str] = Counter()
    lead: set[str] = set()
    for u in units:
        for c in u.concepts:
            carriers.setdefault(c, set()).add(u.order)
            freq[c] += 1
            if u.sentence.index < cfg.lead_sentences:
                lead.add(c)
    weights: dict[str, float] = {}
    for c, docs in carriers.items():
        base = float(len(docs)) if n_articles > 1 else float(freq[c])
        if base < 2:
            continue  # a concept one article mentions once says nothing about importance
        is_bigram = " " in c
        weights[c] = (base + (cfg.lead_bonus if c in lead else 0.0)) * (1.0 if is_bigram else 0.5)
    return weights


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def _select(units: list[_Unit], weights: dict[str, float], max_words: int, cfg: SummaryConfig) -> list[_Unit]:
    chosen: list[_Unit] = []
    chosen_keys: set[tuple[int, int]] = set()
    covered: set[str] = set()
    used = 0
    pool = [u for u in units if u.eligible and u.words <= max_words]

    def allowed(u: _Unit) -> bool:
        if u.dangling and (u.order, u.sentence.index - 1) not in chosen_keys:
            return False
        return all(_cosine(u.unigrams, c.unigrams) <= cfg.redundancy for c in chosen)

    def take(u: _Unit) -> None:
        nonlocal used
        chosen.append(u)
        chosen_keys.add((u.order, u.sentence.index))
        covered.update(u.concepts)
        used += u.words

    while True:
        best: tuple[float, int, int] | None = None
        best_unit: _Unit | None = None
        for u in pool:
            if (u.order, u.sentence.index) in chosen_keys or used + u.words > max_words:
                continue
            gain = sum(weights.get(c, 0.0) for c in u.concepts if c not in covered)
            if gain <= 0:
                continue
            score = gain / (u.words ** cfg.length_exponent) + cfg.position_prior * gain / (1 + u.sentence.index)
            key = (score, -u.order, -u.sentence.index)
            if (best is None or key > best) and allowed(u):
                best, best_unit = key, u
        if best_unit is None:
            break
        take(best_unit)
    # Fill what is left of the budget with the best remaining sentences that fit.
    rest = sorted((u for u in pool if (u.order, u.sentence.index) not in chosen_keys),
                  key=lambda u: (-sum(weights.get(c, 0.0) for c in u.concepts) / u.words, u.order,
                                 u.sentence.index))
    for u in rest:
        if used + u.words <= max_words and allowed(u):
            take(u)
    return chosen


def _citations(unit: _Unit, units: list[_Unit], articles: list[Article], cfg: SummaryConfig) -> tuple[Citation, ...]:
    def cite(u: _Unit, sim: float) -> Citation:
        art = articles[u.order]
        s = u.sentence
        return Citation(art.id, art.credit, art.date, s.index, s.start, s.end, sim)

    best: dict[int, tuple[float, _Unit]] = {}
    for other in units:
        if other.order == unit.order:
            continue
        sim = _cosine(unit.unigrams, other.unigrams)
        if sim >= cfg.cite_threshold:
            prev = best.get(other.order)
            if prev is None or sim > prev[0]:
                best[other.order] = (sim, other)
    others = sorted(best.values(), key=lambda t: (-t[0], t[1].order))
    return (cite(unit, 1.0), *(cite(u, sim) for sim, u in others))


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
    lang = language or Counter(a.language for a in articles).most_common(1)[0][0]
    lang = lang if lang in ("ar", "en") else "ar"
    units = _units(articles, lang, config)
    weights = _concept_weights(units, len(articles), config)
    chosen = _select(units, weights, max_words, config)
    far = dt.date.max
    chosen.sort(key=lambda u: (articles[u.order].date or far, u.order, u.sentence.index))
    out = tuple(SummarySentence(u.sentence, _citations(u, units, articles, config)) for u in chosen)
    return Summary(out, max_words, tuple(a.id for a in articles))
