"""The live archive: the store's digest equals the batch digest, updates touch only what changed, story
ids are stable (absorbed ids redirect), a batch is all or nothing, and a kill -9 loses no reported batch."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from khulasa.archive import Archive, redirect_of, stored_digest, stored_story
from khulasa.config import DEFAULT
from khulasa.ingest import read_articles
from khulasa.model import Article
from khulasa.output.json import digest_document
from khulasa.pipeline import digest
from khulasa.store import Store

from .conftest import EXAMPLES, SHARED

ARTICLES = list(read_articles([str(EXAMPLES)]).articles)


def _stories(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(doc["stories"])


def _in_runs(path: Path, articles: list[Article], runs: int, **config: Any) -> dict[str, Any]:
    cfg = DEFAULT.with_values(**config) if config else DEFAULT
    size = -(-len(articles) // runs)
    for k in range(runs):  # each run its own process would open the store afresh: so do we
        with Store(path) as store:
            Archive(store, cfg).add(articles[k * size:(k + 1) * size])
    with Store(path) as store:
        return digest_document(stored_digest(store))


@pytest.mark.parametrize("runs", [1, 3])
def test_the_store_digest_is_the_batch_digest(tmp_path: Path, runs: int) -> None:
    """Same stories (ids, events, members), summaries, citations, entities and figures."""
    batch = _stories(digest_document(digest(ARTICLES)))
    assert _stories(_in_runs(tmp_path / "k.db", ARTICLES, runs)) == batch


@pytest.mark.parametrize("order", [0, 1])
def test_the_seeds_in_three_runs_give_the_batch_digest(tmp_path: Path, order: int) -> None:
    seeds = SHARED / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"{seeds} is missing (the shared seed articles)")
    articles = list(read_articles([str(seeds)]).articles)
    random.Random(order).shuffle(articles)
    batch = _stories(digest_document(digest(articles)))
    assert _stories(_in_runs(tmp_path / "k.db", articles, 3)) == batch
    assert len(batch) == 1 and len(batch[0]["timeline"]) == 2  # one story, two events 18 months apart


def test_the_incremental_path_alone_gives_the_batch_stories_here(tmp_path: Path) -> None:
    """With re-clustering off (``repass_below=0``, growth never reached) the single pass runs on the
    new articles only: on the examples it still finds the batch's stories."""
    got = _in_runs(tmp_path / "k.db", ARTICLES, 3, cluster={"repass_below": 0, "repass_growth": 1000.0})
    batch = digest_document(digest(ARTICLES))
    assert [sorted(a["id"] for e in s["timeline"] for a in e["articles"]) for s in _stories(got)] == \
        [sorted(a["id"] for e in s["timeline"] for a in e["articles"]) for s in _stories(batch)]


def test_an_update_rewrites_only_the_stories_it_changes(tmp_path: Path) -> None:
    late = next(a for a in ARTICLES if a.id == "sawt-alsahel/satellite-orbit")
    rest = [a for a in ARTICLES if a is not late]
    with Store(tmp_path / "k.db") as store:
        archive = Archive(store)
        archive.add(rest)
        before = dict(store.db.execute("SELECT id, doc FROM stories").fetchall())
        report = archive.add([late])
        after = dict(store.db.execute("SELECT id, doc FROM stories").fetchall())
        holder = store.db.execute("SELECT story_id FROM story_members WHERE article_id=?", (late.id,)).fetchone()[0]
        assert report.stories_changed == (holder,) and len(report.added) == 1
        assert {k: v for k, v in after.items() if k != holder} == {k: v for k, v in before.items() if k != holder}
        again = archive.add(ARTICLES)  # everything stored already: nothing changes
        assert again.added == () and again.stories_changed == ()
        assert dict(store.db.execute("SELECT id, doc FROM stories").fetchall()) == after


def test_story_ids_come_from_the_earliest_article_and_old_ids_redirect(tmp_path: Path) -> None:
    floods = sorted((a for a in ARTICLES if "flood" in a.id or a.id.startswith("wire-1103")),
                    key=lambda a: (a.date, a.content_hash, a.id))  # canonical order
    first, later = floods[0], floods[1:]
    with Store(tmp_path / "k.db") as store:
        archive = Archive(store)
        archive.add(later)
        (old_id,) = [sd.story.id for sd in stored_digest(store).stories]
        archive.add([first])  # an earlier report arrives late: the story's first article changes
        (new_id,) = [sd.story.id for sd in stored_digest(store).stories]
        assert new_id != old_id and redirect_of(store, old_id) == new_id
        moved = stored_story(store, old_id)
        assert moved is not None and moved.story.id == new_id and first.id in moved.story.article_ids
    batch = digest(floods)
    assert [sd.story.id for sd in batch.stories] == [new_id]  # the batch digest names it the same


def test_changed_settings_make_the_store_stale_until_rebuilt(tmp_path: Path) -> None:
    with Store(tmp_path / "k.db") as store:
        Archive(store).add(ARTICLES)
        other = DEFAULT.with_values(summary={"max_words": 60})
        archive = Archive(store, other)
        assert archive.stale
        archive.rebuild()
        assert not archive.stale
        assert all(sd.summary.word_count <= 60 for sd in stored_digest(store).stories)
        assert _stories(digest_document(stored_digest(store))) == _stories(digest_document(digest(ARTICLES,
                                                                                                  config=other)))


def test_a_failing_batch_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import khulasa.pipeline

    def broken(items: Any, ner: str = "fast") -> Any:
        raise RuntimeError("tagger failed")

    with Store(tmp_path / "k.db") as store:
        monkeypatch.setattr(khulasa.pipeline, "article_facts", broken)
        with pytest.raises(RuntimeError):
            Archive(store).add(ARTICLES)
        counts = [store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("articles", "articles_fts", "analyses", "bands", "index_groups", "stories")]
        assert counts == [0, 0, 0, 0, 0, 0]


def test_articles_stored_without_derived_state_are_caught_up(tmp_path: Path) -> None:
    with Store(tmp_path / "k.db") as store:
        store.ingest(ARTICLES)  # as an older khulasa stored them
        Archive(store).catch_up()
        assert _stories(digest_document(stored_digest(store))) == _stories(digest_document(digest(ARTICLES)))


def test_stories_are_summarized_from_the_stored_units_or_analyses_or_without_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every article's analysis and units (what the summarizer reads) are stored; a changed story's summary
    # reads the units (no article is analysed again, no analysis read). A store from before units were
    # kept, or holding units of other code, makes them from the analyses; one without analyses either
    # (or holding what this code cannot read) analyses the articles. Each gives the same digest and stores
    # what it made.
    from khulasa.text import TokenMemo, analyse, unpack_analysis

    path = tmp_path / "k.db"
    batch = _stories(digest_document(digest(ARTICLES)))
    with Store(path) as store:
        Archive(store).add(ARTICLES, digests=False)
        db = store.db
        assert db.execute("SELECT count(*) FROM analyses WHERE tokens IS NULL OR units IS NULL").fetchone()[0] == 0
        analysed: list[str] = []
        unpacked: list[str] = []

        def counted(article: Article, memo: TokenMemo | None = None) -> Any:
            analysed.append(article.id)
            return analyse(article, memo)

        def read(article: Article, data: bytes) -> Any:
            unpacked.append(article.id)
            return unpack_analysis(article, data)

        monkeypatch.setattr("khulasa.archive.analyse", counted)
        monkeypatch.setattr("khulasa.archive.unpack_analysis", read)
        Archive(store).refresh()
        assert analysed == unpacked == []
        assert _stories(digest_document(stored_digest(store))) == batch
        with store.writing():
            db.execute("UPDATE analyses SET units=NULL WHERE rowid % 2 = 0")
            db.execute("UPDATE analyses SET units=CAST('u0:older code' || x'0a00' AS BLOB) WHERE rowid % 2 = 1")
            db.execute("UPDATE stories SET doc=NULL")
        Archive(store).refresh()
        assert analysed == []
        assert sorted(unpacked) == sorted(a.id for a in ARTICLES)
        assert _stories(digest_document(stored_digest(store))) == batch
        with store.writing():
            db.execute("UPDATE analyses SET tokens=NULL, units=NULL WHERE rowid % 2 = 0")
            db.execute("UPDATE analyses SET tokens=x'00', units=x'00' WHERE rowid % 2 = 1")
            db.execute("UPDATE stories SET doc=NULL")
        Archive(store).refresh()
        assert sorted(analysed) == sorted(a.id for a in ARTICLES)
        assert _stories(digest_document(stored_digest(store))) == batch
        assert db.execute("SELECT count(*) FROM analyses WHERE tokens IS NULL OR tokens=x'00' OR units IS NULL "
                          "OR units=x'00'").fetchone()[0] == 0


def test_what_is_derived_ahead_belongs_to_the_article_stored(tmp_path: Path) -> None:
    # The next chunk's articles are derived while this one is written; an article whose id another text
    # holds is stored renamed (ID~HASH), two texts under one id in one chunk likewise: what the store keeps
    # of each (its facts, analysis, summary units) is that of the article as stored, as if derived then.
    from dataclasses import replace

    from khulasa.archive import derive_articles, unpack
    from khulasa.model import ArticleFacts, from_dict

    first, second, third, *rest = ARTICLES
    with Store(tmp_path / "k.db") as store:
        archive = Archive(store, batch_size=2)
        archive.add([first], digests=False)
        archive.add([replace(second, id=first.id), third, replace(rest[0], id=third.id), *rest[1:]], digests=False)
        stored = {a.id: a for a in store.articles_by_id([r[0] for r in store.db.execute("SELECT id FROM articles")])}
        assert len(stored) == len(ARTICLES) and sum("~" in i for i in stored) == 2
        rows = {str(r[0]): r[1:] for r in store.db.execute("SELECT article_id, facts, tokens, units FROM analyses")}
        for aid, article in stored.items():
            (expected,) = derive_articles(([article], DEFAULT))
            facts, tokens, units = rows[aid]
            if facts is not None:  # a copy keeps none
                assert from_dict(ArticleFacts, unpack(facts)) == expected.facts
            assert (tokens, units) == (expected.analysis, expected.units)


def test_a_later_copy_that_ranks_first_represents_its_group(tmp_path: Path) -> None:
    """Near-duplicates keep the batch rule (earliest, then longest, then id) whatever the arrival order."""
    wire = next(a for a in ARTICLES if a.id == "wire-1103-052")
    copy = next(a for a in ARTICLES if a.id == "alofoq/floods-wire")
    with Store(tmp_path / "k.db") as store:
        archive = Archive(store)
        archive.add([copy])
        archive.add([wire])
        (sd,) = stored_digest(store).stories
        assert [g.members for g in sd.story.duplicates] == [g.members for s in digest([copy, wire]).stories
                                                            for g in s.story.duplicates]
        bands = dict(store.db.execute("SELECT article_id, count(*) FROM bands GROUP BY article_id").fetchall())
        assert bands.keys() == {sd.story.duplicates[0].representative}  # the copy it replaced is no candidate


_ARCHIVE_LOOP = """
import sys
from khulasa.archive import Archive
from khulasa.ingest import read_articles
from khulasa.model import Article
from khulasa.store import Store
base = list(read_articles([sys.argv[2]]).articles)
with Store(sys.argv[1]) as store:
    archive = Archive(store, batch_size=len(base))
    for n in range(10_000):
        batch = [Article(id=f"{a.id}-{n}", text=a.text + f" (نسخة {n})", title=a.title, date=a.date) for a in base]
        archive.add(batch, on_progress=lambda stage, done, total: print(n, flush=True) if stage == "articles" else None)
"""


def test_kill_minus_nine_during_updates_loses_no_reported_batch(tmp_path: Path) -> None:
    """Kill an updating process after a random number of reported batches (and anywhere in the work that
    follows): every reported batch stays whole with its derived state, and the next update completes the
    stories."""
    path = tmp_path / "k.db"
    rnd = random.Random(11)
    per_batch = len(ARTICLES)
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", _ARCHIVE_LOOP, str(path), str(EXAMPLES)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        reported = [int(proc.stdout.readline()) for _ in range(rnd.randint(1, 3))]  # events, not timers
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        reported += [int(x) for x in out.split()]
        with Store(path) as store:
            assert store.check() == []
            ids = {a.id for a in store.articles()}
            assert store.count() % per_batch == 0
            for n in reported:
                assert all(f"{a.id}-{n}" in ids for a in ARTICLES)
            n_derived = store.db.execute("SELECT count(*) FROM analyses").fetchone()[0]
            assert n_derived == store.count()  # articles and their analyses commit together
            Archive(store).add([])  # the next update brings the stories up to date
            placed = store.db.execute("SELECT count(*) FROM story_members").fetchone()[0]
            assert placed == store.count()
            assert store.db.execute("SELECT count(*) FROM stories WHERE doc IS NULL").fetchone()[0] == 0



def test_a_large_store_re_clusters_without_holding_the_index(tmp_path: Path) -> None:
    """Above ``repass_below`` the re-pass writes groups as it goes (the streaming path): on the examples,
    re-clustering at every update, the stories are still the batch's."""
    got = _in_runs(tmp_path / "k.db", ARTICLES, 3, cluster={"repass_below": 0, "repass_growth": 1.0})
    assert _stories(got) == _stories(digest_document(digest(ARTICLES)))


def test_every_stored_value_reads_back_equal() -> None:
    """``from_dict`` inverts ``to_dict`` for what a store keeps (story digests, article facts)."""
    from khulasa.model import ArticleFacts, StoryDigest, from_dict, to_dict
    from khulasa.pipeline import article_facts

    for sd in digest(ARTICLES).stories:
        assert from_dict(StoryDigest, to_dict(sd)) == sd
    for facts in article_facts(ARTICLES):
        assert from_dict(ArticleFacts, to_dict(facts)) == facts


def test_every_write_leaves_the_counts_a_health_check_reads(tmp_path: Path) -> None:
    import json

    with Store(tmp_path / "k.db") as store:
        Archive(store).add(ARTICLES[:7], digests=False)
        kept = json.loads(store.db.execute("SELECT value FROM meta WHERE key='counts'").fetchone()[0])
        stories = store.db.execute("SELECT count(*), sum(doc IS NULL) FROM stories").fetchone()
        assert kept == [7, stories[0], stories[1], 7] and stories[1] > 0
        Archive(store).refresh()
        kept = json.loads(store.db.execute("SELECT value FROM meta WHERE key='counts'").fetchone()[0])
        assert kept == [7, stories[0], 0, 7]
