"""Readers: paths (files, folders, "-" for standard input) to ``RawDocument``s plus per-input issues.

Formats: .txt (plain scrape), .html/.htm (trafilatura with its metadata), .jsonl (one article per
line; field names configurable). Nothing here raises for a bad input: it becomes a ``FileIssue``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import stat
import sys
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, NamedTuple

from khulasa.errors import InputError
from khulasa.ingest.decode import decode
from khulasa.model import FileIssue, RawDocument

MAX_BYTES = 50_000_000  # 50 MB, as --max-mb counts them (10^6 bytes)
TEXT_SUFFIXES = frozenset({".txt", ".text", ""})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
MAX_ARCHIVE_BYTES = 2_000_000_000  # 2 GB uncompressed, all members together

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


def _iter_files(path: Path, issues: list[FileIssue]) -> Iterator[Path]:
    """Entries under ``path`` to read, in a stable order, hidden ones skipped: regular files, and the
    entries that are not (FIFOs, devices, sockets, dangling links), which ``_read_bytes`` then refuses by
    name. A folder that cannot be listed becomes an issue; the walk goes on."""
    if not path.is_dir():
        yield path
        return

    def unreadable(exc: OSError) -> None:
        issues.append(FileIssue(str(exc.filename or path), f"the folder cannot be read ({exc.strerror})",
                                "check its permissions; the rest was read"))

    found: list[Path] = []
    for folder, dirs, files in os.walk(path, onerror=unreadable, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(folder) / f for f in files if not f.startswith("."))
    yield from sorted(found)


def _too_large(where: str, max_bytes: int, size: int | None = None) -> InputError:
    """The refusal of an input over ``max_bytes`` (``size``: its size when known, else it was cut off)."""
    how_big = f"{size / 1e6:.1f} MB" if size is not None else f"more than {max_bytes / 1e6:g} MB"
    return InputError(where, f"the input is {how_big}, over the {max_bytes / 1e6:g} MB limit",
                      "split it into smaller files, or raise the limit with --max-mb")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``max_bytes`` of them (the limit holds while
    reading: a file that grows, or a device, cannot make it read more); ``InputError`` otherwise."""
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        what = "a link to a missing file" if path.is_symlink() else "no such file or folder"
        raise InputError(str(path), what, "check the path") from exc
    except OSError as exc:
        raise InputError(str(path), f"cannot read it ({exc.strerror})", "check the path and permissions") from exc
    if not stat.S_ISREG(info.st_mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "a device" if stat.S_ISCHR(info.st_mode)
                or stat.S_ISBLK(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise InputError(str(path), f"this is {kind}, not a file of articles",
                         "pass regular files, or pipe the data to standard input with -")
    if info.st_size > max_bytes:
        raise _too_large(str(path), max_bytes, info.st_size)
    try:
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(str(path), f"cannot read it ({exc.strerror})", "check the permissions") from exc
    if len(data) > max_bytes:
        raise _too_large(str(path), max_bytes)
    return data


def _kind(name: str) -> str | None:
    suffix = Path(name).suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    return "txt" if suffix in TEXT_SUFFIXES else None


_MAX_RATIO = 200  # a member over 1 MB that compresses better than this is taken for an archive bomb
_RATIO_FROM = 1_000_000


# What zipfile and tarfile raise on a broken, encrypted or exotic archive (found by tests/test_fuzz_ingest.py):
# besides their own errors, NotImplementedError (a compression method, strong encryption, a zip version),
# UnicodeDecodeError (a member name), OverflowError (a tar header's length field), EOFError, zlib.error, OSError,
# ValueError.
_ARCHIVE_ERRORS = (OSError, EOFError, ValueError, ArithmeticError, NotImplementedError, zlib.error, zipfile.BadZipFile,
                   tarfile.TarError)


# The mark of every page khulasa writes (khulasa.output.html): such a file in a scrape folder is not read back.
_GENERATED = re.compile(r"""<meta\s+name=["']generator["']\s+content=["']khulasa\b""", re.IGNORECASE)


class _Entry(NamedTuple):
    """An article file inside an archive: its name, declared size, compressed size, and how to open it."""

    name: str
    size: int
    packed: int
    open: Callable[[], IO[bytes] | None]


def _archive_entries(path: Path) -> Iterator[_Entry | FileIssue]:
    """The article files of a zip or tar archive, by name, and issues for the members that are not read
    (nested archives, links, devices): none is skipped in silence."""
    where = str(path)

    def wanted(name: str) -> bool:
        return _kind(name) is not None and not Path(name).name.startswith(".")

    def nested(name: str) -> FileIssue:
        return FileIssue(f"{where}!{name}", "a nested archive, not read", "extract it and pass it on its own",
                         severity="warning")

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in sorted(zf.infolist(), key=lambda i: i.filename):
                if info.is_dir():
                    continue
                if info.filename.lower().endswith(ARCHIVE_SUFFIXES):
                    yield nested(info.filename)
                elif wanted(info.filename):
                    yield _Entry(info.filename, info.file_size, info.compress_size, functools.partial(zf.open, info))
        return
    if path.name.lower().endswith(".zip"):
        raise InputError(str(path), "this is not a valid zip archive", "check that the download is complete")
    with tarfile.open(path) as tf:
        for member in sorted(tf.getmembers(), key=lambda m: m.name):
            if member.isdir():
                continue
            if not member.isfile():
                what = ("a symbolic link" if member.issym() else "a hard link" if member.islnk()
                        else "a device or FIFO")
                if wanted(member.name) or member.issym() or member.islnk():
                    yield FileIssue(f"{where}!{member.name}", f"{what}, not read (only regular members are)",
                                    "store the file itself in the archive", severity="warning")
            elif member.name.lower().endswith(ARCHIVE_SUFFIXES):
                yield nested(member.name)
            elif wanted(member.name):
                yield _Entry(member.name, member.size, member.size, functools.partial(tf.extractfile, member))


def _archive_members(path: Path, max_bytes: int) -> Iterator[tuple[str, bytes] | FileIssue]:
    """``(member name, bytes)`` of the article files in a zip or tar archive, or issues for bad members.

    Each member is read as a stream, at most ``max_bytes`` of it (declared sizes can lie); a member that
    fails (a CRC error, a truncated stream) is named and the next ones are still read; a member over 1 MB
    that compresses more than 200:1 is refused as an archive bomb; the archive stops once the bytes read
    pass ``MAX_ARCHIVE_BYTES``.
    """

    where = str(path)
    total = 0
    try:
        for entry in _archive_entries(path):
            if isinstance(entry, FileIssue):
                yield entry
                continue
            at = f"{where}!{entry.name}"
            if entry.size > max_bytes:
                yield FileIssue(at, f"the member is {entry.size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit",
                                "extract it and split it, or raise --max-mb")
                continue
            if entry.size > _RATIO_FROM and entry.size > _MAX_RATIO * max(entry.packed, 1):
                yield FileIssue(at, f"the member unpacks {entry.size // max(entry.packed, 1)} times larger than it "
                                "is stored (an archive bomb?); not read", "extract it by hand if you trust it")
                continue
            try:
                handle = entry.open()
                data = handle.read(max_bytes + 1) if handle is not None else b""
            except _ARCHIVE_ERRORS as exc:
                detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                yield FileIssue(at, f"the member cannot be read ({detail})",
                                "the other members were read; re-create the archive or extract it by hand")
                continue
            if len(data) > max_bytes:
                yield FileIssue(at, f"the member is more than {max_bytes / 1e6:g} MB, over the limit",
                                "extract it and split it, or raise --max-mb")
                continue
            total += len(data)
            if total > MAX_ARCHIVE_BYTES:
                yield FileIssue(where, f"the archive unpacks to more than {MAX_ARCHIVE_BYTES / 1e9:g} GB; the rest "
                                "was not read", "extract it and pass the folders")
                return
            yield entry.name, data
    except InputError as exc:
        yield FileIssue(exc.path, exc.reason, exc.fix)
    except _ARCHIVE_ERRORS as exc:
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
    # JSON Lines end at "\n" only: U+2028, U+2029, U+0085 inside a string are text (str.splitlines breaks there).
    for lineno, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.removesuffix("\r")
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
    docs: list[RawDocument] = []
    issues: list[FileIssue] = []
    for item in iter_raw(paths, fields=fields, max_bytes=max_bytes, stdin=stdin):
        (issues if isinstance(item, FileIssue) else docs).append(item)  # type: ignore[arg-type]
    return docs, issues


def iter_raw(paths: list[str], *, fields: Mapping[str, tuple[str, ...]] | None = None,
             max_bytes: int = MAX_BYTES, stdin: bytes | None = None) -> Iterator[RawDocument | FileIssue]:
    """``read_raw`` as a stream: documents and issues in input order, one file in memory at a time."""
    field_names = {**DEFAULT_FIELDS, **(fields or {})}
    docs: list[RawDocument] = []
    issues: list[FileIssue] = []

    def drain() -> Iterator[RawDocument | FileIssue]:
        yield from issues
        yield from docs
        issues.clear()
        docs.clear()

    for given in paths:
        if given == "-":
            data = stdin if stdin is not None else sys.stdin.buffer.read(max_bytes + 1)
            if len(data) > max_bytes:
                exc = _too_large("<stdin>", max_bytes)
                issues.append(FileIssue(exc.path, exc.reason, exc.fix))
            else:
                _read_one(data, "<stdin>", "stdin", "stdin", None, field_names, docs, issues)
            yield from drain()
            continue
        root = Path(given)
        if not root.exists():
            issues.append(FileIssue(given, "no such file or folder", "check the path"))
            continue
        found = False
        for file in _iter_files(root, issues):
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
                    yield from drain()
                continue
            if root.is_dir() and suffix not in SUPPORTED and (file.is_file() or file.is_dir()):
                continue  # images, notes, READMEs beside the articles (but a FIFO or a dangling link is named)
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
            yield from drain()
        if root.is_dir() and not found:
            issues.append(FileIssue(given, "the folder holds no .txt, .html or .jsonl files",
                                    "point at the folder that holds the articles"))
    yield from drain()


def _read_one(data: bytes, path: str, stem: str, group: str, kind: str | None,
              fields: Mapping[str, tuple[str, ...]], docs: list[RawDocument], issues: list[FileIssue]) -> None:
    try:
        text, _encoding, other_lines = decode(data, path)
        if _GENERATED.search(text[:4096]):
            issues.append(FileIssue(path, "a page khulasa wrote (its digest), not an article; not read",
                                    "keep khulasa's output outside the folders of articles", severity="note"))
            return
        if other_lines:
            shown = ", ".join(map(str, other_lines[:10])) + (" ..." if len(other_lines) > 10 else "")
            issues.append(FileIssue(path, f"UTF-8 but for {len(other_lines)} line(s) in an Arabic code page "
                                    f"(line {shown}); those lines were decoded as windows-1256 or ISO-8859-6",
                                    "check those lines, and save the file as UTF-8", severity="warning"))
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
