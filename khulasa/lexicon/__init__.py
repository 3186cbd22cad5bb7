"""The word lists of each language, as data files: ``khulasa/lexicon/<language>/<name>.toml``.

Each file says what its lists are for (clitics, verbs of saying, demonstratives, months, number words,
words around names, page furniture). A file is read once, on first use; the stages normalize the words
they compare (the files keep them as written).
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any


@functools.cache
def lexicon(name: str, language: str = "ar") -> dict[str, Any]:
    """The parsed ``<language>/<name>.toml`` (read once; do not change the result)."""
    path = resources.files("khulasa.lexicon").joinpath(language, f"{name}.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def words(name: str, key: str, language: str = "ar") -> tuple[str, ...]:
    """The list ``key`` of ``<language>/<name>.toml``, as written."""
    return tuple(lexicon(name, language)[key])
