"""Versioned JSON documents for every output (see docs/json-schema.md). Pure functions, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from khulasa.model import SCHEMA_VERSION, Article, Batch, FileIssue, Sentence, Story, Summary
from khulasa.text import sentences as split_article


def iso_date(value: dt.date | None) -> str | None:
    """``YYYY-MM-DD`` or None."""
    return value.isoformat() if value else None



def summary_sentences(summary: Summary) -> list[dict[str, Any]]:
    """The sentences of a summary in order, each with its span and its citations (own article first)."""
    return [
        {"text": s.text, "article_id": s.sentence.article_id, "sentence_index": s.sentence.index,
         "start": s.sentence.start, "end": s.sentence.end,
         "citations": [{"article_id": c.article_id, "source": c.source, "date": iso_date(c.date),
                        "sentence_index": c.sentence_index, "start": c.start, "end": c.end,
                        "similarity": round(c.similarity, 3)} for c in s.citations]}
        for s in summary.sentences
    ]


def issue_to_dict(issue: FileIssue) -> dict[str, Any]:
    """``{"path", "reason", "fix", "severity"}``."""
    return {"path": issue.path, "reason": issue.reason, "fix": issue.fix, "severity": issue.severity}


def sentence_to_dict(sentence: Sentence) -> dict[str, Any]:
    """``{"index", "start", "end", "text"}``; ``article.text[start:end] == text``."""
    return {"index": sentence.index, "start": sentence.start, "end": sentence.end, "text": sentence.text}


def article_to_dict(article: Article, with_sentences: bool = True) -> dict[str, Any]:
    """An article with its metadata, cleaned text and (optionally) its sentences."""
    out: dict[str, Any] = {
        "id": article.id,
        "path": article.path,
        "title": article.title,
        "date": iso_date(article.date),
        "updated": article.updated,
        "source": article.source,
        "outlet": article.outlet,
        "dateline": article.dateline,
        "url": article.url,
        "language": article.language,
        "content_hash": article.content_hash,
        "captions": list(article.captions),
        "removed_lines": list(article.removed),
        "text": article.text,
    }
    if with_sentences:
        out["sentences"] = [sentence_to_dict(s) for s in split_article(article)]
    return out


def articles_document(batch: Batch) -> dict[str, Any]:
    """The ``khulasa articles --json`` document."""
    return {
        "schema": "khulasa.articles",
        "version": SCHEMA_VERSION,
        "articles": [article_to_dict(a) for a in batch.articles],
        "issues": [issue_to_dict(i) for i in batch.issues],
    }


def summary_document(summary: Summary, articles: Iterable[Article], issues: Iterable[FileIssue] = ()) -> dict[str, Any]:
    """The ``khulasa summarize --json`` document: sentences in order, each with its citations."""
    by_id = {a.id: a for a in articles}
    return {
        "schema": "khulasa.summary",
        "version": SCHEMA_VERSION,
        "max_words": summary.max_words,
        "word_count": summary.word_count,
        "sentences": summary_sentences(summary),
        "articles": [
            {"id": a, "title": by_id[a].title, "source": by_id[a].credit, "date": iso_date(by_id[a].date),
             "path": by_id[a].path}
            for a in summary.article_ids if a in by_id
        ],
        "issues": [issue_to_dict(i) for i in issues],
    }


def stories_document(stories: Iterable[Story], articles: Iterable[Article],
                     issues: Iterable[FileIssue] = ()) -> dict[str, Any]:
    """The ``khulasa stories --json`` document: stories -> events (timeline order) -> articles."""
    by_id = {a.id: a for a in articles}

    def art(aid: str) -> dict[str, Any]:
        a = by_id[aid]
        return {"id": aid, "title": a.title, "date": iso_date(a.date), "source": a.credit, "outlet": a.outlet,
                "path": a.path}

    return {
        "schema": "khulasa.stories",
        "version": SCHEMA_VERSION,
        "stories": [
            {
                "id": s.id,
                "headline": s.headline,
                "outlets": list(s.outlets),
                "events": [
                    {"id": e.id, "first": iso_date(e.first), "last": iso_date(e.last), "confidence": e.confidence,
                     "headline": e.headline, "headline_article": e.headline_article, "outlets": list(e.outlets),
                     "articles": [art(a) for a in e.article_ids]}
                    for e in s.events
                ],
                "duplicates": [{"kept": g.representative, "members": list(g.members), "outlets": list(g.outlets)}
                               for g in s.duplicates],
            }
            for s in stories
        ],
        "issues": [issue_to_dict(i) for i in issues],
    }
