"""Performance helpers shared by the batch stages."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block that allocates many long-lived objects.

    Building an index over 100k articles allocates millions of dicts and lists that live until the
    end; each full collection walks all of them, so collection time grows faster than the archive.
    Reference counting still frees everything acyclic; the collector resumes (if it was on) after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
