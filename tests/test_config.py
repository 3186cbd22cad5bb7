"""The configuration: one default per setting, TOML files, and refusals that name the key."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest
from typer.testing import CliRunner

from khulasa.cli import app
from khulasa.config import DEFAULT, ClusterConfig, Config, SummaryConfig, load_config
from khulasa.errors import ConfigError

from .conftest import EXAMPLES, ROOT


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "khulasa.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_one_default_everywhere() -> None:
    """The Python API, the server and the command line read max_words from one place."""
    import inspect

    from khulasa.pipeline import digest
    from khulasa.summary import summarize
    from khulasa.web import create_app

    assert DEFAULT.summary.max_words == 120
    for fn in (digest, summarize, create_app):
        assert inspect.signature(fn).parameters["max_words"].default is None  # None: the config's


def test_file_sets_values_and_keeps_the_rest(tmp_path: Path) -> None:
    config = load_config(_toml(tmp_path, '[summary]\nmax_words = 80\nsolver = "ilp"\n[cluster]\nevent_days = 5\n'))
    assert (config.summary.max_words, config.summary.solver, config.cluster.event_days) == (80, "ilp", 5)
    assert config.summary.min_words == DEFAULT.summary.min_words and config.dedupe == DEFAULT.dedupe
    assert pickle.loads(pickle.dumps(config)) == config  # stages receive it in worker processes


def test_tool_section_of_a_pyproject(tmp_path: Path) -> None:
    path = _toml(tmp_path, '[project]\nname = "x"\n[tool.khulasa.dedupe]\nthreshold = 0.7\n')
    assert load_config(path).dedupe.threshold == 0.7


def test_an_integer_is_a_number_but_not_a_boolean(tmp_path: Path) -> None:
    assert load_config(_toml(tmp_path, "[summary]\nredundancy = 1\n")).summary.redundancy == 1.0
    with pytest.raises(ConfigError, match=r"summary\.max_words = True is not an integer"):
        load_config(_toml(tmp_path, "[summary]\nmax_words = true\n"))


@pytest.mark.parametrize(("text", "message"), [
    ("[summary]\nmax_word = 80\n", r"unknown key summary\.max_word; \[summary\] has max_words"),
    ("[sumary]\nmax_words = 80\n", r"unknown section \[sumary\]; the sections are ingest, dedupe"),
    ('[summary]\nsolver = "ILP"\n', r"summary\.solver = 'ILP' is not allowed; use one of 'greedy', 'ilp'"),
    ("[summary]\nmax_words = 0\n", r"summary\.max_words = 0 is out of range; it must be at least 1"),
    ("[dedupe]\nthreshold = 1.5\n", r"dedupe\.threshold = 1\.5 is out of range; it must be between 0\.0 and 1\.0"),
    ('[cluster]\nevent_days = "3"\n', r"cluster\.event_days = '3' is not an integer"),
    ("summary = 3\n", r"\[summary\] must be a table"),
    ("[summary\n", r"not valid TOML"),
])
def test_bad_files_are_refused_with_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = _toml(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert str(path) in str(caught.value)


def test_values_set_in_python_are_checked_too() -> None:
    with pytest.raises(ConfigError, match="solver"):
        SummaryConfig(solver="ILP")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="story_threshold"):
        ClusterConfig(story_threshold=-1)
    assert DEFAULT.with_values(summary={"max_words": 60}).summary.max_words == 60
    with pytest.raises(ConfigError, match="unknown key"):
        DEFAULT.with_values(summary={"words": 60})


def test_every_setting_has_a_range_or_a_closed_type() -> None:
    """A new setting must say which values it takes (a range, a Literal, or None-able)."""
    import typing

    from khulasa.config import _RANGES

    for section in dataclasses.fields(Config):
        hints = typing.get_type_hints(type(getattr(DEFAULT, section.name)))
        for f in dataclasses.fields(getattr(DEFAULT, section.name)):
            closed = typing.get_origin(hints[f.name]) is typing.Literal
            assert f.name in _RANGES or closed, f"{section.name}.{f.name} has no range"


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the configuration file"):
        load_config(tmp_path / "nope.toml")


def test_cli_reads_the_file_and_refuses_a_bad_one(tmp_path: Path) -> None:
    runner = CliRunner()
    good = _toml(tmp_path, "[summary]\nmax_words = 40\n")
    out = runner.invoke(app, ["--config", str(good), "summarize", "--json", str(EXAMPLES / "alrafed")])
    assert out.exit_code == 0, out.output
    assert '"max_words": 40' in out.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[summary]\nmax_words = -1\n", encoding="utf-8")
    out = runner.invoke(app, ["--config", str(bad), "summarize", str(EXAMPLES / "alrafed")])
    assert out.exit_code == 2 and "summary.max_words = -1 is out of range" in out.output


def test_the_configuration_page_lists_every_setting() -> None:
    """docs/configuration.md is generated from config.py; it must be regenerated when a setting changes."""
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from config_doc import PAGE, render
    finally:
        sys.path.pop(0)
    assert PAGE.read_text(encoding="utf-8") == render(), "run python scripts/config_doc.py"
    for section in dataclasses.fields(Config):
        for f in dataclasses.fields(getattr(DEFAULT, section.name)):
            assert f"| `{f.name}` |" in render()
