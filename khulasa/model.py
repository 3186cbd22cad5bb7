"""Every value type of khulasa, in the order data flows: frozen dataclasses, closed vocabularies as
``Literal`` types.

paths -> ``RawDocument`` -> ``Article`` -> ``Analysis`` (sentences and tokens, computed once) ->
``DuplicateGroup`` / ``Story`` / ``Event`` -> ``Summary`` (``Citation``), ``Mention`` / ``Entity``,
``Figure`` / ``FigureGroup`` -> ``StoryDigest`` / ``Digest``. Every derived object keeps the article id
and the character span that lead back to the text. ``to_dict`` turns any of them into plain JSON values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

SCHEMA_VERSION = "1.0"

# The library logs (at every fallback) and never configures logging: the command line does (-v, -q).
# Registered here, on the ground floor every stage imports, so ``import khulasa`` itself stays light.
logging.getLogger("khulasa").addHandler(logging.NullHandler())

Severity = Literal["error", "warning", "note"]  # a note (a file khulasa wrote, skipped) leaves the batch whole
EntityType = Literal["PER", "LOC", "ORG"]
Verdict = Literal["agree", "approximate", "disagree"]
Qualifier = Literal["", "about", "more than", "less than", "at least", "indefinite"]
TokenKind = Literal["word", "number", "punct"]


_TITLE_WORDS = 12  # words of the text shown when an article has no title


@dataclass(frozen=True, slots=True)
class Article:
    """One cleaned article.

    ``text`` is the cleaned body in its original characters (display form); every span in
    the system indexes into it. Metadata fields are empty strings when unknown.
    """

    id: str
    text: str
    title: str = ""
    date: dt.date | None = None
    updated: str = ""
    source: str = ""
    outlet: str = ""
    dateline: str = ""
    url: str = ""
    path: str = ""
    language: str = "ar"
    captions: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    content_hash: str = ""
    folder_credit: bool = True  # False: read from a folder whose articles name several outlets (a pile)

    @property
    def display_title(self) -> str:
        """The title, else the opening words of the text (``…`` when cut), else the id: for people to read."""
        if self.title:
            return self.title
        words = self.text.split()
        if not words:
            return self.id
        return " ".join(words[:_TITLE_WORDS]) + (" …" if len(words) > _TITLE_WORDS else "")

    @property
    def credit(self) -> str:
        """Who published the article: its outlet, else its credited source, else the folder it was
        read from (scrapes are usually kept one folder per site) unless that folder is a pile of
        several outlets (``folder_credit``), else its id."""
        if self.outlet or self.source:
            return self.outlet or self.source
        return (self.folder if self.folder_credit else "") or self.id

    @property
    def folder(self) -> str:
        """The name of the folder the article was read from ("" when none)."""
        parts = self.path.replace("\\", "/").rsplit("/", 2)
        return parts[-2] if len(parts) >= 2 and parts[-2] not in ("", ".") else ""


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an article: ``article.text[start:end] == text``."""

    article_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class FileIssue:
    """A problem with one input (file, file:line, or stdin), with what to do about it."""

    path: str
    reason: str
    fix: str = ""
    severity: Severity = "error"

    def message(self) -> str:
        """One line for a terminal: path, reason and fix."""
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{self.path}: {self.reason}.{fix}"


@dataclass(frozen=True, slots=True)
class Batch:
    """The result of ingestion: the articles read and the per-input issues."""

    articles: tuple[Article, ...]
    issues: tuple[FileIssue, ...] = ()

    @property
    def partial(self) -> bool:
        """True when at least one input could not be used as-is (notes do not count)."""
        return any(i.severity != "note" for i in self.issues)


@dataclass(frozen=True, slots=True)
class RawDocument:
    """Text read from one input before cleaning, with whatever metadata the container gave.

    ``group`` is the key under which lines recurring across articles are learned (an outlet or folder).
    """

    id: str
    path: str
    text: str
    title: str = ""
    date: dt.date | None = None
    source: str = ""
    outlet: str = ""
    url: str = ""
    group: str = ""


# --- analysis: an article's sentences and tokens, computed once -----------------------------------


@dataclass(frozen=True, slots=True)
class Tokens:
    """The tokens of one sentence (or title), as parallel columns, and its terms.

    ``text[i]`` is ``sentence.text[start[i]:end[i]]``; ``norm[i]`` is ``normalize(text[i])`` (for matching);
    ``stem[i]`` its Snowball stem (folded as ``normalize`` folds; the normalized form for numbers and
    punctuation); ``kind[i]`` says which of word, number, punctuation it is. Names and figures read these.

    ``term_norm`` / ``term_stem`` are the sentence's terms, what the statistics of stories, summaries,
    citations and near-duplicates count: its words and numbers, where the ones written without a space
    between them are one term ("A330", "الـ11", "2015م"). ``normalized`` is the normalized text of the
    whole sentence (search, dates, multi-word names).
    """

    text: tuple[str, ...]
    start: tuple[int, ...]
    end: tuple[int, ...]
    norm: tuple[str, ...]
    stem: tuple[str, ...]
    kind: tuple[TokenKind, ...]
    term_norm: tuple[str, ...] = ()
    term_stem: tuple[str, ...] = ()
    normalized: str = ""

    def __len__(self) -> int:
        return len(self.text)


@dataclass(frozen=True, slots=True)
class Analysis:
    """An article analysed once, at ingestion: every later stage (dedupe, stories, summary, citations,
    entities, figures, search) reads this and never re-splits or re-tokenizes the text.

    ``tokens[k]`` are the tokens of ``sentences[k]``; ``title`` the tokens of the title.
    """

    article: Article
    sentences: tuple[Sentence, ...]
    tokens: tuple[Tokens, ...]
    title: Tokens

    @property
    def id(self) -> str:
        """The article id."""
        return self.article.id

    @property
    def language(self) -> str:
        """The language used for stems and stopwords: "en" for English, else "ar"."""
        return "en" if self.article.language == "en" else "ar"


@dataclass(frozen=True, slots=True)
class ArticleUnits:
    """What the summarizer reads of one analysed article (``khulasa.summary.units.article_units``), made
    once and kept by a store, so a story's summary is written without reading the analyses again.

    ``stems``: its distinct term stems, first those of its sentences in the order they first appear
    (``body_stems`` of them), then the title's others; ``ids``: per term (the sentences', then the
    title's) its stem's position in ``stems`` (unsigned 32-bit, native order); ``stop``: per term,
    bit 1 a stopword or number in Arabic, bit 2 in English; ``lengths``: the terms of each sentence,
    then of the title; ``words``: each sentence's words; ``flags``: per sentence the bits of
    ``khulasa.summary.units`` (how it opens and ends); ``punctuated``: most sentences end with a mark.
    """

    article: Article
    sentences: tuple[Sentence, ...]
    stems: tuple[str, ...]
    body_stems: int
    ids: bytes
    stop: bytes
    lengths: tuple[int, ...]
    words: tuple[int, ...]
    flags: bytes
    punctuated: bool

    @property
    def id(self) -> str:
        """The article id."""
        return self.article.id


# --- summaries and citations ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Citation:
    """An article span that reports the content of a summary sentence."""

    article_id: str
    source: str
    date: dt.date | None
    sentence_index: int
    start: int
    end: int
    similarity: float


@dataclass(frozen=True, slots=True)
class SummarySentence:
    """A selected input sentence and every article span that supports it (its own first)."""

    sentence: Sentence
    citations: tuple[Citation, ...]

    @property
    def text(self) -> str:
        """The sentence text as it appears in its article."""
        return self.sentence.text


@dataclass(frozen=True, slots=True)
class Summary:
    """A multi-document summary within ``max_words`` (whitespace-separated words)."""

    sentences: tuple[SummarySentence, ...]
    max_words: int
    article_ids: tuple[str, ...] = field(default=())

    @property
    def word_count(self) -> int:
        """Words in the summary, counted as the budget counts them."""
        return sum(len(s.text.split()) for s in self.sentences)

    def text(self) -> str:
        """The summary as plain text, one sentence per line."""
        return "\n".join(s.text for s in self.sentences)


# --- stories and events ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Articles that carry the same text: the one kept and every copy, with their outlets."""

    representative: str
    members: tuple[str, ...]  # representative first
    outlets: tuple[str, ...]  # distinct publishers (outlet, else credited source) of the members


@dataclass(frozen=True, slots=True)
class Event:
    """One happening inside a story (a meeting, an attack, a day or days)."""

    id: str
    article_ids: tuple[str, ...]
    first: dt.date | None
    last: dt.date | None
    confidence: float
    headline: str
    headline_article: str
    outlets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Story:
    """Articles about one ongoing story, split into events (in time order)."""

    id: str
    article_ids: tuple[str, ...]
    events: tuple[Event, ...]
    headline: str
    outlets: tuple[str, ...]
    duplicates: tuple[DuplicateGroup, ...] = ()

    @property
    def every_article(self) -> tuple[str, ...]:
        """Its articles, then the copies folded into them: every article the story's digest cites."""
        return (*self.article_ids, *(m for g in self.duplicates for m in g.members[1:]))


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date or date range found in text, resolved to the calendar, with a confidence in [0, 1].

    ``start``/``end`` are offsets into the *normalized* text the mention was found in.
    """

    first: dt.date
    last: dt.date
    confidence: float
    expression: str
    start: int
    end: int


# --- entities -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention of an entity: ``article.text[start:end] == text``; ``role`` is the title before it;
    ``alias_of`` the name it stands for when written in brackets after it ("منظمة الأغذية والزراعة (فاو)")."""

    article_id: str
    sentence_index: int
    start: int
    end: int
    text: str
    type: EntityType
    role: str = ""
    alias_of: str = ""


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity of a story: canonical name, type, role, and its mentions across articles."""

    name: str
    type: EntityType
    role: str
    mentions: tuple[Mention, ...]
    variants: tuple[str, ...]

    @property
    def article_ids(self) -> tuple[str, ...]:
        """The articles that mention it, in first-mention order."""
        return tuple(dict.fromkeys(m.article_id for m in self.mentions))


# --- figures --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """A number read at the start of some words: its value (``low``..``high`` for a vague one such as
    "الآلاف"), how many words it took, and whether it is indefinite."""

    value: float
    low: float
    high: float
    used: int
    indefinite: bool = False


@dataclass(frozen=True, slots=True)
class Figure:
    """A quantity found in an article sentence; ``article.text[start:end]`` is the expression."""

    article_id: str
    sentence_index: int
    start: int
    end: int
    text: str
    value: float
    low: float
    high: float
    qualifier: Qualifier
    unit: str  # "", "%", "km", "km2", "USD", "kg", ...
    thing: str  # what is counted, as written ("ضربة جوية", "دولة")
    keys: frozenset[str]  # stems of the counted noun and of the noun governing the number
    context: tuple[str, ...]  # content stems around the figure

    @property
    def approximate(self) -> bool:
        """True for "about", "more than", ranges and indefinite quantities."""
        return bool(self.qualifier) or self.low != self.high


@dataclass(frozen=True, slots=True)
class FigureGroup:
    """One quantity as several outlets give it: the figures, one per article, and the verdict.

    ``verdict`` is "agree" (same value everywhere), "approximate" (values differ but each differing
    one is hedged: "نحو", "أكثر من", ranges) or "disagree".
    """

    thing: str
    unit: str
    figures: tuple[Figure, ...]
    verdict: Verdict

    @property
    def values(self) -> tuple[float, ...]:
        """The distinct values given, in order of first appearance."""
        return tuple(dict.fromkeys(f.value for f in self.figures))


@dataclass(frozen=True, slots=True)
class ArticleFacts:
    """What one article says of entities and figures, found once (at ingestion) and read by every story
    the article joins."""

    mentions: tuple[Mention, ...]
    figures: tuple[Figure, ...]


@dataclass(frozen=True, slots=True)
class ArticleDerived:
    """What the live store derives from one article on its own (a shard's work, done by any worker of
    any engine): its MinHash signature (``dedupe.signature_bytes``), the term counts its story vectors
    weigh, when its news happened (with a confidence), its headline, its facts, and its analysis
    (``text.pack_analysis``) and what the summarizer reads of it (``summary.units.pack_units``: a changed
    story's summary reads these instead of analysing the article again)."""

    article_id: str
    signature: bytes
    terms: Mapping[str, int]
    happening: dt.date | None
    confidence: float
    headline: str
    facts: ArticleFacts
    analysis: bytes = b""
    units: bytes = b""


# --- the digest -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoryDigest:
    """One story: its summary (every sentence cited), timeline (``story.events``, each with its own
    short cited summary in ``events``), the people, places and organizations it mentions, and its key
    figures with the outlets' agreement."""

    story: Story
    summary: Summary
    entities: tuple[Entity, ...] = ()
    figures: tuple[FigureGroup, ...] = ()
    events: tuple[Summary, ...] = ()  # each event's own short summary, in ``story.events`` order


@dataclass(frozen=True, slots=True)
class Digest:
    """The digest of a batch: stories (largest first), the articles they cite, the input issues."""

    stories: tuple[StoryDigest, ...]
    articles: tuple[Article, ...]
    issues: tuple[FileIssue, ...] = ()
    max_words: int = 120


# --- the store ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one ingested batch did: ids added, ids skipped (their text was stored already), and of those
    the ids whose text an earlier article of the same batch had (``repeated``, a subset of ``skipped``)."""

    added: tuple[str, ...]
    skipped: tuple[str, ...]
    repeated: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchHit:
    """An article matching a search: a snippet of its text (original spelling) and the character spans of
    the matched words in the snippet."""

    id: str
    title: str
    snippet: str
    marks: tuple[tuple[int, int], ...] = ()


def to_dict(value: Any) -> Any:
    """``value`` as plain JSON values: a dataclass becomes a dict of its fields (recursively), a date its
    ISO string, a tuple or list a list, a frozenset or set a sorted list, an infinite float None."""
    kind = type(value)
    if kind in _PLAIN:
        return value if kind is not float or not math.isinf(value) else None
    convert = _CONVERTERS.get(kind)
    if convert is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        convert = _CONVERTERS[kind] = _converter(kind)
    if convert is not None:
        return convert(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_dict(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(to_dict(v) for v in value)
    if isinstance(value, dict):
        return {str(k): to_dict(v) for k, v in value.items()}
    return value


_PLAIN = frozenset({str, int, bool, float, type(None)})
_CONVERTERS: dict[type, Callable[[Any], dict[str, Any]]] = {}
_LEAF_HINTS = frozenset({str, int, bool})  # a field of these (by its annotation) is given back as it is


def _converter(kind: type) -> Callable[[Any], dict[str, Any]]:
    """``to_dict`` for instances of the dataclass ``kind``, made once: a field annotated ``str``, ``int``
    or ``bool`` is read as it is (a story's digest holds hundreds of thousands of them), any other goes
    through ``to_dict``."""
    hints = typing.get_type_hints(kind)
    parts = []
    for f in dataclasses.fields(kind):
        get = f"value.{f.name}"
        parts.append(f"{f.name!r}: {get if hints.get(f.name) in _LEAF_HINTS else f'to_dict({get})'}")
    code = f"def convert(value):\n    return {{{', '.join(parts)}}}\n"
    scope: dict[str, Any] = {"to_dict": to_dict}
    exec(code, scope)  # the code is made here from the dataclass's own field names (as dataclasses does)
    return typing.cast(Callable[[Any], dict[str, Any]], scope["convert"])


def from_dict(cls: type[_T], data: Any) -> _T:
    """The inverse of ``to_dict`` for a model dataclass ``cls``: ``from_dict(type(v), to_dict(v)) == v``
    for every value of the model (dates, tuples, frozensets, nested dataclasses and optional fields are
    rebuilt from their annotations). Raises ``TypeError`` or ``ValueError`` on data of another shape."""
    return typing.cast(_T, _builder(cls)(data))


_T = TypeVar("_T")
_BUILDERS: dict[Any, Callable[[Any], Any]] = {}


def _builder(tp: Any) -> Callable[[Any], Any]:
    """A function building a value of type ``tp`` from ``to_dict`` output (made once per type)."""
    built = _BUILDERS.get(tp)
    if built is None:
        built = _BUILDERS[tp] = _make_builder(tp)
    return built


def _make_builder(tp: Any) -> Callable[[Any], Any]:
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp)
        names = [f.name for f in dataclasses.fields(tp)]
        subs: dict[str, Callable[[Any], Any]] = {}

        def build_dataclass(data: Any) -> Any:
            if not isinstance(data, dict):
                raise TypeError(f"{tp.__name__}: expected an object, got {type(data).__name__}")
            if not subs:
                subs.update({n: _builder(hints[n]) for n in names})
            return tp(**{n: subs[n](data[n]) for n in names if n in data})

        return build_dataclass
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            return lambda data: data
        one = inner[0]
        return lambda data: None if data is None else _builder(one)(data)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = args[0]
            if item in (str, int, bool):
                return tuple
            return lambda data: tuple(map(_builder(item), data))
        return lambda data: tuple(_builder(a)(v) for a, v in zip(args, data, strict=True))
    if origin is frozenset:
        return lambda data: frozenset(map(_builder(args[0]), data))
    if origin is dict:
        return lambda data: {k: _builder(args[1])(v) for k, v in data.items()}
    if tp is dt.date:
        return dt.date.fromisoformat
    if tp is float:
        return lambda data: math.inf if data is None else float(data)
    return lambda data: data
