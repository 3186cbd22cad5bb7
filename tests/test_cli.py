"""The command line: tables, the JSON schema, --show, the summarize contract, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

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
