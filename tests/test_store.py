"""The store: idempotence, transactions, migration, Arabic search, integrity, and kill -9 durability."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from khulasa.ingest import read_articles
from khulasa.model import Article
from khulasa.store import MIGRATIONS, SCHEMA_VERSION, Store, fts_query
from khulasa.text import normalize

from .conftest import EXAMPLES

ARTICLES = list(read_articles([str(EXAMPLES)]).articles)


def test_ingest_is_idempotent(tmp_path: Path) -> None:
    with Store(tmp_path / "k.db") as store:
        first = store.ingest(ARTICLES)
        again = store.ingest(ARTICLES)
        assert len(first.added) == len(ARTICLES) and not first.skipped
        assert not again.added and len(again.skipped) == len(ARTICLES)
        assert store.count() == len(ARTICLES) and store.check() == []
        assert {a.id for a in store.articles()} == {a.id for a in ARTICLES}
        stored = store.article("wire-1103-052")
        assert stored is not None and stored.text == ARTICLES[[a.id for a in ARTICLES].index("wire-1103-052")].text


def test_same_id_other_content_is_kept_apart(tmp_path: Path) -> None:
    with Store(tmp_path / "k.db") as store:
        a = ARTICLES[0]
        store.ingest([a])
        report = store.ingest([replace(a, text=a.text + " جملة جديدة في التحديث.", content_hash="")])
        assert report.added and report.added[0].startswith(a.id + "~")


def test_an_interrupted_batch_leaves_nothing(tmp_path: Path) -> None:
    class Boom(Exception):
        pass

    def batch() -> object:
        yield ARTICLES[0]
        yield ARTICLES[1]
        raise Boom

    with Store(tmp_path / "k.db") as store:
        store.ingest(ARTICLES[5:7])
        with pytest.raises(Boom):
            store.ingest(batch())  # type: ignore[arg-type]
        assert store.count() == 2 and store.check() == []


def _old_store(path: Path, version: int, text: str) -> None:
    """A store left at schema ``version`` (4 at least) holding one article, id "x", as that version wrote it."""
    old = Store(path, migrate=False)
    old.migrate(target=version)
    assert old.version == version
    old.db.execute("BEGIN")
    old.db.execute("INSERT INTO articles(id, content_hash, text, ingested_at) VALUES ('x', 'h', ?, 'then')", (text,))
    old.db.execute("INSERT INTO articles_fts(id, title, body) VALUES ('x', '', ?)", (normalize(text),))
    old.db.execute("COMMIT")
    old.close()


def test_migration_from_the_previous_schema(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_store(path, SCHEMA_VERSION - 1, "نص قديم")
    with Store(path) as store:
        assert store.version == SCHEMA_VERSION == len(MIGRATIONS)
        old_row = store.article("x")
        assert old_row is not None and old_row.folder_credit and store.check() == []
        store.ingest(ARTICLES[:1])


def test_an_article_of_a_pile_keeps_its_credit_through_the_store(tmp_path: Path) -> None:
    from dataclasses import replace

    piled = replace(ARTICLES[0], outlet="", source="", path="pile/x.txt", folder_credit=False)
    with Store(tmp_path / "k.db") as store:
        store.ingest([piled])
        back = store.article(piled.id)
    assert back is not None and not back.folder_credit and back.credit == piled.id


def test_a_newer_store_is_refused(tmp_path: Path) -> None:
    from khulasa.errors import StoreError

    path = tmp_path / "new.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="upgrade khulasa"):
        Store(path)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("السيول", "wire-1103-052"), ("اطلاق القمر", "alofoq/satellite-launch"),  # hamza-less spelling
     ("عمان", "wire-0314-117"), ("حصيله قتيلا", "wire-1103-052"), ("مدرسة", None)],
)
def test_search_ignores_hamza_and_ta_marbuta(tmp_path: Path, query: str, expected: str | None) -> None:
    with Store(tmp_path / "k.db") as store:
        store.ingest(ARTICLES)
        ids = [h.id for h in store.search(query)]
        if expected is None:
            assert ids == []
        else:
            assert expected in ids


@pytest.mark.parametrize("query", ['"', "AND OR NOT", "NEAR(a b", "col:x*", "))((", "^*"])
def test_fts_syntax_is_never_passed_through(tmp_path: Path, query: str) -> None:
    with Store(tmp_path / "k.db") as store:
        store.ingest(ARTICLES[:2])
        store.search(query)  # must not raise
    outside = re.sub(r'"[^"]*"', " ", fts_query(query))  # what is not a quoted literal is our own syntax
    assert set(outside.replace("{title body}", " ").replace("(", " ").replace(")", " ").split()) <= {
        ":", "keys", "OR", "AND", "*"}


def test_search_finds_a_word_family_a_prefix_and_a_phrase(tmp_path: Path) -> None:
    arts = [Article(id="a", title="اجتماع", text="انعقد اجتماع التحالف الدولي لاستقرار المنطقة في لندن."),
            Article(id="b", title="زيارة", text="وصل جون كيري إلى بغداد. وأكد كيري دعم بلاده."),
            Article(id="c", title="طقس", text="أمطار غزيرة على الساحل اليوم.")]
    with Store(tmp_path / "k.db") as store:
        store.ingest(arts)
        assert [h.id for h in store.search("تحالف")] == ["a"]
        assert [h.id for h in store.search("استقرار")] == ["a"]
        assert [h.id for h in store.search("كير*")] == ["b"]
        assert [h.id for h in store.search("بغد*")] == ["b"]
        assert [h.id for h in store.search("بغد")] == []  # without * a word is a whole word (or its family)
        assert [h.id for h in store.search('"جون كيري"')] == ["b"]
        assert [h.id for h in store.search('"كيري جون"')] == []
        hit = store.search("تحالف لندن")[0]
        assert [hit.snippet[a:b] for a, b in hit.marks] == ["التحالف", "لندن"]


def test_the_word_index_is_built_for_articles_stored_before_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_store(path, 4, "قمة التحالف")
    with Store(path) as store:
        assert [h.id for h in store.search("تحالف")] == ["x"] and store.check() == []


_INGEST_LOOP = """
import sys
from khulasa.ingest import read_articles
from khulasa.model import Article
from khulasa.store import Store
base = list(read_articles([sys.argv[2]]).articles)
with Store(sys.argv[1]) as store:
    for n in range(10_000):
        batch = [Article(id=f"{a.id}-{n}", text=a.text + f" (نسخة {n})", title=a.title) for a in base]
        store.ingest(batch)
        print(n, flush=True)
"""


def test_kill_minus_nine_never_loses_a_reported_batch(tmp_path: Path) -> None:
    """Kill an ingesting process at random moments; every batch it reported stays, whole."""
    path = tmp_path / "k.db"
    rnd = random.Random(7)
    per_batch = len(ARTICLES)
    survived = 0
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", _INGEST_LOOP, str(path), str(EXAMPLES)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        first = proc.stdout.readline()  # wait for the first committed batch, however loaded the machine is
        time.sleep(rnd.uniform(0.0, 0.5))  # then kill at a random moment of the batches after it
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        reported = {int(x) for x in (first + out).split()}
        with Store(path) as store:
            assert store.check() == []
            ids = {a.id for a in store.articles()}
            assert store.count() % per_batch == 0  # whole batches only
            for n in reported:
                assert all(f"{a.id}-{n}" in ids for a in ARTICLES)
            survived += len(reported)
    assert survived >= 5  # every kill came after at least one reported batch


def test_articles_round_trip(tmp_path: Path) -> None:
    with Store(tmp_path / "k.db") as store:
        store.ingest(ARTICLES)
        for a in ARTICLES:
            b = store.article(a.id)
            assert isinstance(b, Article)
            assert (b.text, b.title, b.date, b.source, b.outlet, b.dateline) == (
                a.text, a.title, a.date, a.source, a.outlet, a.dateline)


def test_article_pages_follow_the_full_listing_across_the_undated(tmp_path: Path) -> None:
    import datetime as dt

    rnd = random.Random(7)
    arts = [Article(id=f"a{k:02d}", text=f"نص رقم {k} عن موضوع {rnd.random()}.", title=f"عنوان {k}",
                    date=None if k % 4 == 0 else dt.date(2018, 1 + k % 3, 1 + k % 5)) for k in range(30)]
    with Store(tmp_path / "k.db") as store:
        store.ingest(arts)
        whole = [a.id for a in store.articles()]
        assert len(whole) == 30 and whole[-1] == "a28"  # undated last, by id
        for size in (1, 7, 30, 50):
            pages = [store.article_ids(size, offset) for offset in range(0, 35, size)]
            assert [i for page in pages for i in page] == whole, size
        assert store.article_ids(5, 40) == []
        plan = " ".join(str(r) for r in store.db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM articles WHERE date IS NOT NULL ORDER BY date, id LIMIT 5"))
        assert "articles_date_id" in plan and "TEMP B-TREE" not in plan


def test_ingest_tells_stored_before_from_repeated_in_the_batch(tmp_path: Path) -> None:
    a = ARTICLES[0]
    copy = replace(a, id=a.id + "-copy")
    with Store(tmp_path / "k.db") as store:
        first = store.ingest([a, copy])
        assert first.added == (a.id,) and first.skipped == first.repeated == (copy.id,)
        again = store.ingest([a])
        assert again.skipped == (a.id,) and again.repeated == ()


def test_search_for_tahaluf_finds_every_seed(tmp_path: Path, seeds_dir: Path) -> None:
    """The five seeds say "التحالف" (never "تحالف" alone): a one-word query finds all of them, marked."""
    seeds = list(read_articles([str(seeds_dir)]).articles)
    with Store(tmp_path / "k.db") as store:
        store.ingest(seeds)
        hits = store.search("تحالف")
        assert {h.id for h in hits} == {a.id for a in seeds} and len(seeds) == 5
        assert all(h.marks and "تحالف" in h.snippet[h.marks[0][0]:h.marks[0][1]] for h in hits)
        assert {h.id for h in store.search("لاستقرار")} <= {h.id for h in store.search("استقرار")}


def test_migration_6_fills_the_entity_and_outlet_indexes_from_the_stored_digests(tmp_path: Path) -> None:
    from khulasa.archive import Archive
    from khulasa.ingest import read_articles

    from .conftest import EXAMPLES

    path = tmp_path / "k.db"
    with Store(path) as store:
        Archive(store).add(read_articles([str(EXAMPLES)]).articles)
        written = [sorted(store.db.execute(f"SELECT * FROM {t}").fetchall()) for t in ("story_entities", "story_outlets")]
        store.db.execute("DROP TABLE story_entities")  # as schema 5 left it
        store.db.execute("DROP TABLE story_outlets")
        store.db.execute("ALTER TABLE analyses DROP COLUMN tokens")  # migration 7's
        store.db.execute("ALTER TABLE analyses DROP COLUMN units")  # migration 10's
        store.db.execute("ALTER TABLE stories DROP COLUMN brief")  # migration 9's
        store.db.execute("DROP INDEX articles_date_id")  # migration 8's
        store.db.execute("CREATE INDEX articles_date ON articles(date)")
        store.db.execute("UPDATE meta SET value='5' WHERE key='schema_version'")
    assert all(written)  # the examples name places and organizations, and have outlets
    with Store(path) as store:
        assert store.version == SCHEMA_VERSION
        assert [sorted(store.db.execute(f"SELECT * FROM {t}").fetchall())
                for t in ("story_entities", "story_outlets")] == written
        assert {r[0] for r in store.db.execute("SELECT tokens FROM analyses")} == {None}  # analysed when needed
        assert {r[0] for r in store.db.execute("SELECT units FROM analyses")} == {None}
