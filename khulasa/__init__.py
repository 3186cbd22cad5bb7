"""khulasa (خلاصة): an offline Arabic news digest.

Public API::

    from khulasa import read_articles, digest, summarize, load_config
    batch = read_articles(["examples/"])             # Batch(articles, issues)
    result = digest(batch.articles)                  # stories, cited summaries, timelines, facts
    summary = summarize(batch.articles[:3], max_words=100)
    config = load_config("khulasa.toml")             # every setting, validated; digest(..., config=config)

Names are imported on first use (PEP 562): ``import khulasa`` loads nothing heavy, so the command line
starts fast; ``from khulasa import digest`` loads the pipeline then.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["SCHEMA_VERSION", "Analysis", "Article", "Batch", "Citation", "Digest", "DuplicateGroup",
                     "Entity", "Event", "Figure", "FigureGroup", "FileIssue", "Mention", "Sentence", "Story",
                     "StoryDigest", "Summary", "SummarySentence", "Tokens", "to_dict"], "khulasa.model"),
    **dict.fromkeys(["ClusterConfig", "Config", "DedupeConfig", "FactsConfig", "IngestConfig", "OutputConfig",
                     "SummaryConfig", "load_config"], "khulasa.config"),
    **dict.fromkeys(["ConfigError", "InputError", "KhulasaError", "StoreError"], "khulasa.errors"),
    **dict.fromkeys(["analyse", "normalize", "sentences", "split_sentences", "stem_tokens", "tokenize"],
                    "khulasa.text"),
    "read_articles": "khulasa.ingest",
    **dict.fromkeys(["mentions", "resolve", "tag_tokens"], "khulasa.entities"),
    **dict.fromkeys(["extract", "group_figures"], "khulasa.figures"),
    "digest": "khulasa.pipeline",
    "Archive": "khulasa.archive",
    "Store": "khulasa.store",
    **dict.fromkeys(["StoryIndex", "cluster"], "khulasa.stories"),
    "summarize": "khulasa.summary",
}

__all__ = [
    "SCHEMA_VERSION",
    "Analysis",
    "Archive",
    "Article",
    "Batch",
    "Citation",
    "ClusterConfig",
    "Config",
    "ConfigError",
    "DedupeConfig",
    "Digest",
    "DuplicateGroup",
    "Entity",
    "Event",
    "FactsConfig",
    "Figure",
    "FigureGroup",
    "FileIssue",
    "IngestConfig",
    "InputError",
    "KhulasaError",
    "Mention",
    "OutputConfig",
    "Sentence",
    "Store",
    "StoreError",
    "Story",
    "StoryDigest",
    "StoryIndex",
    "Summary",
    "SummaryConfig",
    "SummarySentence",
    "Tokens",
    "analyse",
    "cluster",
    "digest",
    "extract",
    "group_figures",
    "load_config",
    "mentions",
    "normalize",
    "read_articles",
    "resolve",
    "sentences",
    "split_sentences",
    "stem_tokens",
    "summarize",
    "tag_tokens",
    "to_dict",
    "tokenize",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'khulasa' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from khulasa.archive import Archive
    from khulasa.config import (
        ClusterConfig,
        Config,
        DedupeConfig,
        FactsConfig,
        IngestConfig,
        OutputConfig,
        SummaryConfig,
        load_config,
    )
    from khulasa.entities import mentions, resolve, tag_tokens
    from khulasa.errors import ConfigError, InputError, KhulasaError, StoreError
    from khulasa.figures import extract, group_figures
    from khulasa.ingest import read_articles
    from khulasa.model import (
        SCHEMA_VERSION,
        Analysis,
        Article,
        Batch,
        Citation,
        Digest,
        DuplicateGroup,
        Entity,
        Event,
        Figure,
        FigureGroup,
        FileIssue,
        Mention,
        Sentence,
        Story,
        StoryDigest,
        Summary,
        SummarySentence,
        Tokens,
        to_dict,
    )
    from khulasa.pipeline import digest
    from khulasa.store import Store
    from khulasa.stories import StoryIndex, cluster
    from khulasa.summary import summarize
    from khulasa.text import analyse, normalize, sentences, split_sentences, stem_tokens, tokenize

