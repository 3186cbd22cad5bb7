"""The engines (khulasa.engine): the same stage functions in this process, in worker processes and on
Ray give the same output, byte for byte. The Ray test is marked (``pytest -m ray``, after
``pip install -e '.[ray]'``): it starts a local cluster once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from khulasa.archive import Archive, stored_digest
from khulasa.engine import Engine, Local, open_engine
from khulasa.errors import ConfigError
from khulasa.ingest import read_articles
from khulasa.model import Article
from khulasa.output.json import digest_document
from khulasa.pipeline import digest
from khulasa.store import Store

from .conftest import EXAMPLES, SHARED

ARTICLES = list(read_articles([str(EXAMPLES)]).articles)


def _square(x: int) -> int:
    return x * x


def _json(engine: Engine, articles: list[Article]) -> str:
    return json.dumps(digest_document(digest(articles, engine=engine)), ensure_ascii=False, indent=2)


def _stored(path: Path, articles: list[Article], engine: Engine) -> str:
    with Store(path) as store:
        Archive(store, engine=engine, batch_size=60).add(articles)
        return json.dumps(digest_document(stored_digest(store)), ensure_ascii=False, indent=2)


def test_every_engine_keeps_the_input_order() -> None:
    with open_engine("processes", workers=2) as engine:
        assert list(engine.map(_square, range(50))) == [x * x for x in range(50)]
    assert list(Local().map(_square, [3, 1])) == [9, 1]


def test_auto_stays_in_this_process_for_one_batch_and_spreads_more() -> None:
    from khulasa.engine import Auto

    with open_engine("auto", workers=2) as engine:
        assert isinstance(engine, Auto)
        assert list(engine.map(_square, [3])) == [9] and engine.pool is None  # no worker started
        assert list(engine.map(_square, range(50))) == [x * x for x in range(50)] and engine.pool is not None
        assert list(engine.map(_square, iter([4]))) == [16]  # once started, the workers serve the later stages
    with open_engine("auto", workers=1) as one:
        assert list(one.map(_square, range(5))) == [x * x for x in range(5)] and one.pool is None


def test_bad_engine_choices_are_refused_with_the_fix() -> None:
    with pytest.raises(ConfigError, match="unknown engine 'spark'"):
        open_engine("spark")
    with pytest.raises(ConfigError, match="--engine ray"):
        open_engine("processes", address="10.0.0.1:6379")


def test_worker_processes_give_the_in_process_digest_and_store(tmp_path: Path) -> None:
    """End to end with local processes: the batch digest and the live store, byte-identical JSON."""
    local = _json(Local(), ARTICLES)
    with open_engine("processes", workers=2) as engine:
        assert _json(engine, ARTICLES) == local
        assert _stored(tmp_path / "p.db", ARTICLES, engine) == _stored(tmp_path / "l.db", ARTICLES, Local())


def _corpus() -> list[Article]:
    """About 250 articles from five outlets: MultiLing's 100 Arabic and 100 English articles (outlets in
    turn), the seeds, the examples, and 40 of them republished by another outlet (near-copies)."""
    data = [SHARED / "data" / f"multiling2011_{lang}_mds.jsonl" for lang in ("ar", "en")]
    if not all(d.is_file() for d in data):
        pytest.skip(f"MultiLing not found at {data[0].parent} (put ../shared beside the repository)")
    from dataclasses import replace

    from khulasa.text import content_hash

    out = list(ARTICLES) + list(read_articles([str(SHARED / "seeds")]).articles)
    multi: list[Article] = []
    for line in (x for d in data for x in d.read_text(encoding="utf-8").splitlines()):
        topic = json.loads(line)
        for k, text in enumerate(topic["documents"]):
            multi.append(Article(id=f"{topic['id']}-{k}", text=text, outlet=f"outlet{len(multi) % 5}",
                                 content_hash=content_hash(text)))
    copies = [replace(a, id=a.id + "-copy", outlet=f"outlet{(n + 1) % 5}", text=a.text + "\nنقلا عن وكالة.",
                      content_hash=content_hash(a.text + "\nنقلا عن وكالة."))
              for n, a in enumerate(multi[::5][:40])]
    return out + multi + copies


@pytest.fixture(scope="session")
def ray_engine() -> Iterator[Engine]:
    pytest.importorskip("ray", reason="the ray extra is not installed: pip install -e '.[ray]'")
    with open_engine("ray", workers=2) as engine:
        yield engine


@pytest.mark.ray
def test_ray_gives_the_in_process_output_byte_for_byte(ray_engine: Engine, tmp_path: Path) -> None:
    articles = _corpus()
    assert len(articles) >= 200
    assert _json(ray_engine, articles) == _json(Local(), articles)
    assert _stored(tmp_path / "r.db", articles, ray_engine) == _stored(tmp_path / "l.db", articles, Local())
