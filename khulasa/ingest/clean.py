"""Cleaning of scraped article text: boilerplate out, metadata lifted, every body sentence kept.

The cleaner works line by line on a ``RawDocument``:

0. text hard-wrapped at a fixed width (every line of a paragraph cut where the next word would not fit)
   is joined back into its paragraphs first (``unwrap``), so a wrapped lead is not taken for a title
   and captions;
1. widget and form lines (menus, share and size buttons, comment prompts) are dropped;
2. metadata lines ("المصدر: ...", "تحديث (18:31 تغ)", a line holding only a date) become metadata;
3. lines that recur across articles of the same outlet (learned from the batch) are dropped;
4. the header zone (before the first body paragraph) gives the title; its other short lines, and
   short lines repeated within the article (captions), are recorded as captions and dropped;
5. the first body paragraph gives the dateline, which stays in the text; a date run into its start
   ("الثلاثاء 18 يناير، 2005 ومن خلال ...") is lifted out as the article date.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from khulasa.dates import parse_date_line, split_date_prefix
from khulasa.ingest.meta import dateline_of, is_terminated, is_title_like, source_of, update_stamp
from khulasa.lexicon import words
from khulasa.model import Article, RawDocument
from khulasa.text import content_hash, detect_language, normalize, normalize_many

_WIDGET_LINES = frozenset(normalize(x) for x in words("page", "widget_lines"))  # khulasa/lexicon/ar/page.toml
_WIDGET_PATTERNS = (  # over line keys: normalized (ى→ي, إ→ا, ة→ه) and lower-cased
    r"^\d{1,3}$",  # page counters, comment counts
    r"^(?:[a-z]{1,3}\s+){2,}[a-z]{1,3}$",  # "xs sm md lg" on one line
    r"لن\s+يتم\s+نشر\s+(?:عنوان\s+)?بريدك",
    r"الحقول\s+(?:الالزاميه|المطلوبه)",
    r"^(?:جميع\s+الحقوق\s+محفوظه|all rights reserved|©|copyright)",
    r"^(?:شارك|شاركوا|تابعونا)\s+(?:عبر|علي|في)\b",
    r"^اقرا\s+(?:ايضا|المزيد)\s*:?",
    r"^(?:share|follow us|sign up|subscribe|cookie)",
    r"^(?:[^|]{1,25}\|){2,}[^|]{0,25}$",  # "الرئيسية | أخبار | اقتصاد" menus
    r"(?:شاركنا|شاركونا|اترك|اكتب)\s+(?:برايك|برايكم|رايك|تعليقك)",
    r"^(?:شارك|مشاركه)\s*:",
)
_FLOATING_WORDS = words("page", "floating_words")  # one of them is in every free-floating match
# Two scans instead of eleven: the patterns anchored at the line start (tried at one position only) and the
# free-floating ones, each joined into one alternation.
_WIDGETS = (
    re.compile("^(?:" + "|".join(p[1:] for p in _WIDGET_PATTERNS if p.startswith("^")) + ")"),
    re.compile("|".join(p for p in _WIDGET_PATTERNS if not p.startswith("^"))),
)
_MIN_BODY_WORDS = 8


def line_key(line: str) -> str:
    """The form of a line used to compare lines (normalized, single spaces)."""
    return " ".join(normalize(line).split())


def is_widget(line: str, key: str | None = None) -> bool:
    """True for menu, share, size-button, form and comment-prompt lines (``key``: its ``line_key``)."""
    key = line_key(line) if key is None else key
    if key in _WIDGET_LINES:
        return True
    if _WIDGETS[0].match(key):
        return True
    # Substring tests first: the free-floating pattern's first letters (ا ل ش) are on every Arabic
    # line, so a scan with it tries almost every position.
    return any(map(key.__contains__, _FLOATING_WORDS)) and bool(_WIDGETS[1].search(key))


def line_hash(key: str) -> int:
    """A line key (``line_key``) as a signed 64-bit integer: how a store counts lines without keeping them."""
    import hashlib

    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


RecurringCounts = dict[str, tuple[int, Counter[int]]]  # group -> (articles, how many hold each line hash)


def candidate_keys(doc: RawDocument) -> set[str]:
    """The keys of the document's lines that could be an outlet's recurring lines (short, unterminated)."""
    return {line_key(ln) for ln in doc.text.splitlines() if ln.strip() and len(ln.split()) <= 12 and not is_terminated(ln)}


def learn_recurring(docs: Sequence[RawDocument], min_docs: int = 3, min_share: float = 0.4,
                    prior: Mapping[str, tuple[int, Mapping[int, int]]] | None = None) -> frozenset[str]:
    """Keys ``group + "\x00" + line`` of short unterminated lines that recur across a group's articles.

    A line counts when it appears in at least ``min_docs`` articles and ``min_share`` of its group;
    sentences (terminated lines) never count, so shared wire copy is not mistaken for boilerplate.
    ``prior``: the counts of the group's earlier articles (``khulasa.ingest.lines_of`` summed by a store), so a
    line recurring across batches is learned even when each batch brings one article.
    """
    by_group: dict[str, list[RawDocument]] = defaultdict(list)
    for doc in docs:
        by_group[doc.group].append(doc)
    keys: set[str] = set()
    for group, members in by_group.items():
        before, seen = (prior or {}).get(group, (0, {}))
        if len(members) + before < min_docs:
            continue
        counts: Counter[str] = Counter()
        for doc in members:
            counts.update(candidate_keys(doc))
        threshold = max(min_docs, min_share * (len(members) + before))
        keys.update(f"{group}\x00{k}" for k, n in counts.items()
                    if k and n + (seen.get(line_hash(k), 0) if seen else 0) >= threshold)
    return frozenset(keys)


_WRAP_MIN_LINES = 5  # fewer lines tell nothing of a wrap width
_WRAP_MIN_CUTS = 3  # and fewer lines cut at the width than this are chance (a list under a long line)
_WRAP_WIDTHS = (30, 130)  # a wrap width in characters: narrower is a list, wider is a line per paragraph


def unwrap(text: str) -> str:
    """``text`` with its hard-wrapped paragraphs joined (a space where a line was cut), else ``text``.

    A text is wrapped at width W (the 90th percentile of its line lengths, 30-130 characters) when most
    of its long lines (3/4 of W or more) were cut where the next word would not fit: a line, unterminated,
    plus a space and the next line's first word is longer than W. Only such lines are joined to the next, so titles, short
    lines, the last line of a paragraph, and sentences ending at a line's end keep their breaks.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    stripped = [ln.strip() for ln in lines]
    lengths = sorted(len(ln) for ln in stripped if ln)
    if len(lengths) < _WRAP_MIN_LINES:
        return text
    width = lengths[int(0.9 * (len(lengths) - 1))]
    if not _WRAP_WIDTHS[0] <= width <= _WRAP_WIDTHS[1]:
        return text
    cut = [bool(a) and bool(b) and not is_terminated(a) and not a.endswith(":") and len(a) + 1 + len(b.split()[0]) > width
           and len(a) <= width + 10 and not _is_metadata(b) for a, b in zip(stripped, [*stripped[1:], ""], strict=True)]
    long_followed = sum(len(a) >= 0.75 * width and bool(b) for a, b in zip(stripped, [*stripped[1:], ""], strict=True))
    if sum(cut) < _WRAP_MIN_CUTS or 2 * sum(cut) < long_followed:  # most long lines were cut: a wrapped text
        return text
    out: list[str] = []
    for line, joins in zip(stripped, cut, strict=True):
        out.append(line + (" " if joins else "\n"))
    return "".join(out).rstrip("\n")


def _is_metadata(line: str) -> bool:
    """A date, source or update line: never the rest of a wrapped line (a title just above it is cut
    where its date begins, not wrapped)."""
    return parse_date_line(line) is not None or source_of(line) is not None or update_stamp(line) is not None


def clean_document(doc: RawDocument, recurring: frozenset[str] = frozenset()) -> Article:
    """Clean one raw document into an ``Article`` (see the module docstring for the steps)."""
    raw_lines = unwrap(doc.text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [ln.strip() for ln in raw_lines]
    line_keys = [" ".join(n.split()) for n in normalize_many(raw_lines)]  # line_key of every line, in one pass
    title, date, source, outlet, updated = doc.title.strip(), doc.date, doc.source, doc.outlet, ""
    removed: list[str] = []
    kept: list[tuple[int, str]] = []  # (line number, line)
    keys: dict[str, str] = {}
    date_lines: set[int] = set()
    for i, line in enumerate(lines):
        if not line:
            continue
        src = source_of(line)
        if src is not None:
            source = source or src
            removed.append(line)
            continue
        stamp = update_stamp(line)
        if stamp is not None:
            updated = updated or stamp
            removed.append(line)
            continue
        line_date = parse_date_line(line)
        if line_date is not None:
            date = date or line_date
            date_lines.add(i)
            removed.append(line)
            continue
        key = keys[line] = line_keys[i]
        if is_widget(line, key) or (recurring and f"{doc.group}\x00{key}" in recurring):
            removed.append(line)
            continue
        kept.append((i, line))

    counts = Counter(keys[ln] for _, ln in kept)
    title_key = line_key(title) if title else ""
    body_start = next((k for k, (_, ln) in enumerate(kept) if _is_body(ln)), len(kept))
    if body_start == len(kept) and _unpunctuated(kept):
        body_start = 0  # text written without punctuation: no line can be told from a caption, all are body
    if not title_key and kept and body_start == 0 and len(kept[0][1].split()) <= 25:
        # A short first line directly above the date line is the headline, even with a full stop.
        first_line = kept[0][0]
        if any(j in date_lines for j in range(first_line + 1, first_line + 3)):
            body_start = 1
    captions: list[str] = []
    body: list[tuple[int, str]] = []
    dateline_place = ""
    for k, (i, line) in enumerate(kept):
        key = keys[line]
        if k < body_start:
            dl = dateline_of(line)
            if dl is not None and not dl.rest and dl.outlet:
                dateline_place, outlet = dl.place, outlet or dl.outlet
                removed.append(line)
            elif not title_key and (is_title_like(line) or k == 0):
                title, title_key = line, key
            elif key != title_key and line not in captions:
                captions.append(line)
            continue
        if key == title_key or (counts[key] > 1 and is_title_like(line)):
            if key != title_key and line not in captions:
                captions.append(line)
            continue
        if not body and (glued := split_date_prefix(line)) is not None:
            date = date or glued[0]  # "الثلاثاء 18 يناير، 2005 ومن خلال ...": a date line run into the lead
            removed.append(line[: len(line) - len(glued[1])].strip())
            body.append((i, glued[1]))
            keys[glued[1]] = line_key(glued[1])
            continue
        body.append((i, line))

    if body and not dateline_place:
        dl = dateline_of(body[0][1])
        if dl is not None and dl.rest:
            dateline_place, outlet = dl.place, outlet or dl.outlet
            source = source or dl.credit
    text = _join(body)
    return Article(
        id=doc.id,
        text=text,
        title=title,
        date=date,
        updated=updated,
        source=source.strip(),
        outlet=outlet.strip(),
        dateline=dateline_place,
        url=doc.url,
        path=doc.path,
        language=detect_language(text or title),
        captions=tuple(captions),
        removed=tuple(removed),
        content_hash=content_hash(text, key=" ".join(line_k for _, ln in body if (line_k := keys[ln]))),
    )


def _unpunctuated(lines: list[tuple[int, str]]) -> bool:
    """True for prose written without sentence punctuation: no line ends like a sentence, and most
    lines are sentence-long (a page of short unterminated lines is a menu, not an article)."""
    if any(is_terminated(ln) for _, ln in lines):
        return False
    return 2 * sum(len(ln.split()) >= 6 for _, ln in lines) > len(lines) >= 2


def _is_body(line: str) -> bool:
    """True for a line that reads as article prose (long, or a terminated sentence)."""
    words = len(line.split())
    return words >= 30 or (words >= _MIN_BODY_WORDS and is_terminated(line))


_CONTINUATION = ("،", ",", "؛", ";")  # no sentence starts with these: a line that does continues the one above


def _join(lines: list[tuple[int, str]]) -> str:
    """Join kept lines: a newline between neighbours in the input, a blank line across gaps, and a space
    before a line that continues an unterminated one ("... في شريط الفيديو" / "، وأيضا ...")."""
    parts: list[str] = []
    prev = -2
    for i, line in lines:
        if parts:
            if i == prev + 1 and line.startswith(_CONTINUATION) and not is_terminated(parts[-1]):
                parts.append(" ")
            else:
                parts.append("\n" if i == prev + 1 else "\n\n")
        parts.append(line)
        prev = i
    return "".join(parts)
