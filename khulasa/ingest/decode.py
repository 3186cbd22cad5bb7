"""Bytes to text: BOMs, UTF-8, UTF-16, windows-1256 and ISO-8859-6, and binary detection."""

from __future__ import annotations

import codecs
import logging
import re
from typing import NamedTuple

from khulasa.errors import InputError

log = logging.getLogger(__name__)
_ARABIC = re.compile("[\u0621-\u064a]")
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF")
_CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _looks_binary(data: bytes) -> bool:
    if data.startswith(_BINARY_MAGIC):
        return True
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) * 0.05


def _utf16_without_bom(data: bytes) -> str | None:
    head = data[:4096]
    if len(head) < 4:
        return None
    even_zero = head[0::2].count(0) / max(1, len(head[0::2]))
    odd_zero = head[1::2].count(0) / max(1, len(head[1::2]))
    # Arabic in UTF-16 has 0x06 high bytes; Latin has 0x00 high bytes.
    even_06 = head[0::2].count(6) / max(1, len(head[0::2]))
    odd_06 = head[1::2].count(6) / max(1, len(head[1::2]))
    for encoding, score in (("utf-16-le", odd_zero + odd_06), ("utf-16-be", even_zero + even_06)):
        if score > 0.3:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _arabic_share(text: str) -> float:
    letters = sum(1 for ch in text[:20000] if ch.isalpha())
    return len(_ARABIC.findall(text[:20000])) / letters if letters else 0.0


class Decoded(NamedTuple):
    """Decoded text: the encoding found, and the numbers (from 1) of lines that were in another one."""

    text: str
    encoding: str
    other_lines: tuple[int, ...] = ()


def _text_encoding(name: str | None) -> str | None:
    """``name`` when it names a text encoding Python has ("undefined", "rot13", "base64" and unknown names
    do not), else None."""
    if not name:
        return None
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    return name if getattr(info, "_is_text_encoding", True) and info.name != "undefined" else None


def _mixed_utf8(data: bytes) -> tuple[str, tuple[int, ...]] | None:
    """A UTF-8 text with a few lines in an Arabic code page (pasted from another file): each such line
    decoded with the code page that gives it Arabic letters; returns the text and those line numbers
    (from 1), or None when most lines are not UTF-8 (then the file is in another encoding)."""
    lines = data.split(b"\n")
    out: list[str] = []
    other: list[int] = []
    utf8 = 0  # lines that are UTF-8 and not plain ASCII: the evidence that the file is UTF-8
    for n, raw in enumerate(lines, start=1):
        try:
            out.append(raw.decode("utf-8"))
            utf8 += not raw.isascii()
        except UnicodeDecodeError:
            best = max((raw.decode(e, "replace") for e in ("cp1256", "iso8859-6")), key=_arabic_share)
            out.append(best)
            other.append(n)
    if not other or utf8 < 2 * len(other):
        return None
    return "\n".join(out), tuple(other)


def decode(data: bytes, path: str, declared: str | None = None) -> Decoded:
    """Decode ``data`` read from ``path``; return its text, the encoding, and the lines in another encoding.

    Tries BOMs, a declared charset (HTML meta, when it names a text encoding), UTF-8, UTF-8 with a few
    lines in an Arabic code page (encoding ``"utf-8+cp1256"``; logged with the line numbers), UTF-16
    without BOM, then the Arabic single-byte code pages (windows-1256, ISO-8859-6), choosing the one that
    yields Arabic letters.

    Raises:
        InputError: empty, binary or undecodable input (the message names ``path`` and the fix).
    """
    if not data.strip():
        raise InputError(path, "the file is empty", "remove it or pass a file with article text")
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                raise InputError(path, f"the bytes do not match the {encoding} byte-order mark ({exc.reason})",
                                 "re-save the file as UTF-8") from exc
    utf16 = _utf16_without_bom(data) if b"\x00" in data[:4096] else None
    if utf16 is not None:
        log.info("%s: no byte-order mark; decoded as UTF-16 (from its zero bytes)", path)
        return Decoded(utf16, "utf-16")
    if _looks_binary(data):
        raise InputError(path, "this is a binary file, not text",
                         "pass .txt, .html or .jsonl articles, or a .zip/.tar archive of them (extract the text of "
                         "PDFs and office files first)")
    if declared is None:
        m = _CHARSET_META.search(data[:4096])
        declared = m.group(1).decode("ascii", "ignore").lower() if m else None
    declared = _text_encoding(declared)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    mixed = _mixed_utf8(data)
    if mixed is not None:
        text, lines = mixed
        shown = ", ".join(map(str, lines[:10])) + (" ..." if len(lines) > 10 else "")
        log.info("%s: UTF-8 but for %d line(s) in an Arabic code page (%s)", path, len(lines), shown)
        return Decoded(text, "utf-8+cp1256", lines)
    candidates: list[tuple[float, str, str]] = []
    order = ["cp1256", "iso8859-6"]
    if declared and declared not in ("utf-8", "utf8"):
        order.insert(0, declared)
    for encoding in order:
        try:
            text = data.decode(encoding)
        except (UnicodeError, LookupError, ValueError):  # "undefined" raises UnicodeError for any bytes
            continue
        candidates.append((_arabic_share(text) + (0.01 if encoding == declared else 0.0), encoding, text))
    if candidates:
        score, encoding, text = max(candidates, key=lambda c: c[0])
        if score >= 0.3:
            log.info("%s: not UTF-8; decoded as %s (%.0f%% of its letters Arabic)", path, encoding, 100 * score)
            return Decoded(text, encoding)
    raise InputError(path, "the bytes are not valid UTF-8, UTF-16, windows-1256 or ISO-8859-6",
                     "convert the file to UTF-8 (e.g. iconv -f <its encoding> -t utf-8)")
