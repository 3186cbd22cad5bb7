"""Near-duplicates and story clustering: invariants on the example corpus."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khulasa.dedupe import find_duplicates, fold
from khulasa.ingest import read_articles
from khulasa.model import Article
from khulasa.stories import StoryIndex, _Group, cluster

from .conftest import EXAMPLES

ARTICLES = list(read_articles([str(EXAMPLES)]).articles)


def _partition(stories: tuple) -> set[frozenset[str]]:  # type: ignore[type-arg]
    return {frozenset(s.article_ids) for s in stories}


def test_wire_copy_is_folded_with_its_outlets() -> None:
    kept, groups = fold(ARTICLES)
    assert len(groups) == 1
    g = groups[0]
    assert set(g.members) == {"wire-1103-052", "alofoq/floods-wire"}
    assert "قناة الأفق" in g.outlets and "وكالة أنباء المشرق" in g.outlets
    assert len(kept) == len(ARTICLES) - 1


def test_dedupe_is_idempotent() -> None:
    kept, _ = fold(ARTICLES)
    again, groups = fold(kept)
    assert groups == [] and again == kept


def test_edited_copies_are_found() -> None:
    """A republished copy with its ending cut and two words changed is a near-duplicate of its source."""
    originals = [a for a in ARTICLES if len(a.text.split()) >= 60 and a.id != "alofoq/floods-wire"]
    assert len(originals) >= 8
    copies = []
    for a in originals:
        words = a.text.split(" ")[:-5]
        words[len(words) // 3] = "تعديل"
        words[2 * len(words) // 3] = "آخر"
        copies.append(replace(a, id=f"copy-of-{a.id}", text=" ".join(words), content_hash=f"c-{a.content_hash}"))
    groups = [set(g.members) for g in find_duplicates(originals + copies)]
    found = [a.id for a in originals if any({a.id, f"copy-of-{a.id}"} <= m for m in groups)]
    assert found == [a.id for a in originals]


@settings(max_examples=10, deadline=None)
@given(st.randoms(use_true_random=False))
def test_duplicates_do_not_depend_on_order(rnd: random.Random) -> None:
    shuffled = list(ARTICLES)
    rnd.shuffle(shuffled)
    assert find_duplicates(shuffled) == find_duplicates(ARTICLES)


def test_examples_form_three_stories() -> None:
    stories = cluster(ARTICLES)
    parts = _partition(stories)
    water = frozenset({"alrafed/water-amman-opening", "sawt-alsahel/water-amman-outcome", "wire-0314-117",
                       "manara/water-rabat-meeting", "alrafed/water-rabat-followup"})
    satellite = frozenset({"alofoq/satellite-launch", "manara/satellite-launch", "wire-0211-009",
                           "sawt-alsahel/satellite-orbit"})
    assert water in parts and satellite in parts and len(stories) == 3
    story = next(s for s in stories if frozenset(s.article_ids) == water)
    assert [len(e.article_ids) for e in story.events] == [3, 2]  # Amman in March, Rabat in September
    assert story.events[0].first is not None and story.events[0].first.month == 3
    floods = next(s for s in stories if "wire-1103-052" in s.article_ids)
    assert floods.duplicates and "alofoq/floods-wire" in floods.duplicates[0].members


@settings(max_examples=8, deadline=None)
@given(st.randoms(use_true_random=False))
def test_clustering_is_order_independent(rnd: random.Random) -> None:
    shuffled = list(ARTICLES)
    rnd.shuffle(shuffled)
    assert _partition(cluster(shuffled)) == _partition(cluster(ARTICLES))


def test_incremental_updates_match_the_batch() -> None:
    kept, _ = fold(ARTICLES)
    early = [a for a in kept if a.date is not None and a.date.year == 2024]
    late = [a for a in kept if a not in early]
    index = StoryIndex()
    index.update(early)
    index.update(late)
    index.update(early[:2])  # re-adding changes nothing
    batch = StoryIndex()
    batch.update(kept)
    assert _partition(index.stories()) == _partition(batch.stories())


def test_clustering_is_idempotent_on_ids() -> None:
    doubled: list[Article] = ARTICLES + [replace(a, id=a.id) for a in ARTICLES[:3]]
    index = StoryIndex()
    index.update(doubled)
    assert sum(len(s.article_ids) for s in index.stories()) == len(ARTICLES)


def test_floods_are_the_flood_then_the_relief_with_the_wire_copy_folded() -> None:
    stories = cluster(ARTICLES)
    floods = next(s for s in stories if "wire-1103-052" in s.article_ids)
    events = [set(e.article_ids) for e in floods.events]
    # the first report and the toll the next day are one happening; the relief two days later is the next step
    assert events == [{"sawt-alsahel/floods-first-report", "wire-1103-052"}, {"alrafed/floods-relief"}]
    assert "قناة الأفق" in floods.events[0].outlets  # the outlet of the folded copy is kept


@pytest.mark.parametrize("with_examples", [True, False], ids=["with-examples", "seeds-alone"])
def test_seeds_are_one_story_with_two_events(seeds_dir: Path, with_examples: bool) -> None:
    seeds = list(read_articles([str(seeds_dir)]).articles)
    stories = cluster(seeds + (ARTICLES if with_examples else []))
    story = next(s for s in stories if any(a.startswith("000_") for a in s.article_ids))
    assert {a[:3] for a in story.article_ids} == {"000", "001", "002", "003", "004"}
    events = [{a[:3] for a in e.article_ids} for e in story.events]
    assert events == [{"000", "001", "002"}, {"003", "004"}]
    assert story.events[0].first is not None and story.events[0].first.year == 2015


def _group(terms: dict[str, float], members: int) -> _Group:
    """A single-pass group of ``members`` articles, each with the unit vector ``terms``."""
    import math

    g = _Group()
    norm = math.sqrt(sum(v * v for v in terms.values()))
    for k in range(members):
        g.add({t: v / norm for t, v in terms.items()}, f"a{id(g)}-{k}", None, 0.0, 200)
    return g


def _dated(terms: dict[str, float], members: int, day: dt.date) -> _Group:
    """``_group`` dated ``day``."""
    g = _group(terms, members)
    g.first = g.last = day
    return g


def test_merge_joins_fragments_but_not_established_stories() -> None:
    from khulasa.stories import average_link

    shared = {"زلزال": 1.0}
    big_a = _group({**shared, "تشيلي": 1.0, "هزة": 1.0}, 8)
    big_b = _group({**shared, "سومطرة": 1.0, "تسونامي": 1.0}, 8)
    fragment = _group({**shared, "تشيلي": 1.0, "اعمار": 1.0}, 2)
    merged = average_link([big_a, big_b, fragment], threshold=0.2, top=8, max_fragment=4)
    sizes = sorted(len(g.members) for g in merged)
    assert sizes == [8, 10]  # the fragment joined its story; the two stories stayed apart
    assert len(average_link([big_a, big_b], threshold=0.2, top=8)) == 1  # without the rule they merge


def test_merge_leaves_a_fragment_close_to_two_unrelated_stories_alone() -> None:
    from khulasa.stories import average_link

    match_a = _group({"ليفربول": 1.0, "سيتي": 1.0, "الابطال": 1.0}, 6)
    match_b = _group({"يونايتد": 1.0, "ديربي": 1.0, "الدوري": 1.0}, 6)
    between = _group({"ليفربول": 1.0, "يونايتد": 1.0, "مدرب": 1.0}, 1)  # as close to both
    closer = _group({"ليفربول": 1.0, "سيتي": 1.0, "يونايتد": 1.0}, 1)  # twice as close to the first
    ambiguous = average_link([match_a, match_b, between], threshold=0.1, top=8, margin=1.3)
    assert sorted(len(g.members) for g in ambiguous) == [1, 6, 6]
    assert sorted(len(g.members) for g in average_link([match_a, match_b, between], threshold=0.1, top=8)) == [6, 7]
    clear = average_link([match_a, match_b, closer], threshold=0.1, top=8, margin=1.3)
    assert sorted(len(g.members) for g in clear) == [6, 7]


def test_merge_margin_counts_rivals_of_the_fragment_s_own_time_only() -> None:
    from khulasa.stories import average_link

    day = dt.date(2018, 4, 4)
    story = _dated({"ليفربول": 1.0, "سيتي": 1.0, "الابطال": 1.0}, 6, day)
    same_week = _dated({"يونايتد": 1.0, "ديربي": 1.0, "الدوري": 1.0}, 6, day + dt.timedelta(days=3))
    years_later = _dated({"يونايتد": 1.0, "ديربي": 1.0, "الدوري": 1.0}, 6, day + dt.timedelta(days=2000))
    lone = _dated({"ليفربول": 1.0, "يونايتد": 1.0, "مدرب": 1.0}, 1, day)

    def sizes(groups: list[_Group]) -> list[int]:
        merged = average_link(groups, threshold=0.2, top=8, near_days=31, same_time_factor=0.5, margin=2.0)
        return sorted(len(g.members) for g in merged)

    assert sizes([story, same_week, lone]) == [1, 6, 6]  # as close to a story of its own week: ambiguous
    assert sizes([story, years_later, lone]) == [6, 7]  # the look-alike is years away: no rival


def test_merge_margin_does_not_count_two_parts_of_one_story_as_rivals() -> None:
    from khulasa.stories import average_link_parts

    part_a = _group({"تسونامي": 1.0, "سومطرة": 1.0, "ضحايا": 1.0}, 4)
    part_b = _group({"تسونامي": 1.0, "اغاثه": 1.0, "تبرع": 1.0}, 4)  # a third of the way to part_a: one story
    lone = _group({"تسونامي": 1.0, "سومطرة": 1.0, "اغاثه": 1.0}, 1)  # as close to both parts (2/3)
    merged, parts = average_link_parts([part_a, part_b, lone], threshold=0.3, top=8, margin=1.3)
    assert [len(g.members) for g in merged] == [9]
    # the lone article joined part_a at once (its closest pair), then part_b joined them; had part_b
    # counted as a rival, the parts would have merged first and the article after ([[2, 0, 1]])
    assert parts == [[1, 0, 2]]


def test_merge_needs_less_similarity_between_groups_close_in_time() -> None:
    from khulasa.stories import average_link

    jan = dt.date(2005, 1, 1)
    a = {"تسونامي": 1.0, "تبرع": 1.0, "اغاثه": 1.0}
    b = {"تسونامي": 1.0, "ضحايا": 1.0, "سواحل": 1.0}  # average cosine 1/3 with a
    near = [_dated(a, 3, jan), _dated(b, 2, jan + dt.timedelta(days=20))]
    far = [_dated(a, 3, jan), _dated(b, 2, jan + dt.timedelta(days=2000))]
    assert len(average_link(near, threshold=0.5, top=8, near_days=31, same_time_factor=0.5)) == 1
    assert len(average_link(far, threshold=0.5, top=8, near_days=31, same_time_factor=0.5)) == 2
    assert len(average_link(near, threshold=0.5, top=8)) == 2  # without the time rule: too far apart in content


# Three reports of one book fair: the fair's words are shared, every other name is the article's own.
_FAIR = [
    "افتتح معرض الكتاب الدولي دورته الجديدة بمشاركة دور نشر من عشرين دولة. وقدمت دار الياسمين ودار القنديل "
    "ودار السنابل عناوين في الفلسفة والرحلات والطبخ، ووقع الروائي سليم الحداد روايته الأخيرة.",
    "يشهد معرض الكتاب الدولي إقبالا كبيرا في يومه الثاني. واصطف القراء أمام جناح دار المرجان ودار الفنار، "
    "وحاضرت الناقدة هالة الصباغ عن أدب الأطفال والمكتبات المدرسية.",
    "اختتم معرض الكتاب الدولي أعماله بإعلان جوائز النشر. وفازت دار الزيتون بجائزة أفضل تصميم، ونال المترجم "
    "كريم العطار جائزة الترجمة عن نقله مسرحيات شكسبير.",
]


def _fair_articles() -> list[Article]:
    import datetime as dt

    return [Article(id=f"fair-{i}", text=t, date=dt.date(2023, 5, 1 + i), content_hash=f"fair{i}")
            for i, t in enumerate(_FAIR)]


def test_terms_of_one_article_weigh_less_in_story_vectors_only() -> None:
    index = StoryIndex()
    a, b, _ = _fair_articles()
    index.observe([a, b])
    story, event = index._vectors(index.term_counts[a.id])
    shared, own = "معرض", "ياسم"  # stems of معرض (both articles) and الياسمين (the first only)
    assert index.df[shared] == 2 and index.df[own] == 1
    assert story[own] / story[shared] == pytest.approx(0.5 * event[own] / event[shared])


def test_an_article_full_of_its_own_names_still_finds_its_story() -> None:
    """The single pass alone (no merge): the fair's reports are one story, and were not at full weight."""
    from khulasa.config import ClusterConfig

    articles = _fair_articles() + ARTICLES

    def fair_parts(**kw: float) -> set[frozenset[str]]:
        stories = cluster(articles, ClusterConfig(merge_threshold=1.0, **kw))  # type: ignore[arg-type]
        return {p for p in _partition(stories) if any(m.startswith("fair-") for m in p)}

    assert fair_parts() == {frozenset({"fair-0", "fair-1", "fair-2"})}
    assert len(fair_parts(unique_term_weight=1.0)) == 3
