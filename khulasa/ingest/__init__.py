"""Ingestion stage: paths -> cleaned ``Article``s with metadata, plus per-input issues."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import IO

from khulasa.ingest.clean import (
    RecurringCounts,
    candidate_keys,
    clean_document,
    learn_recurring,
    line_hash,
)
from khulasa.ingest.readers import DEFAULT_FIELDS, MAX_BYTES, iter_raw
from khulasa.model import Article, Batch, FileIssue, RawDocument
from khulasa.text import LANGUAGE_NAMES, content_hash

log = logging.getLogger(__name__)
__all__ = ["DEFAULT_FIELDS", "MAX_BYTES", "RawDocument", "clean_batch", "read_articles", "stream_articles"]


def clean_batch(docs: Iterable[RawDocument], prior: Mapping[str, tuple[int, Mapping[int, int]]] | None = None
                ) -> tuple[list[Article], list[FileIssue]]:
    """Clean raw documents as one batch (recurring outlet lines are learned from the batch, and from
    ``prior``: a store's counts of the outlets' earlier articles, see ``learn_recurring``).

    Returns the articles (an id already taken gets ``~`` and 6 digits of the article's content hash, as
    in the store) and issues for articles left with no
    text, and warnings for articles that are not in Arabic (kept, flagged). Articles of a folder
    whose articles name two or more outlets are not credited to the folder (``folder_credit``).
    """
    docs = list(docs)
    recurring = learn_recurring(docs, prior=prior)
    articles: list[Article] = []
    issues: list[FileIssue] = []
    seen: dict[str, int] = {}
    for doc in docs:
        kept, issue = _accept(doc, recurring, seen)
        articles.extend(kept)
        issues.extend(issue)
    return _credit_piles(articles), issues


def _accept(doc: RawDocument, recurring: frozenset[str], seen: dict[str, int]) -> tuple[list[Article], list[FileIssue]]:
    """One document cleaned: its article (or parts, or none) and what to say about it. ``seen`` holds
    the ids taken so far in the batch (updated)."""
    article = clean_document(doc, recurring)
    if not article.text.strip():
        return [], [FileIssue(doc.path, "no article text left after removing page furniture",
                              "check that the file holds an article body")]
    issues: list[FileIssue] = []
    if article.language != "ar":
        name = LANGUAGE_NAMES.get(article.language, article.language)
        what = "not Arabic (language unknown)" if article.language == "und" else f"in {name}, not Arabic"
        issues.append(FileIssue(doc.path, f"the article is {what}; it is kept and marked "
                                f"language={article.language}", "drop it if only Arabic is wanted",
                                severity="warning"))
    if article.id in seen:  # the store's rule too: the same id whatever the order or the run
        base = f"{article.id}~{article.content_hash[:6]}"
        n = seen.get(base, 0)
        article = replace(article, id=base if not n else f"{base}-{n + 1}")  # the same text twice
        seen[base] = n + 1
    seen[article.id] = 1
    parts = split_giant(article)
    if len(parts) > 1:
        issues.append(FileIssue(doc.path, f"the text is {len(article.text) / 1e6:.1f} million characters, far "
                                f"more than a news article; it is read as {len(parts)} parts of at most "
                                f"{MAX_ARTICLE_CHARS / 1e6:g} million characters (ids {parts[0].id} ...)",
                                "pass one file per article", severity="warning"))
    return parts, issues


MAX_ARTICLE_CHARS = 400_000  # about 60,000 words: longer "articles" are read in parts (work per article is bounded)


def split_giant(article: Article, limit: int = MAX_ARTICLE_CHARS) -> list[Article]:
    """``article`` itself, or, when its text is longer than ``limit`` characters, its parts (cut at line
    breaks, else at spaces; ids ``ID#part1``, ``ID#part2`` ...), each with its own content hash."""
    text = article.text
    if len(text) <= limit:
        return [article]
    parts: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + limit)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            cut = cut if cut > start else text.rfind(" ", start, end)
            end = cut if cut > start else end
        parts.append(text[start:end].strip())
        start = end
    parts = [p for p in parts if p]
    return [replace(article, id=f"{article.id}#part{k}", text=p, content_hash=content_hash(p))
            for k, p in enumerate(parts, start=1)]


def _folder(a: Article) -> str:
    """The whole folder path of an article's file: two "news" folders are two folders."""
    return a.path.replace("\\", "/").rpartition("/")[0]


def _credit_piles(articles: list[Article]) -> list[Article]:
    """``articles`` with ``folder_credit`` off for those read from a pile: a folder whose articles
    name two or more outlets is a collection, and its name is no publisher."""
    outlets: defaultdict[str, set[str]] = defaultdict(set)
    for a in articles:
        if a.outlet:
            outlets[_folder(a)].add(a.outlet)
    piles = {folder for folder, names in outlets.items() if len(names) > 1}
    return [replace(a, folder_credit=False) if _folder(a) in piles else a for a in articles]


def read_articles(paths: Iterable[str], *, fields: Mapping[str, tuple[str, ...]] | None = None,
                  max_bytes: int = MAX_BYTES, stdin: bytes | None = None) -> Batch:
    """Read and clean the articles at ``paths`` (files, folders, "-" for stdin).

    Bad inputs (empty, binary, undecodable, too large, malformed lines, non-Arabic) become
    ``FileIssue``s in the returned ``Batch``; the rest of the batch is always read.
    """
    articles: list[Article] = []
    issues: list[FileIssue] = []
    for item in stream_articles(paths, fields=fields, max_bytes=max_bytes, stdin=stdin):
        if isinstance(item, Article):
            articles.append(item)
            continue
        issues.append(item)
        if item.severity == "error":
            log.info("skipped %s: %s", item.path, item.reason)
    return Batch(tuple(articles), tuple(issues))


def stream_articles(paths: Iterable[str], *, fields: Mapping[str, tuple[str, ...]] | None = None,
                    max_bytes: int = MAX_BYTES, stdin: bytes | None = None, min_docs: int = 3,
                    min_share: float = 0.4) -> Iterator[Article | FileIssue]:
    """``read_articles`` as a stream: the same articles (in the same order) and issues, for piles of any
    size. Memory holds one file at a time and the outlets' line counts (one 64-bit hash per distinct
    short line); the documents wait in temporary files between the three passes (read and count lines;
    clean with the whole pile's recurring lines; credit folders that turned out to be piles)."""
    import pickle
    import tempfile

    def spilled(f: IO[bytes]) -> Iterator[object]:
        f.seek(0)
        while True:
            try:
                yield pickle.load(f)  # our own temporary file, written just before
            except EOFError:
                return

    counts: dict[str, tuple[int, Counter[int]]] = {}
    with tempfile.TemporaryFile(prefix="khulasa-") as raw, tempfile.TemporaryFile(prefix="khulasa-") as cleaned:
        for item in iter_raw(list(paths), fields=fields, max_bytes=max_bytes, stdin=stdin):
            if isinstance(item, FileIssue):
                yield item
                continue
            n, seen_lines = counts.get(item.group, (0, Counter()))
            seen_lines.update({line_hash(k) for k in candidate_keys(item) if k})
            counts[item.group] = (n + 1, seen_lines)
            pickle.dump(item, raw, protocol=pickle.HIGHEST_PROTOCOL)
        outlets: defaultdict[str, set[str]] = defaultdict(set)
        taken: dict[str, int] = {}
        for doc in spilled(raw):
            assert isinstance(doc, RawDocument)
            n, seen_lines = counts[doc.group]
            threshold = max(min_docs, min_share * n)
            recurring = frozenset() if n < min_docs else frozenset(
                f"{doc.group}\x00{k}" for k in candidate_keys(doc) if k and seen_lines[line_hash(k)] >= threshold)
            kept, issues = _accept(doc, recurring, taken)
            yield from issues
            for article in kept:
                if article.outlet:
                    outlets[_folder(article)].add(article.outlet)
                pickle.dump(article, cleaned, protocol=pickle.HIGHEST_PROTOCOL)
        counts.clear()
        piles = {folder for folder, names in outlets.items() if len(names) > 1}
        for done in spilled(cleaned):
            assert isinstance(done, Article)
            yield replace(done, folder_credit=False) if _folder(done) in piles else done


LineHistory = Callable[[Mapping[str, Iterable[int]]], Mapping[str, tuple[int, Mapping[int, int]]]]


def with_history(docs: Sequence[RawDocument], history: LineHistory
                 ) -> tuple[Mapping[str, tuple[int, Mapping[int, int]]], dict[str, tuple[str, frozenset[int]]]]:
    """What a store has seen of the groups and lines of ``docs`` (``history``: ``Store.recurring``), for
    ``learn_recurring``, and per document its group and line hashes (``lines_of`` turns those of the new
    articles into the counts to add to the store)."""
    per_doc = {d.id: (d.group, frozenset(line_hash(k) for k in candidate_keys(d) if k)) for d in docs}
    wanted: dict[str, set[int]] = {}
    for group, lines in per_doc.values():
        wanted.setdefault(group, set()).update(lines)
    return history({group: sorted(lines) for group, lines in wanted.items()}), per_doc


def iter_with_history(paths: Iterable[str], history: LineHistory, *, chunk: int = 1000,
                      fields: Mapping[str, tuple[str, ...]] | None = None, max_bytes: int = MAX_BYTES,
                      stdin: bytes | None = None) -> Iterator[tuple[Batch, dict[str, tuple[str, frozenset[int]]]]]:
    """``read_articles`` for a store, in batches of ``chunk`` documents read as the caller asks for them
    (memory holds one batch). An outlet's recurring lines are learned from the batch and from ``history``
    (the store's counts for the groups and line hashes asked, ``Store.recurring``); the caller stores
    each batch and adds its new articles' lines (``lines_of`` the per-document hashes yielded with it)
    before the next one is cleaned. The last batch carries the issues left (it may hold no article)."""
    docs: list[RawDocument] = []
    issues: list[FileIssue] = []

    def batch() -> tuple[Batch, dict[str, tuple[str, frozenset[int]]]]:
        prior, per_doc = with_history(docs, history)
        articles, clean_issues = clean_batch(docs, prior)
        out = Batch(tuple(articles), tuple(issues + clean_issues))
        docs.clear()
        issues.clear()
        return out, per_doc

    for item in iter_raw(list(paths), fields=fields, max_bytes=max_bytes, stdin=stdin):
        if isinstance(item, FileIssue):
            issues.append(item)
        else:
            docs.append(item)
            if len(docs) >= chunk:
                yield batch()
    yield batch()


def lines_of(per_doc: Mapping[str, tuple[str, frozenset[int]]], added: Iterable[str]) -> RecurringCounts:
    """The line counts of the documents whose articles were added (ids as the store reports them:
    ``ID``, ``ID~...``, ``ID#part...``), to add to the store's history."""
    out: RecurringCounts = {}
    for aid in dict.fromkeys(a.split("#part")[0] for a in added):
        doc_id = aid if aid in per_doc else aid.rsplit("~", 1)[0]
        if doc_id not in per_doc:
            continue
        group, lines = per_doc[doc_id]
        n, counts = out.get(group, (0, Counter()))
        counts.update(lines)
        out[group] = (n + 1, counts)
    return out
