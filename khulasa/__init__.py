"""khulasa (خلاصة): an offline Arabic news digest.

Public API::

    from khulasa import read_articles, digest, summarize
    batch = read_articles(["examples/"])             # Batch(articles, issues)
    result = digest(batch.articles, max_words=120)   # stories, cited summaries, timelines, facts
    summary = summarize(batch.articles[:3], max_words=100)
"""

from __future__ import annotations

import logging

from khulasa.entities import Entity, Mention, mentions, resolve, tag_tokens
from khulasa.errors import ConfigError, InputError, KhulasaError, StoreError
from khulasa.figures import Figure, FigureGroup, extract, group_figures
from khulasa.ingest import read_articles
from khulasa.model import (
    SCHEMA_VERSION,
    Article,
    Batch,
    Citation,
    FileIssue,
    Sentence,
    Summary,
    SummarySentence,
)
from khulasa.pipeline import Digest, LiveDigest, StoryDigest, digest
from khulasa.store import Store
from khulasa.stories import ClusterConfig, Event, Story, StoryIndex, cluster
from khulasa.summarize import SummaryConfig, summarize
from khulasa.text import normalize, sentences, split_sentences, stem_tokens, tokenize

__all__ = [
    "SCHEMA_VERSION",
    "Article",
    "Batch",
    "Citation",
    "ClusterConfig",
    "ConfigError",
    "Digest",
    "Entity",
    "Event",
    "Figure",
    "FigureGroup",
    "FileIssue",
    "InputError",
    "KhulasaError",
    "LiveDigest",
    "Mention",
    "Sentence",
    "Store",
    "StoreError",
    "Story",
    "StoryDigest",
    "StoryIndex",
    "Summary",
    "SummaryConfig",
    "SummarySentence",
    "cluster",
    "digest",
    "extract",
    "group_figures",
    "mentions",
    "normalize",
    "read_articles",
    "resolve",
    "sentences",
    "split_sentences",
    "stem_tokens",
    "summarize",
    "tag_tokens",
    "tokenize",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
