"""Hostile input (issue 21): no file crashes a batch, nothing is read without a limit, nothing is mangled
in silence. Every fixture is generated here; each case also checks that a good file beside it is read."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from khulasa.cli import app
from khulasa.ingest import read_articles
from khulasa.model import Article

ARABIC = "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في المدينة يتسع لمئتي سرير. وقال الوزير إن المشروع كلف عشرة ملايين دينار."
runner = CliRunner()


def _good(folder: Path) -> Path:
    path = folder / "good.txt"
    path.write_text(ARABIC, encoding="utf-8")
    return path


def test_an_unknown_or_unusable_charset_is_ignored(tmp_path: Path) -> None:
    body = ARABIC.encode("cp1256")
    for n, charset in enumerate(("undefined", "no-such-charset", "rot13", "base64")):
        page = b'<html><head><meta charset="' + charset.encode() + b'"></head><body><p>' + body + b"</p></body></html>"
        (tmp_path / f"p{n}.html").write_bytes(page)
    _good(tmp_path)
    batch = read_articles([str(tmp_path)])
    assert len(batch.articles) == 5 and not [i for i in batch.issues if i.severity == "error"]
    assert all("مستشفى" in a.text for a in batch.articles)


def test_jsonl_lines_end_at_newline_only(tmp_path: Path) -> None:
    text = ARABIC.replace("المدينة", "المدينة\u2029\u2028\u0085")
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps({"id": "a", "text": text}, ensure_ascii=False) + "\n"
                    + json.dumps({"id": "b", "text": ARABIC}, ensure_ascii=False) + "\r\n", encoding="utf-8")
    batch = read_articles([str(path)])
    assert [a.id for a in batch.articles] == ["a", "b"] and not batch.issues


def test_one_line_in_another_encoding_is_named_and_the_rest_kept(tmp_path: Path) -> None:
    lines = [ARABIC, "وأضاف المتحدث أن العمل سيبدأ الشهر المقبل في الموقع الجديد.", ARABIC]
    data = (lines[0] + "\n").encode() + lines[1].encode("cp1256") + b"\n" + (lines[2] + "\n").encode()
    (tmp_path / "mixed.txt").write_bytes(data)
    batch = read_articles([str(tmp_path / "mixed.txt")])
    assert len(batch.articles) == 1
    text = batch.articles[0].text
    assert lines[1] in text and lines[0].split(".")[0] in text  # no mojibake anywhere
    warning = batch.issues[0]
    assert warning.severity == "warning" and "line 2" in warning.reason and warning.path.endswith("mixed.txt")


def test_a_file_in_one_arabic_code_page_is_not_taken_for_mixed(tmp_path: Path) -> None:
    (tmp_path / "cp.txt").write_bytes(("\n\n".join([ARABIC] * 3) + "\n").encode("cp1256"))
    batch = read_articles([str(tmp_path / "cp.txt")])
    assert not batch.issues and "مستشفى" in batch.articles[0].text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifos_devices_and_dangling_links_are_named_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    _good(tmp_path)
    batch = read_articles([str(tmp_path), "/dev/zero", str(tmp_path / "pipe.txt")])
    assert [a.id for a in batch.articles] == ["good"]
    reasons = {Path(i.path).name: i.reason for i in batch.issues}
    assert "FIFO" in reasons["pipe.txt"] and "missing file" in reasons["gone.txt"] and "device" in reasons["zero"]


def test_standard_input_is_read_within_the_limit() -> None:
    code = ("import sys; from khulasa.ingest import read_articles; b = read_articles(['-'], max_bytes=1000); "
            "print(len(b.articles), b.issues[0].reason)")
    done = subprocess.run([sys.executable, "-c", code], input=b"x" * 5000, capture_output=True, timeout=60, check=True)
    assert done.stdout.decode().startswith("0 the input is more than 0.001 MB, over the 0.001 MB limit")


def test_the_size_limit_says_megabytes_as_the_option_counts_them(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(ARABIC.encode() * 20000)  # about 3.8 MB
    out = runner.invoke(app, ["articles", "--max-mb", "2", str(tmp_path / "big.txt"), str(_good(tmp_path))])
    assert out.exit_code == 1
    assert re.search(r"big\.txt: the input is \d+\.\d MB, over the 2 MB limit", out.stderr), out.stderr


@pytest.mark.parametrize("name", ["d[/b]x.txt", "[red]x[reset].txt", ":smile: [bold].txt"])
def test_file_names_are_printed_as_written(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "a[i]b"
    folder.mkdir()
    (folder / name).parent.mkdir(parents=True, exist_ok=True)  # "d[/b]x.txt": a folder "d[" and a file "b]x.txt"
    (folder / name).write_bytes(b"")  # empty: its name is printed in the error
    _good(folder)
    out = runner.invoke(app, ["articles", str(folder)], env={"COLUMNS": "300"})
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert str(folder / name) in out.stderr
    assert "good" in out.stdout


def test_exit_codes_say_what_happened(tmp_path: Path) -> None:
    good = _good(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "doc.pdf.txt").write_bytes(b"%PDF-1.4 binary")
    assert runner.invoke(app, ["articles", str(good)]).exit_code == 0
    assert runner.invoke(app, ["articles", str(good), str(tmp_path / "missing")]).exit_code == 1
    for nothing in ([str(tmp_path / "missing")], [str(tmp_path / "empty")], [str(tmp_path / "doc.pdf.txt")]):
        out = runner.invoke(app, ["articles", *nothing])
        assert out.exit_code == 3, nothing
    assert runner.invoke(app, ["articles", "--max-mb", "0", str(good)]).exit_code == 2


def test_article_text_cannot_break_the_page_or_the_markdown() -> None:
    from khulasa.output.html import digest_html
    from khulasa.output.markdown import digest_markdown
    from khulasa.pipeline import digest

    hostile = ARABIC + ' <!--<script>alert(1)</script> وهذا نص "</script><img src=x onerror=alert(2)>" في الخبر.'
    articles = [Article(id=f"a{i}", text=hostile, title="<script>t()</script> عنوان") for i in range(2)]
    result = digest(articles)
    page = digest_html(result)
    data = re.search(r'<script type="application/json" id="khulasa-data">(.*?)</script>', page, re.S)
    assert data is not None and "<" not in data.group(1)
    assert "alert(1)" in json.loads(data.group(1))["articles"]["a0"]["text"]  # the text itself is intact
    assert page.count("<script") == 2  # the data block and the viewer, nothing from the articles
    markdown = digest_markdown(result)
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown


def _zip(path: Path, members: dict[str, bytes], method: int | None = None) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w", compression=method if method is not None else zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_a_corrupt_member_does_not_hide_the_next_one(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "a.zip"
    other = ARABIC.replace("مستشفى", "جامعة")
    _zip(path, {"a_bad.txt": ARABIC.encode() * 3, "b_good.txt": other.encode()}, zipfile.ZIP_STORED)
    raw = bytearray(path.read_bytes())
    at = raw.index(ARABIC.encode()) + 10  # one byte of the first member's data: its CRC no longer matches
    raw[at] ^= 0xFF
    path.write_bytes(bytes(raw))
    batch = read_articles([str(path)])
    assert [a.text for a in batch.articles] == [other]
    assert batch.issues[0].path.endswith("a.zip!a_bad.txt") and "cannot be read" in batch.issues[0].reason


def test_nested_archives_and_tar_links_are_named(tmp_path: Path) -> None:
    import io
    import tarfile

    inner = tmp_path / "inner.zip"
    _zip(inner, {"x.txt": ARABIC.encode()})
    _zip(tmp_path / "outer.zip", {"inner.zip": inner.read_bytes(), "good.txt": ARABIC.encode()})
    with tarfile.open(tmp_path / "t.tar", "w") as tf:
        data = ARABIC.encode()
        info = tarfile.TarInfo("real.txt")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
        for name, kind in (("sym.txt", tarfile.SYMTYPE), ("hard.txt", tarfile.LNKTYPE)):
            link = tarfile.TarInfo(name)
            link.type, link.linkname = kind, "real.txt"
            tf.addfile(link)
    batch = read_articles([str(tmp_path / "outer.zip"), str(tmp_path / "t.tar")])
    assert len(batch.articles) == 2
    named = {i.path.rsplit("!", 1)[1]: i.reason for i in batch.issues}
    assert "nested archive" in named["inner.zip"]
    assert "symbolic link" in named["sym.txt"] and "hard link" in named["hard.txt"]


def test_an_archive_bomb_is_refused_without_unpacking_it(tmp_path: Path) -> None:
    import zipfile

    _zip(tmp_path / "bomb.zip", {f"m{i}.txt": b"a" * 20_000_000 for i in range(5)} | {"ok.txt": ARABIC.encode()})
    opened: list[str] = []
    real = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(getattr(name, "filename", name))
        return real(self, name, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(zipfile.ZipFile, "open", spy)
        batch = read_articles([str(tmp_path / "bomb.zip")])
    assert [a.id for a in batch.articles] == ["bomb.zip/ok"]
    assert sum("archive bomb" in i.reason for i in batch.issues) == 5
    assert opened == ["ok.txt"]  # the bombs were never unpacked


@given(st.lists(st.text(alphabet="اب ج\nد", min_size=1, max_size=30), min_size=1, max_size=40), st.integers(5, 60))
@settings(max_examples=100, deadline=None)
def test_a_giant_article_is_read_in_parts_and_loses_nothing(lines: list[str], limit: int) -> None:
    from khulasa.ingest import split_giant

    text = "\n".join(lines).strip() or "ا"
    article = Article(id="big", text=text)
    parts = split_giant(article, limit)
    if len(text) <= limit:
        assert parts == [article]
        return
    assert all(0 < len(p.text) <= limit for p in parts)
    assert [p.id for p in parts] == [f"big#part{k}" for k in range(1, len(parts) + 1)]
    assert re.sub(r"\s", "", "".join(p.text for p in parts)) == re.sub(r"\s", "", text)  # every letter kept, in order


def test_a_giant_file_is_named_and_read_in_parts(tmp_path: Path) -> None:
    from khulasa.ingest import MAX_ARTICLE_CHARS

    path = tmp_path / "dump.txt"
    path.write_text((ARABIC + "\n") * (MAX_ARTICLE_CHARS // len(ARABIC) * 2 + 5), encoding="utf-8")
    batch = read_articles([str(path)])
    assert len(batch.articles) == 3 and batch.issues[0].severity == "warning"
    assert "read as 3 parts" in batch.issues[0].reason


def test_an_unreadable_folder_is_named_and_the_rest_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated: permissions do not bind root, which CI runs as."""
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.txt").write_text(ARABIC, encoding="utf-8")
    _good(tmp_path)
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    batch = read_articles([str(tmp_path)])
    assert [a.id for a in batch.articles] == ["good"]
    assert batch.issues[0].path == str(locked) and "cannot be read (Permission denied)" in batch.issues[0].reason


def test_khulasa_never_reads_its_own_page_back(tmp_path: Path) -> None:
    folder = tmp_path / "scrape"
    folder.mkdir()
    _good(folder)
    (folder / "other.txt").write_text(ARABIC.replace("مستشفى", "مدرسة"), encoding="utf-8")
    first = runner.invoke(app, ["digest", str(folder), "--html", str(folder / "digest.html"), "--json", "-"])
    assert first.exit_code == 0
    again = runner.invoke(app, ["digest", str(folder), "--json", "-"])
    assert again.exit_code == 0  # a note, not a partial batch
    assert json.loads(again.stdout)["articles"] == json.loads(first.stdout)["articles"]
    assert "digest.html" in again.stderr and "khulasa wrote" in again.stderr


_PEAK = ("import resource, sys, runpy; sys.argv = ['khulasa', *sys.argv[1:]]\n"
         "try:\n    runpy.run_module('khulasa', run_name='__main__')\n"
         "finally:\n    print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n")


def _peak_kb(*args: str) -> int:
    done = subprocess.run([sys.executable, "-c", _PEAK, *args], check=False, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return int(done.stderr.rsplit("PEAK", 1)[1])


def test_articles_holds_one_file_at_a_time(tmp_path: Path) -> None:
    """``khulasa articles`` over many large files peaks near what one of them takes (it held the whole
    pile: 154 MB for 16 files of 4 MB here, 966 MB before)."""
    for k in range(6):
        (tmp_path / f"f{k}.txt").write_text(f"{k} " + (ARABIC + "\n") * 12_000, encoding="utf-8")  # 2.6 MB each
    one = _peak_kb("articles", str(tmp_path / "f0.txt"), "--json")
    six = _peak_kb("articles", str(tmp_path), "--json")
    assert six < one + 40_000, (one, six)  # KB: one file's work, not six
