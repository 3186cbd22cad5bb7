"""Sparse term vectors (``dict`` term -> weight): the dot product and unit length used by every stage."""

from __future__ import annotations

import math
from collections.abc import Mapping


def dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Dot product over the shared terms only (a C-level key intersection).

    ``math.fsum`` is exact whatever the order, so the result does not depend on set iteration order.
    """
    return math.fsum([a[t] * b[t] for t in a.keys() & b.keys()])


def unit(weights: Mapping[str, float]) -> dict[str, float]:
    """``weights`` scaled to unit length (an all-zero or empty vector is returned unscaled)."""
    norm = math.sqrt(math.fsum([v * v for v in weights.values()])) or 1.0
    return {t: v / norm for t, v in weights.items()}
