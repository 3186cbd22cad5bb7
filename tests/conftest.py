"""Shared fixtures: the example corpus, the shared data beside the repository, golden-file updates."""

from __future__ import annotations

from pathlib import Path

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
