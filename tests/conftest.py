"""Shared fixtures: the example corpus, the shared data beside the repository, golden-file updates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update", action="store_true", help="rewrite golden files from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update"))


def check_golden(name: str, got: Any, update: bool) -> None:
    """``got`` (JSON values) must equal ``tests/golden/<name>``; ``pytest --update`` rewrites the file.

    A missing golden file fails: it is never written silently, so a lost file cannot turn into a pass.
    """
    path = GOLDEN / name
    text = json.dumps(got, ensure_ascii=False, indent=1) + "\n"
    if update:
        path.write_text(text, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"the golden file {path} is missing: run `pytest --update` and review it before committing")
    assert got == json.loads(path.read_text(encoding="utf-8")), f"{name} differs (pytest --update rewrites it)"


def _shared(sub: str, what: str) -> Path:
    path = SHARED / sub
    if not path.is_dir():
        pytest.skip(f"{what} not found at {path} (put ../shared beside the repository)")
    return path


@pytest.fixture
def seeds_dir() -> Path:
    return _shared("seeds", "the seed articles")


@pytest.fixture
def shared_data() -> Path:
    return _shared("data", "the shared data")
