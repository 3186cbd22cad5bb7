"""Summarizer invariants (hypothesis) and bad cases."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khulasa.config import SummaryConfig
from khulasa.ingest import read_articles
from khulasa.model import Article, ArticleUnits
from khulasa.summary import summarize
from khulasa.summary.units import _build_story, article_units
from khulasa.text import _TOKEN, analyse_all, normalize, sentences, stopwords, tokenize

from .conftest import EXAMPLES

FLOODS = [str(EXAMPLES / "sawt-alsahel/floods-first-report.txt"), str(EXAMPLES / "alrafed/floods-relief.txt"),
          str(EXAMPLES / "alofoq/floods-wire.html"), str(EXAMPLES / "mashriq-wire.jsonl")]


def _units(articles: list[Article]) -> list[ArticleUnits]:
    """What the summarizer reads of each article."""
    return [article_units(a) for a in analyse_all(articles)]


def _floods() -> list[Article]:
    return list(read_articles(FLOODS).articles)


def _check_invariants(arts: list[Article], max_words: int, config: SummaryConfig | None = None) -> None:
    summary = summarize(arts, max_words=max_words, config=config or SummaryConfig())
    by_id = {a.id: a for a in arts}
    assert summary.word_count <= max_words
    all_sentences = {(s.article_id, s.index): s for a in arts for s in sentences(a)}
    for item in summary.sentences:
        s = item.sentence
        assert all_sentences[(s.article_id, s.index)] == s  # only input sentences
        assert item.citations[0].article_id == s.article_id
        for c in item.citations:
            assert by_id[c.article_id].text[c.start:c.end]  # resolves to a real span
            cited = all_sentences[(c.article_id, c.sentence_index)]
            assert (cited.start, cited.end) == (c.start, c.end)
        assert len({c.article_id for c in item.citations}) == len(item.citations)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.permutations(list(range(4))))
def test_invariants_any_budget_any_order(max_words: int, order: list[int]) -> None:
    arts = _floods()
    _check_invariants([arts[i] for i in order], max_words)


@pytest.mark.parametrize("max_words", [1, 30, 120, 400])
def test_exact_solver_keeps_the_invariants(max_words: int) -> None:
    arts = _floods()
    ilp = SummaryConfig(solver="ilp")
    _check_invariants(arts, max_words, ilp)
    summary = summarize(arts, max_words=max_words, config=ilp)
    keys = {(s.sentence.article_id, s.sentence.index) for s in summary.sentences}
    story = _build_story(_units(arts), "ar", ilp)
    for u in story.units:  # a sentence pointing back comes with its predecessor
        if u.dangling and (u.sentence.article_id, u.sentence.index) in keys:
            assert (u.sentence.article_id, u.sentence.index - 1) in keys
    if max_words >= 120:
        assert summary.word_count >= max_words // 2


def test_deterministic() -> None:
    a = summarize(_floods(), max_words=100)
    b = summarize(_floods(), max_words=100)
    assert a == b


def test_budget_is_well_filled_and_wire_copy_is_cited() -> None:
    summary = summarize(_floods(), max_words=80)
    assert 50 <= summary.word_count <= 80
    sources = {c.source for s in summary.sentences for c in s.citations}
    assert len(sources) >= 2  # the same facts are reported by several outlets
    texts = summary.text()
    assert "؟" not in texts and "شاركنا" not in texts


def test_no_dangling_or_redundant_sentences() -> None:
    summary = summarize(_floods(), max_words=250)
    keys = [(s.sentence.article_id, s.sentence.index) for s in summary.sentences]
    for s in summary.sentences:
        first = s.text.split()[0]
        if first in ("وأضاف", "وتابع", "وأوضح") and s.text.split()[1] in ("أن", "ان", "إن"):
            assert (s.sentence.article_id, s.sentence.index - 1) in keys
    # the wire copy republished by another outlet is never chosen twice
    normalized = [" ".join(s.text.split()[3:]) for s in summary.sentences]
    assert len(normalized) == len(set(normalized))


def test_bad_cases() -> None:
    assert summarize([], max_words=100).sentences == ()
    assert summarize(["", "   "], max_words=100).sentences == ()
    one = summarize(_floods()[:1], max_words=40)
    assert 0 < one.word_count <= 40
    assert summarize(_floods(), max_words=3).sentences == ()  # smaller than any sentence
    with pytest.raises(ValueError, match="max_words"):
        summarize(_floods(), max_words=0)
    english = ["The ministers met in London on Thursday to discuss the campaign. They agreed on new steps.",
               "Ministers from twenty countries met in London on Thursday. The campaign was discussed at length."]
    out = summarize(english, max_words=30)
    assert out.sentences and out.word_count <= 30


def test_plain_texts_are_cleaned() -> None:
    text = "XS\nSM\nعنوان الخبر\n\nقال الوزير إن الحكومة ستبني عشرين مدرسة جديدة في العام المقبل.\nالمصدر: وكالة"
    out = summarize([text, text.replace("عشرين", "ثلاثين")], max_words=50)
    assert all("XS" not in s.text and "المصدر" not in s.text for s in out.sentences)


UNPUNCTUATED = "\n".join([
    "افتتحت البلدية صباح اليوم جسرا جديدا فوق نهر العاصي في وسط المدينة",
    "ويبلغ طول الجسر الجديد ثلاثمئة متر ويتسع لأربعة مسارات للسيارات",
    "وقال رئيس البلدية إن كلفة الجسر بلغت عشرين مليون دولار",
    "وينتظر السكان افتتاح جسر ثان قرب السوق القديم في الربيع المقبل",
])


def test_only_overlong_sentences_still_give_a_summary() -> None:
    clause = "وتشمل الخطة تحديث شبكات المياه والكهرباء والطرق في المحافظات الشمالية والجنوبية"
    text = "أعلنت الحكومة خطة للتنمية، " + "، ".join([clause] * 9) + "."  # one sentence of ~100 words
    out = summarize([text], max_words=150)
    assert [s.text for s in out.sentences] == [text] and out.word_count <= 150
    assert summarize([text], max_words=50).sentences == ()  # and still never over the budget


def test_text_written_without_punctuation_is_summarized() -> None:
    # One sentence per line and no full stops: the lines are sentences, not captions.
    for texts in ([UNPUNCTUATED], [UNPUNCTUATED, UNPUNCTUATED.replace("عشرين", "ثلاثين")]):
        out = summarize(texts, max_words=30)
        assert out.sentences and out.word_count <= 30
        assert all(s.text in UNPUNCTUATED or s.text in texts[-1] for s in out.sentences)


def test_five_hundred_articles(tmp_path: Path) -> None:
    arts = _floods()
    many = [Article(id=f"{a.id}-{i}", text=a.text, source=a.source, date=a.date) for i in range(125) for a in arts]
    out = summarize(many, max_words=120)
    assert 0 < out.word_count <= 120
    assert len(out.sentences[0].citations) > 10


def test_multiling_floor(shared_data: Path) -> None:
    """A floor far below the benchmark figure: guards against a broken pipeline, not a tuned score."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from rouge import rouge

    topics = [json.loads(x) for x in (shared_data / "multiling2011_ar_mds.jsonl").read_text("utf-8").splitlines()]
    scores = [rouge(summarize(t["documents"], 250).text(), t["references"])["R2"] for t in topics[:3]]
    assert sum(scores) / len(scores) > 10


def test_a_quote_after_a_bare_reporting_verb_is_not_chosen_alone() -> None:
    art = Article(id="a", source="a", text=(
        "أعلن وزير المالية خطة جديدة لدعم الصناعات الصغيرة في البلاد خلال العام المقبل.\n"
        'وقال "نحن ملتزمون بدعم كل المشاريع الصغيرة في جميع المحافظات دون استثناء".'))
    other = Article(id="b", source="b", text=(
        "كشف وزير المالية عن خطة لدعم الصناعات الصغيرة تبدأ العام المقبل في البلاد.\n"
        'وأضاف: "نحن ملتزمون بدعم المشاريع الصغيرة في المحافظات كافة دون أي استثناء".'))
    out = summarize([art, other], max_words=60)
    keys = [(s.sentence.article_id, s.sentence.index) for s in out.sentences]
    for aid, idx in keys:
        if idx == 1:
            assert (aid, 0) in keys  # the quote comes with the sentence that names the speaker


def test_citations_follow_the_fact_not_the_story_vocabulary() -> None:
    from khulasa.summary import cite_all

    a = ("أعلنت وزارة الصحة تسجيل 120 إصابة جديدة بالحمى في مدينة الساحل خلال يومين. "
         "وقال الوزير إن المستشفيات تعمل بكامل طاقتها لاستقبال المرضى.")
    b = ("سجلت مدينة الساحل 120 إصابة جديدة بالحمى خلال يومين بحسب وزارة الصحة. "
         "وافتتحت الوزارة مستشفى ميدانيا في المدينة لتخفيف الضغط.")
    c = ("قال وزير الصحة إن موجة الحمى انحسرت في مدينة الشمال بعد أسبوعين. "
         "وأضاف أن الوزارة أرسلت أدوية ولقاحات إلى المدينة.")
    cited = {(s.sentence.article_id, s.sentence.index): [(x.article_id, x.sentence_index) for x in s.citations[1:]]
             for s in cite_all([a, b, c])}
    assert cited[("doc1", 0)] == [("doc2", 0)]  # the same fact, worded differently, by another outlet
    assert cited[("doc2", 0)] == [("doc1", 0)]
    assert all(("doc3", 0) not in v for v in cited.values())  # same vocabulary, another fact


def test_cite_all_covers_every_sentence_and_agrees_with_summarize() -> None:
    from khulasa.summary import cite_all

    arts = _floods()
    everything = cite_all(arts)
    all_sentences = [s for a in arts for s in sentences(a)]
    assert [c.sentence for c in everything] == all_sentences
    by_sentence = {(c.sentence.article_id, c.sentence.index): c.citations for c in everything}
    for item in summarize(arts, max_words=120).sentences:  # a chosen sentence is cited the same way
        assert item.citations == by_sentence[(item.sentence.article_id, item.sentence.index)]
    for c in everything:
        assert {x.article_id for x in c.citations[1:]} <= {a.id for a in arts} - {c.sentence.article_id}
    assert cite_all([]) == ()


_WORDS = st.sampled_from(["قال", "الوزير", "إن", "المدرسة", "مدرسة", "في", "٢٠١٥", "الأمم", "المتحدة", "،", ".",
                          "Kerry", "said", "\x00", "ـ", "مُحَمَّد", "", "وزارة"])


@given(st.lists(st.lists(_WORDS, max_size=40).map(" ".join), max_size=8))
@settings(max_examples=150, deadline=None)
def test_articles_analysed_together_as_one_by_one(texts: list[str]) -> None:
    # A batch shares one TokenMemo (each distinct token normalized and stemmed once): that must equal
    # analysing each article alone.
    from khulasa.text import analyse

    arts = [Article(id=f"a{i}", text=t, title=t[:20]) for i, t in enumerate(texts)]
    assert analyse_all(arts) == [analyse(a) for a in arts]


def _concepts_by_definition(text: str) -> set[str]:
    """A sentence's concepts as the module docstring defines them: content stems, and stem bigrams
    that are not two stopwords (stopword and number tests on the normalized, ة-folded token)."""
    from khulasa.text import _stemmer

    tokens = tokenize(text)
    stems = [s.replace("ة", "ه") for s in _stemmer("ar").stemWords(_TOKEN.findall(normalize(text, fold_ta=False)))]
    stop = [t in stopwords("ar") or t.isdigit() for t in tokens]
    content = {s for s, sw in zip(stems, stop, strict=True) if not sw}
    return content | {f"{a} {b}" for (a, b), (sa, sb) in zip(itertools.pairwise(stems), itertools.pairwise(stop),
                                                               strict=True) if not (sa and sb)}


@given(st.lists(st.lists(_WORDS, min_size=1, max_size=12).map(" ".join).map(lambda t: t + "."),
                min_size=1, max_size=6))
@settings(max_examples=150, deadline=None)
def test_concept_rows_hold_the_concepts_the_method_defines(texts: list[str]) -> None:
    # The concept matrix is built with integer ids over the whole story; sentence by sentence it must
    # hold as many concepts as the definition gives, sharing as many with every other sentence.
    art = Article(id="a", text="\n".join(texts))
    story = _build_story(_units([art]), "ar", SummaryConfig())
    expected = [_concepts_by_definition(u.sentence.text) for u in story.units]
    concepts = story.concepts.to_scipy()
    shared = (concepts @ concepts.T).toarray()
    for i, a in enumerate(expected):
        for j, b in enumerate(expected):
            assert shared[i, j] == len(a & b)


@pytest.mark.parametrize(
    ("text", "language", "points_back"),
    [("وفي هذا الاجتماع تشارك وفود 40 دولة.", "ar", True),
     ("وتأتي هذه الخطوة بعد أسبوعين من الفيضانات.", "ar", True),
     ("يتوقع المزارعون أن يكون هذا العام صعبا في الجنوب.", "ar", False),
     ("أعلنت الحكومة هذه المرة خطة مختلفة لإعادة الإعمار.", "ar", False),
     # further in, the demonstrative is read with its own sentence (only the opening counts: matching it
     # anywhere marked 12% of ANT sentences as needing their predecessor)
     ("ومن المقرر أن تشارك وفود 40 دولة في هذا الاجتماع.", "ar", False),
     ("This meeting will set the agenda, the ministers said.", "en", True),
     ("The ministers said that this meeting would set the agenda.", "en", False),
     ("Prices rose this year across the region.", "en", False)],
)
def test_a_sentence_that_points_back_needs_its_predecessor(text: str, language: str, points_back: bool) -> None:
    art = Article(id="a", source="a", language=language,
                  text=("Officials announced the plan on Monday in the capital." if language == "en"
                        else "أعلنت الحكومة الخطة يوم الاثنين في العاصمة.") + "\n" + text)
    second = _build_story(_units([art]), language, SummaryConfig()).units[1]
    assert second.dangling is points_back


def test_every_example_story_summary_opens_with_a_lead() -> None:
    from khulasa.stories import cluster

    arts = list(read_articles([str(EXAMPLES)]).articles)
    by_id = {a.id: a for a in arts}
    for story in cluster(arts):
        summary = summarize([by_id[m] for m in story.article_ids], max_words=120)
        assert summary.sentences[0].sentence.index == 0, story.headline
        dates = [by_id[s.sentence.article_id].date for s in summary.sentences]
        assert all(a is None or b is None or a <= b for a, b in itertools.pairwise(dates))


def test_an_undated_report_is_read_beside_the_coverage_it_matches() -> None:
    import datetime as dt

    opening = Article(id="opening", date=dt.date(2024, 3, 14), text=(
        "عمّان- افتتح وزراء الزراعة في دول المنطقة اليوم مؤتمرا عن زراعة القمح في الأراضي الجافة بحضور خبراء "
        "من عشر دول."))
    trials = Article(id="trials", date=dt.date(2024, 9, 20), text=(
        "القاهرة- أعلن المعهد الإقليمي للبحوث نتائج أول موسم من تجارب البذور المقاومة للجفاف في ثلاث دول، "
        "وقال إن المحصول زاد بنسبة الخمس."))
    closing = Article(id="closing", text=(
        "اختتم مؤتمر عمّان للقمح أعماله بالاتفاق على برنامج مشترك لتبادل البذور بين دول المنطقة، وتعهد الوزراء "
        "بتمويله."))
    stray = Article(id="stray", text="وصلت إلى الميناء أمس شحنة جديدة من الأسمدة المستوردة، وستوزع على المزارعين خلال الشهر.")
    summary = summarize([opening, trials, closing, stray], max_words=200)
    # The undated closing report follows the opening it matches, before September; one sharing no
    # content word with any dated article stays last.
    assert [s.sentence.article_id for s in summary.sentences] == ["opening", "closing", "trials", "stray"]


def test_every_demonstrative_holds_a_prefilter_stem() -> None:
    # The pointing-back pattern only runs on sentences holding one of these stems.
    from khulasa.summary.units import _DEMONSTRATIVE_STEMS, _DEMONSTRATIVES

    assert all(any(d in w for d in _DEMONSTRATIVE_STEMS) for w in _DEMONSTRATIVES)


def test_the_tail_of_a_cut_sentence_is_not_a_candidate() -> None:
    art = Article(id="a", text="أعلنت الحكومة خطة جديدة لإعادة إعمار الأحياء المتضررة في المدينة.\n"
                                "، وأكدت أن العمل سيبدأ في الأسبوع المقبل بتمويل من المانحين الدوليين.")
    story = _build_story(_units([art]), "ar", SummaryConfig())
    assert [u.eligible for u in story.units] == [True, False]


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 40)), max_size=60))
@settings(max_examples=100, deadline=None)
def test_distinct_concept_pairs_whichever_sort(pairs: list[tuple[int, int]]) -> None:
    # One combined-key sort for realistic stories, a two-key sort where row * span would overflow.
    import numpy as np

    from khulasa.summary.units import _unique_pairs

    rows = np.array([r for r, _ in pairs], dtype=np.int64)
    codes = np.array([c for _, c in pairs], dtype=np.int64)
    expected = sorted(set(pairs))
    for combined in (True, False):
        got_rows, got_codes = _unique_pairs(rows, codes, 41, combined=combined)
        assert list(zip(got_rows.tolist(), got_codes.tolist(), strict=True)) == expected


def test_similarities_row_by_row_are_the_sparse_product() -> None:
    import numpy as np

    from khulasa.summary.citations import _fact_matrix, _similarity_rows

    story = _build_story(_units(_floods()), "ar", SummaryConfig())
    facts = _fact_matrix(story)
    rows = list(range(0, facts.shape[0], 2))
    reference = facts.to_scipy()
    whole = (reference[rows] @ reference.T).toarray()
    assert np.allclose(np.array(list(_similarity_rows(facts, rows))), whole)


@given(st.integers(1, 7), st.integers(1, 9), st.data())
@settings(max_examples=100, deadline=None)
def test_sparse_rows_multiply_and_group_as_scipy_does(n_rows: int, n_cols: int, data: st.DataObject) -> None:
    import numpy as np

    from khulasa.summary.units import Sparse

    cells = data.draw(st.sets(st.tuples(st.integers(0, n_rows - 1), st.integers(0, n_cols - 1)), max_size=n_rows * n_cols))
    pairs = sorted(cells)
    rows = np.array([r for r, _ in pairs], dtype=np.int64)
    cols = np.array([c for _, c in pairs], dtype=np.int64)
    values = np.array(data.draw(st.lists(st.floats(-4, 4), min_size=len(pairs), max_size=len(pairs))), dtype=np.float64)
    matrix = Sparse.from_sorted(rows, cols, values, (n_rows, n_cols))
    reference = matrix.to_scipy()
    vector = np.array(data.draw(st.lists(st.floats(-4, 4), min_size=n_cols, max_size=n_cols)), dtype=np.float64)
    assert np.allclose(matrix.dot(vector), reference @ vector)
    groups = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n_rows, max_size=n_rows)), dtype=np.int64)
    membership = np.zeros((3, n_rows))
    membership[groups, np.arange(n_rows)] = 1.0
    assert np.allclose(matrix.row_sums(groups, 3), membership @ reference.toarray())
    for i in range(n_rows):
        got_cols, got_values = matrix.row(i)
        assert got_cols.tolist() == reference[i].indices.tolist()
        assert np.allclose(got_values, reference[i].data)
    picked = np.array(data.draw(st.lists(st.integers(0, n_rows - 1), max_size=2 * n_rows)), dtype=np.int64)
    taken = matrix.take_rows(picked)
    assert taken.shape == (len(picked), n_cols)
    assert np.array_equal(taken.to_scipy().toarray(), reference.toarray()[picked])
    assert np.array_equal(taken.row_of, np.repeat(np.arange(len(picked)), np.diff(taken.indptr)))


def _text(s: object) -> list[tuple[str, list[tuple[str, int, float]]]]:
    from khulasa.model import Summary

    assert isinstance(s, Summary)
    return [(x.sentence.text, [(c.article_id, c.sentence_index, c.similarity) for c in x.citations])
            for x in s.sentences]


@given(st.lists(st.sets(st.integers(0, 3), max_size=4), min_size=1, max_size=4),
       st.lists(st.sets(st.integers(0, 1), max_size=2), min_size=1, max_size=4),
       st.lists(st.integers(1, 120), min_size=4, max_size=4))
@settings(max_examples=40, deadline=None)
def test_parts_of_a_story_are_summarized_as_their_articles_alone(own: list[set[int]], cited: list[set[int]],
                                                                  budgets: list[int]) -> None:
    # A story and its events are summarized from one build of the story's sentences (summarize_parts):
    # each part must read as summarize() of its own articles, citing its own copies.
    from khulasa.summary import summarize_parts
    from khulasa.text import analyse

    floods = [analyse(a) for a in _floods()]
    members, copies = floods[:4], floods[2:]  # copies of two members: their sentences are cited, never chosen
    copies = [analyse(Article(id=f"copy-{a.id}", text=a.article.text, outlet="another")) for a in copies]
    parts = [({members[k].id for k in o}, {copies[k].id for k in c}, w)
             for o, c, w in zip(own, cited, budgets, strict=False)]
    got = summarize_parts(members, parts, also_cite=copies)
    for (own_ids, cited_ids, words), summary in zip(parts, got, strict=True):
        alone = summarize([a for a in members if a.id in own_ids], words,
                          also_cite=[a for a in copies if a.id in cited_ids]) if own_ids else None
        assert summary.max_words == words
        if alone is None:
            assert summary.sentences == () and summary.article_ids == ()
        else:
            assert summary.article_ids == alone.article_ids
            assert _text(summary) == _text(alone)


def test_a_clause_after_a_semicolon_needs_the_one_before() -> None:
    art = Article(id="a", text="ضرب زلزال قوي المنطقة الساحلية صباح الجمعة وشعر به سكان المدن المجاورة. "
                                "وقع المركز على بعد 102 كيلومتر شمال المدينة ؛ "
                                "165 كيلومترا إلى الجنوب الغربي من العاصمة و167 كيلومترا جنوب الميناء.")
    units = _build_story(_units([art]), "ar", SummaryConfig()).units
    assert [u.sentence.index for u in units] == [0, 1, 2]
    assert not units[0].dangling and units[2].dangling
