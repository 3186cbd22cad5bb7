"""The versioned JSON documents of every command and of the HTTP API (see docs/json-schema.md).

Pure functions from model values to plain JSON values (``write_articles_document`` writes to a stream it
is given, for inputs too large to hold); nothing here opens a file. Field lists
come from the model (``to_dict``) wherever the document shows a value whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from khulasa.model import (
    SCHEMA_VERSION,
    Article,
    Digest,
    Entity,
    FigureGroup,
    FileIssue,
    Sentence,
    Story,
    Summary,
    to_dict,
)
from khulasa.output.labels import figure_value, iso_date, thing_label

# What a document lists of an article beside the things that cite it (the digest's and the server's lists).
ARTICLE_SUMMARY_FIELDS = ("id", "title", "date", "source", "outlet", "dateline", "url", "path", "language")


def issue_to_dict(issue: FileIssue) -> dict[str, Any]:
    """``{"path", "reason", "fix", "severity"}``."""
    return dict(to_dict(issue))


def sentence_to_dict(sentence: Sentence) -> dict[str, Any]:
    """``{"index", "start", "end", "text"}``; ``article.text[start:end] == text``."""
    return {"index": sentence.index, "start": sentence.start, "end": sentence.end, "text": sentence.text}


def article_summary(article: Article) -> dict[str, Any]:
    """An article's metadata, without its text (``ARTICLE_SUMMARY_FIELDS``)."""
    values = to_dict(article)
    return {k: values[k] for k in ARTICLE_SUMMARY_FIELDS}


def article_to_dict(article: Article, with_sentences: bool = True) -> dict[str, Any]:
    """An article with its metadata, cleaned text and (optionally) its sentences."""
    values = to_dict(article)
    out: dict[str, Any] = {k: values[k] for k in ("id", "path", "title", "date", "updated", "source", "outlet",
                                                   "dateline", "url", "language", "content_hash", "captions")}
    out["removed_lines"] = values["removed"]
    out["text"] = article.text
    if with_sentences:
        from khulasa.text import split_sentences

        out["sentences"] = [sentence_to_dict(s) for s in split_sentences(article.text, article.id)]
    return out


def write_articles_document(out: TextIO, items: Iterable[Article | FileIssue]) -> tuple[int, list[FileIssue]]:
    """Write the ``khulasa articles --json`` document to ``out`` as ``items`` arrive (articles and
    issues, e.g. ``ingest.stream_articles``): one article in memory at a time. The text is that of
    ``json.dumps(document, ensure_ascii=False, indent=2)``. Returns how many articles were written, and the
    issues (written last)."""
    def dumps(value: object, indent: str) -> str:
        return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + indent)

    head = json.dumps({"schema": "khulasa.articles", "version": SCHEMA_VERSION}, indent=2)[:-2]
    out.write(head + ',\n  "articles": [')
    issues: list[FileIssue] = []
    written = 0
    for item in items:
        if isinstance(item, FileIssue):
            issues.append(item)
            continue
        out.write((",\n    " if written else "\n    ") + dumps(article_to_dict(item), "    "))
        written += 1
    out.write(("\n  ]" if written else "]") + ',\n  "issues": ' + dumps([issue_to_dict(i) for i in issues], "  ")
              + "\n}\n")
    return written, issues


def summary_sentences(summary: Summary) -> list[dict[str, Any]]:
    """The sentences of a summary in order, each with its span and its citations (own article first)."""
    return [
        {"text": s.text, "article_id": s.sentence.article_id, "sentence_index": s.sentence.index,
         "start": s.sentence.start, "end": s.sentence.end,
         "citations": [{**to_dict(c), "similarity": round(c.similarity, 3)} for c in s.citations]}
        for s in summary.sentences
    ]


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


def entity_dict(e: Entity) -> dict[str, Any]:
    """An entity for JSON: name, type, role, mention count, variants, articles."""
    return {"name": e.name, "type": e.type, "role": e.role, "mentions": len(e.mentions),
            "variants": list(e.variants), "articles": list(e.article_ids)}


def figure_group_dict(g: FigureGroup, by_id: Mapping[str, Article]) -> dict[str, Any]:
    """A figure group for JSON: what is counted, the verdict, and each source's value and span."""
    return {"thing": g.thing, "label": thing_label(g), "unit": g.unit, "verdict": g.verdict, "values": [
        {"article_id": f.article_id, "source": by_id[f.article_id].credit, "value": f.value, "low": f.low,
         "high": to_dict(f.high), "qualifier": f.qualifier, "text": f.text,
         "display": figure_value(f), "sentence_index": f.sentence_index, "start": f.start, "end": f.end}
        for f in g.figures]}


def facts_document(result: Digest) -> dict[str, Any]:
    """The ``khulasa facts --json`` document: per story, entities and key figures."""
    by_id = {a.id: a for a in result.articles}
    return {"schema": "khulasa.facts", "version": SCHEMA_VERSION, "stories": [
        {"id": sd.story.id, "headline": sd.story.headline, "entities": [entity_dict(e) for e in sd.entities],
         "figures": [figure_group_dict(g, by_id) for g in sd.figures]} for sd in result.stories],
        "issues": [issue_to_dict(i) for i in result.issues]}


def digest_document(result: Digest) -> dict[str, Any]:
    """The ``khulasa digest --json`` document (schema ``khulasa.digest``)."""
    stories = stories_document([sd.story for sd in result.stories], result.articles)["stories"]
    by_id = {a.id: a for a in result.articles}
    for doc, sd in zip(stories, result.stories, strict=True):
        doc["summary"] = {"word_count": sd.summary.word_count, "sentences": summary_sentences(sd.summary)}
        doc["timeline"] = doc.pop("events")
        for event, written in zip(doc["timeline"], sd.events, strict=False):  # none in a digest stored before them
            event["summary"] = {"word_count": written.word_count, "sentences": summary_sentences(written)}
        doc["entities"] = [entity_dict(e) for e in sd.entities]
        doc["figures"] = [figure_group_dict(g, by_id) for g in sd.figures]
    return {
        "schema": "khulasa.digest",
        "version": SCHEMA_VERSION,
        "max_words": result.max_words,
        "stories": stories,
        "articles": [article_summary(a) for a in result.articles],
        "issues": [issue_to_dict(i) for i in result.issues],
    }
