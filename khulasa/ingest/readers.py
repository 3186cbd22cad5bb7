"""Readers: paths (files, folders, "-" for standard input) to ``RawDocument``s plus per-input issues.

Formats: .txt (plain scrape), .html/.htm (trafilatura with its metadata), .jsonl (one article per
line; field names configurable). Nothing here raises for a bad input: it becomes a ``FileIssue``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from khulasa.errors import InputError
from khulasa.ingest.decode import decode
from khulasa.model import FileIssue, RawDocument

MAX_BYTES = 50 * 1024 * 1024
TEXT_SUFFIXES = frozenset({".txt", ".text", ""})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
MAX_ARCHIVE_BYTES = 2 * 1024 * 1024 * 1024  # uncompressed, all members together

DEFAULT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "article", "maintext", "html"),
    "title": ("title", "headline"),
    "date": ("date", "published", "publication_date", "pubDate", "date_publish", "datetime", "published_at"),
    "url": ("url", "link"),
    "source": ("source", "outlet", "site", "sitename", "publisher", "source_name"),
    "id": ("id", "doc_id", "article_id", "uid"),
}


def parse_iso_date(value: object) -> dt.date | None:
    """A date from an ISO-like string ("2015-01-18", "2015-01-18T10:00:00Z", "2015/01/18"), else None."""
    if not isinstance(value, str):
        return None
    m = re.match(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", value)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _iter_files(path: Path) -> Iterator[Path]:
    """Files under ``path`` in a stable order, hidden ones skipped."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            rel = child.relative_to(path)
            if child.is_file() and not any(part.startswith(".") for part in rel.parts):
                yield child
    else:
        yield path


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise InputError(str(path), "no such file or folder", "check the path") from exc
    except OSError as exc:
        raise InputError(str(path), f"cannot read it ({exc.strerror})", "check the path and permissions") from exc
    if size > max_bytes:
        raise InputError(str(path), f"the file is {size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit",
                         "split it into smaller files, or raise the limit with --max-mb")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read it ({exc.strerror})", "check the permissions") from exc


def _kind(name: str) -> str | None:
    suffix = Path(name).suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    return "txt" if suffix in TEXT_SUFFIXES else None


def _archive_entries(path: Path) -> Iterator[tuple[str, int, Callable[[], bytes]]]:
    """``(name, uncompressed size, read)`` for the article files of a zip or tar archive, by name."""
    import tarfile
    import zipfile

    def wanted(name: str) -> bool:
        return _kind(name) is not None and not Path(name).name.startswith(".")

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in sorted(zf.infolist(), key=lambda i: i.filename):
                if not info.is_dir() and wanted(info.filename):
                    yield info.filename, info.file_size, functools.partial(zf.read, info)
        return
    if path.name.lower().endswith(".zip"):
        raise InputError(str(path), "this is not a valid zip archive", "check that the download is complete")
    with tarfile.open(path) as tf:
        for member in sorted(tf.getmembers(), key=lambda m: m.name):
            if member.isfile() and wanted(member.name):
                handle = tf.extractfile(member)
                if handle is not None:
                    yield member.name, member.size, handle.read


def _archive_members(path: Path, max_bytes: int) -> Iterator[tuple[str, bytes] | FileIssue]:
    """``(member name, bytes)`` of the article files in a zip or tar archive, or issues for bad members.

    Members over ``max_bytes`` are refused one by one; the archive stops once the uncompressed total
    passes ``MAX_ARCHIVE_BYTES`` (an archive bomb cannot fill the memory).
    """
    import tarfile
    import zipfile

    where = str(path)
    total = 0
    try:
        for name, size, read in _archive_entries(path):
            if size > max_bytes:
                yield FileIssue(f"{where}!{name}", f"the member is {size / 1e6:.0f} MB, over the limit",
                                "extract it and split it, or raise --max-mb")
                continue
            total += size
            if total > MAX_ARCHIVE_BYTES:
                yield FileIssue(where, "the archive unpacks to more than 2 GB; the rest was not read",
                                "extract it and pass the folders")
                return
            yield name, read()
    except InputError as exc:
        yield FileIssue(exc.path, exc.reason, exc.fix)
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        yield FileIssue(where, f"the archive cannot be read ({detail})",
                        "check that the download is complete, or extract it by hand")


def _html_document(html: str, path: str, doc_id: str, group: str) -> RawDocument:
    """Extract the article of an HTML page with trafilatura (text, title, date, site name)."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, favor_recall=True,
                                          include_comments=False, include_tables=False)
    except Exception as exc:  # trafilatura raises many types on broken markup
        raise InputError(path, f"the HTML could not be parsed ({type(exc).__name__})",
                         "check that the file is an HTML page") from exc
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    if not text.strip():
        text = _html_fallback_text(html)
    if not text.strip():
        raise InputError(path, "no article text was found in the HTML page",
                         "pass the article page itself (not an index or a script-only page)")
    meta: dict[str, Any] = {}
    if doc is not None:
        meta = doc if isinstance(doc, dict) else doc.as_dict()
    return RawDocument(
        id=doc_id, path=path, text=text, title=meta.get("title") or "",
        date=parse_iso_date(meta.get("date")), outlet=meta.get("sitename") or "",
        url=meta.get("url") or "", group=meta.get("sitename") or group,
    )


def _html_fallback_text(html: str) -> str:
    """Paragraph text of a page trafilatura found nothing in (tags stripped)."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except Exception:  # lxml raises ParserError/ValueError on hopeless input
        return ""
    for bad in tree.xpath("//script|//style|//nav|//footer|//header"):
        bad.drop_tree()
    return "\n".join(t.strip() for t in tree.xpath("//p//text()|//h1//text()") if t.strip())


def _field(record: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            if isinstance(value, dict):
                return value.get("name") or value.get("title") or ""
            return value
    return None


def _jsonl_documents(text: str, path: str, stem: str, group: str,
                     fields: Mapping[str, tuple[str, ...]]) -> Iterator[RawDocument | FileIssue]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield FileIssue(where, f"malformed JSON ({exc.msg} at column {exc.colno})",
                            "fix or remove that line; the other lines were read")
            continue
        if not isinstance(record, dict):
            yield FileIssue(where, "the line is JSON but not an object", "write one JSON object per line")
            continue
        body = _field(record, fields["text"])
        if not isinstance(body, str) or not body.strip():
            names = "/".join(fields["text"])
            yield FileIssue(where, f"no article text (looked for the field {names})",
                            "name the text field with --field text=NAME")
            continue
        rid = _field(record, fields["id"])
        doc_id = str(rid) if rid is not None else f"{stem}-{lineno}"
        source = str(_field(record, fields["source"]) or "")
        if body.lstrip().startswith("<"):
            try:
                html_doc = _html_document(body, where, doc_id, group)
            except InputError as exc:
                yield FileIssue(exc.path, exc.reason, exc.fix)
                continue
            body = html_doc.text
        yield RawDocument(
            id=doc_id, path=where, text=body, title=str(_field(record, fields["title"]) or ""),
            date=parse_iso_date(_field(record, fields["date"])), source=source,
            url=str(_field(record, fields["url"]) or ""), group=source or group,
        )


def _sniff(data: str) -> str:
    head = data.lstrip()[:500].lower()
    if head.startswith("{"):
        return "jsonl"
    if head.startswith(("<!doctype html", "<html", "<?xml")) or "<body" in head:
        return "html"
    return "txt"


def read_raw(paths: list[str], *, fields: Mapping[str, tuple[str, ...]] | None = None,
             max_bytes: int = MAX_BYTES, stdin: bytes | None = None) -> tuple[list[RawDocument], list[FileIssue]]:
    """Read ``paths`` (files, folders, "-") into raw documents and issues; never raises for bad input.

    Args:
        paths: files, folders (read recursively) or "-" for standard input.
        fields: JSONL field names to try, per key of ``DEFAULT_FIELDS`` (overrides per key).
        max_bytes: larger files are refused with an issue.
        stdin: bytes to use for "-" (default: read ``sys.stdin``).
    """
    field_names = {**DEFAULT_FIELDS, **(fields or {})}
    docs: list[RawDocument] = []
    issues: list[FileIssue] = []
    for given in paths:
        if given == "-":
            data = stdin if stdin is not None else sys.stdin.buffer.read()
            _read_one(data, "<stdin>", "stdin", "stdin", None, field_names, docs, issues)
            continue
        root = Path(given)
        if not root.exists():
            issues.append(FileIssue(given, "no such file or folder", "check the path"))
            continue
        found = False
        for file in _iter_files(root):
            suffix = file.suffix.lower()
            if file.name.lower().endswith(ARCHIVE_SUFFIXES):
                found = True
                base = file.name
                for item in _archive_members(file, max_bytes):
                    if isinstance(item, FileIssue):
                        issues.append(item)
                        continue
                    name, data = item
                    stem = f"{base}/{Path(name).with_suffix('').as_posix()}"
                    _read_one(data, f"{file}!{name}", stem, f"{file}!{Path(name).parent}", _kind(name), field_names,
                              docs, issues)
                continue
            if root.is_dir() and suffix not in SUPPORTED:
                continue  # images, notes, READMEs beside the articles
            found = True
            try:
                data = _read_bytes(file, max_bytes)
            except InputError as exc:
                issues.append(FileIssue(exc.path, exc.reason, exc.fix))
                continue
            kind = ("html" if suffix in HTML_SUFFIXES else "jsonl" if suffix in JSONL_SUFFIXES
                    else "txt" if suffix in TEXT_SUFFIXES else None)
            group = str(file.parent)
            stem = file.relative_to(root).with_suffix("").as_posix() if root.is_dir() else file.stem
            _read_one(data, str(file), stem, group, kind, field_names, docs, issues)
        if root.is_dir() and not found:
            issues.append(FileIssue(given, "the folder holds no .txt, .html or .jsonl files",
                                    "point at the folder that holds the articles"))
    return docs, issues


def _read_one(data: bytes, path: str, stem: str, group: str, kind: str | None,
              fields: Mapping[str, tuple[str, ...]], docs: list[RawDocument], issues: list[FileIssue]) -> None:
    try:
        text, _encoding = decode(data, path)
        kind = kind or _sniff(text)
        if kind == "jsonl":
            for item in _jsonl_documents(text, path, stem, group, fields):
                (issues if isinstance(item, FileIssue) else docs).append(item)  # type: ignore[arg-type]
        elif kind == "html":
            docs.append(_html_document(text, path, stem, group))
        else:
            docs.append(RawDocument(id=stem, path=path, text=text, group=group))
    except InputError as exc:
        issues.append(FileIssue(exc.path, exc.reason, exc.fix))
