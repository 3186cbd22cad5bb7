"""khulasa (خلاصة): an offline Arabic news digest.

Public API::

    from khulasa import read_articles, summarize, normalize, split_sentences
    batch = read_articles(["examples/"])
    summary = summarize(batch.articles, max_words=120)
"""

from __future__ import annotations

import logging

from khulasa.errors import ConfigError, InputError, KhulasaError, StoreError
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
from khulasa.summarize import SummaryConfig, summarize
from khulasa.text import normalize, sentences, split_sentences, stem_tokens, tokenize

__all__ = [
    "SCHEMA_VERSION",
    "Article",
    "Batch",
    "Citation",
    "ConfigError",
    "FileIssue",
    "InputError",
    "KhulasaError",
    "Sentence",
    "StoreError",
    "Summary",
    "SummaryConfig",
    "SummarySentence",
    "normalize",
    "read_articles",
    "sentences",
    "split_sentences",
    "stem_tokens",
    "summarize",
    "tokenize",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
