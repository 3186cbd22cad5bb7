"""Where the stage functions run: in this process, in local worker processes, or on a Ray cluster.

Every backend has one method, ``map(fn, items)``: ``fn`` applied to each item, results in input order,
at most a few items in flight per worker (memory stays bounded however long ``items`` is). ``fn`` must
be a module-level function and the items picklable; the stage functions are the same in every backend,
so the output is the same whichever runs them (``tests/test_engine.py``).

    with open_engine("ray", workers=4) as engine:       # a local Ray cluster with 4 CPUs
        results = list(engine.map(stage_function, batches))

``open_engine("ray", address="HOST:PORT")`` joins a running cluster (``ray start --head`` on one machine,
``ray start --address HOST:PORT`` on the others). Ray is an extra: ``pip install 'khulasa[ray]'``.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, Protocol, Self, TypeVar

from khulasa.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")
EngineName = Literal["auto", "local", "processes", "ray"]
ENGINES: tuple[EngineName, ...] = ("auto", "local", "processes", "ray")


class Engine(Protocol):
    """A backend the stages run on (``open_engine``)."""

    name: EngineName
    workers: int

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``fn(item)`` for each item, in input order."""
        ...

    def close(self) -> None:
        """Release the workers (a joined Ray cluster keeps running)."""
        ...

    def __enter__(self) -> Self:
        ...

    def __exit__(self, *exc: object) -> None:
        ...


class _Base:
    name: EngineName
    workers: int

    def close(self) -> None:
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Local(_Base):
    """Everything in the calling process, one item after another."""

    name: EngineName = "local"

    def __init__(self) -> None:
        self.workers = 1

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return map(fn, items)


def _windowed(submit: Callable[[Any], Any], result: Callable[[Any], R], items: Iterable[Any], window: int
              ) -> Iterator[R]:
    """Submit items as results are taken, at most ``window`` in flight; yield results in input order."""
    pending: deque[Any] = deque()
    for item in items:
        pending.append(submit(item))
        if len(pending) >= window:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


class Processes(_Base):
    """Local worker processes (started with spawn: no state inherited from the caller)."""

    name: EngineName = "processes"

    def __init__(self, workers: int | None = None) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers or os.cpu_count() or 1
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return _windowed(lambda item: self.pool.submit(fn, item), lambda f: f.result(), items, 2 * self.workers)

    def close(self) -> None:
        self.pool.shutdown(wait=True)


class Auto(_Base):
    """This process while a stage's work is one batch; local worker processes (``Processes``, one per
    core, started once, when first needed) from the first stage that hands over two batches or more.
    A small pile never waits for workers to start; a large one uses every core. On one core: this process."""

    name: EngineName = "auto"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.pool: Processes | None = None

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        it = iter(items)
        head = list(itertools.islice(it, 2))
        if self.workers < 2 or (self.pool is None and len(head) < 2):
            return map(fn, itertools.chain(head, it))
        if self.pool is None:
            self.pool = Processes(self.workers)
        return self.pool.map(fn, itertools.chain(head, it))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()


class Ray(_Base):
    """Ray Core tasks: a local cluster with ``workers`` CPUs, or the cluster at ``address``."""

    name: EngineName = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        try:
            import ray
        except ImportError as exc:
            raise ConfigError("the ray engine needs Ray. Fix: pip install 'khulasa[ray]'") from exc
        self.ray = ray
        self.started = not ray.is_initialized()
        if self.started:
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                       "configure_logging": False}
            if address:
                ray.init(address=address, **options)
            else:
                ray.init(num_cpus=workers or os.cpu_count() or 1, object_store_memory=256 * 2**20, **options)
        self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))  # type: ignore[no-untyped-call, unused-ignore]
        self._remote: dict[Callable[..., Any], Any] = {}

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        remote = self._remote.get(fn)
        if remote is None:
            remote = self._remote[fn] = self.ray.remote(fn)
        return _windowed(remote.remote, self.ray.get, items, 2 * self.workers)

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()


def open_engine(name: str = "local", *, workers: int | None = None, address: str | None = None) -> Engine:
    """The backend called ``name`` ("auto", "local", "processes" or "ray"); ``workers``: its processes or CPUs
    (default: this machine's cores); ``address``: a running Ray cluster to join (ray only)."""
    if name not in ENGINES:
        raise ConfigError(f"unknown engine {name!r}. Fix: use one of {', '.join(ENGINES)}")
    if address and name != "ray":
        raise ConfigError("an address is for the ray engine. Fix: add --engine ray, or drop --address")
    if name == "local":
        return Local()
    if name == "auto":
        return Auto(workers)
    if name == "processes":
        return Processes(workers)
    return Ray(workers, address)
