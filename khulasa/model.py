"""Frozen value types shared by every stage.

Data flows one way: paths -> ``Article`` -> ``Sentence`` -> ``Summary`` (with ``Citation``).
Every derived object keeps the article id and the character span that lead back to the text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

SCHEMA_VERSION = "1.0"

Severity = Literal["error", "warning"]


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
        """True when at least one input could not be used as-is."""
        return bool(self.issues)


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
