"""Key figures: number parsing (a table), extraction, grouping across outlets and verdicts."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from khulasa.figures import extract, group_figures, parse_number, verdict
from khulasa.ingest import read_articles
from khulasa.model import Article
from khulasa.text import normalize

from .conftest import EXAMPLES


@pytest.mark.parametrize(
    ("text", "value", "used"),
    [
        ("2000 ضربة", 2000, 1), ("1,200 وظيفة", 1200, 1), ("2.5 مليار دولار", 2.5e9, 2), ("٣٫٥ مليار", 3.5e9, 2),
        ("15 ألف مقاتل", 15000, 2), ("ثلاثة آلاف أسرة", 3000, 2), ("خمسة ملايين نسمة", 5e6, 2),
        ("خمسة وعشرين قتيلا", 25, 2), ("مئة وخمسين", 150, 2), ("ثلاثة عشر", 13, 2), ("أحد عشر", 11, 2),
        ("عشرين من", 20, 1), ("ستين دولة", 60, 1), ("سبع سنوات", 7, 1), ("ثلاثمئة", 300, 1),
        ("ملياري دولار", 2e9, 1), ("ألفين", 2000, 1), ("النصف", 0.5, 1), ("الثلث", 1 / 3, 1), ("ربع", 0.25, 1),
    ],
)
def test_parse_number(text: str, value: float, used: int) -> None:
    parsed = parse_number([normalize(w) for w in text.split()])
    assert parsed is not None
    assert math.isclose(parsed.value, value) and parsed.used == used


def test_vague_and_non_numbers() -> None:
    vague = parse_number([normalize("الآلاف"), normalize("من")])
    assert vague is not None and vague.indefinite and (vague.low, vague.high) == (2000, 9999)
    assert parse_number([normalize("قال")]) is None
    assert parse_number([]) is None


def _article(aid: str, text: str) -> Article:
    return Article(id=aid, text=text, source=aid)


def test_extraction_units_qualifiers_and_dates() -> None:
    art = _article("a", "استعادت القوات نحو 700 كلم مربع من الأراضي بدعم 2000 ضربة جوية. "
                        "وارتفع الإنفاق بنسبة 30 بالمئة عام 2024. وقتل أكثر من عشرين مسلحا في 14 آذار. "
                        "ودخل القمر «نجمة-2» مداره.")
    figs = {f.text: f for f in extract(art)}
    km = next(f for t, f in figs.items() if t.startswith("700"))
    assert (km.unit, km.qualifier, km.value) == ("km2", "about", 700)
    assert art.text[km.start:km.end] == km.text
    strikes = next(f for t, f in figs.items() if t.startswith("2000"))
    assert strikes.thing == "ضربة جوية"
    assert next(f for t, f in figs.items() if t.startswith("30")).unit == "%"
    more = next(f for f in figs.values() if f.value == 20)
    assert more.qualifier == "more than" and math.isinf(more.high)
    values = {f.value for f in figs.values()}
    assert 2024 not in values and 14 not in values and 2 not in values  # a year, a date, a name


def test_verdicts() -> None:
    base = extract(_article("a", "شارك 20 وزيرا في الاجتماع."))[0]
    from dataclasses import replace

    same = [base, replace(base, article_id="b")]
    assert verdict(same) == "agree"
    assert verdict([base, replace(base, article_id="b", value=21)]) == "disagree"
    assert verdict([base, replace(base, article_id="b", value=21, qualifier="about")]) == "approximate"


def test_outlets_that_disagree_are_grouped_apart_from_other_quantities() -> None:
    arts = [
        _article("a", "شارك وزراء خارجية 20 دولة في اجتماع لندن أمس، فيما يضم التحالف 60 دولة."),
        _article("b", "حضر وزراء خارجية 21 دولة اجتماع لندن، وتعهد التحالف الذي يضم 60 دولة بمواصلة الحملة."),
        _article("c", "شارك في اجتماع لندن وزراء خارجية نحو 20 دولة."),
    ]
    groups = group_figures([f for a in arts for f in extract(a)])
    by_values = {tuple(sorted(f.value for f in g.figures)): g.verdict for g in groups}
    assert by_values[(20, 20, 21)] == "disagree"
    assert by_values[(60, 60)] == "agree"


def test_example_corpus_disagreements() -> None:
    arts = list(read_articles([str(EXAMPLES / "sawt-alsahel"), str(EXAMPLES / "alrafed"),
                               str(EXAMPLES / "mashriq-wire.jsonl")]).articles)
    floods = [a for a in arts if "floods" in a.id or a.id == "wire-1103-052"]
    groups = group_figures([f for a in floods for f in extract(a)])
    dead = next(g for g in groups if 25 in g.values)
    assert dead.verdict == "disagree" and set(dead.values) == {23, 25, 27}


def test_seeds_london_countries(seeds_dir: Path) -> None:
    arts = list(read_articles([str(seeds_dir)]).articles)
    groups = group_figures([f for a in arts for f in extract(a)])
    london = [g for g in groups if {20, 21} <= set(g.values)]
    assert len(london) == 1 and london[0].verdict == "disagree"
    assert {f.article_id[:3] for f in london[0].figures} == {"000", "001", "002"}
    assert not any(v in london[0].values for v in (40, 60))


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("عاد اللاعبون بعد غياب دام عامين عن الملاعب.", [(2, "year")]),
        ("التقى الوفدان مرتين خلال شهرين.", [(2, ""), (2, "month")]),
        ("فاز الفريق بخمسة أهداف وخسر منافسه لاعبين.", [(5, "")]),
        ("وصل الجنود ومعهم ثلاثون مدرعة وستة مدافع.", [(30, ""), (6, "")]),
        ("نصف السكان من الشباب، وثلثهم بلا عمل.", [(0.5, ""), (1 / 3, "")]),
        ("رصدت الحكومة مليون دينار للمشروع.", [(1e6, "dinar")]),
        ("تبدأ الجلسة عند الساعة 9:30 صباحا يوم 12 كانون الأول.", []),
        # years and days of real news, not counts: years after a year word in any form, a year joined to
        # a year, a day "من" a month
        ("جرت المحادثات بين العامين 2003 و2007 في العاصمة.", []),
        ("شغل المنصب للعامين 2017 و2018 قبل أن يستقيل.", []),
        ("اندلعت الحرب الطويلة 1950-1953 التي قسمت البلاد.", []),
        ("تعقد القمة في الـ 12 من يونيو في سنغافورة.", []),
        ("اعتقلت الشرطة 1950 شخصا و2000 آخرين في المدينة.", [(1950, ""), (2000, "")]),
    ],
)
def test_clitics_duals_bare_scales_and_times(sentence: str, expected: list[tuple[float, str]]) -> None:
    got = [(f.value, f.unit) for f in extract(_article("x", sentence))]
    assert len(got) == len(expected), got
    for (value, unit), (gv, gu) in zip(expected, got, strict=True):
        assert math.isclose(value, gv) and unit == gu


def test_a_duration_counts_time_not_what_follows_it() -> None:
    art = Article(id="t", text="وتنعقد القمة بعد ستة أشهر من مؤتمر الدوحة، ونقلت الشاحنات 300 طن من القمح.")
    months, tons = extract(art)
    assert (months.value, months.unit, months.thing) == (6, "month", "")
    assert (tons.value, tons.unit, tons.thing) == (300, "t", "القمح")


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (6, "month", "6 أشهر"), (15, "day", "15 يوما"), (1, "year", "1 سنة"), (3, "h", "3 ساعات"),
    (2.5, "month", "2.5 شهر"), (6, "km", "6 كم"), (6, "", "6"),
])
def test_figure_values_read_as_arabic(value: float, unit: str, shown: str) -> None:
    from khulasa.model import Figure, FigureGroup
    from khulasa.output.labels import figure_value, thing_label

    fig = Figure("a", 0, 0, 1, "x", value, value, value, "", unit, "", frozenset(), ())
    assert figure_value(fig) == shown
    assert thing_label(FigureGroup("جسرا", unit, (fig,), "agree")) == "جسرا"
    assert thing_label(FigureGroup(unit, unit, (fig,), "agree")) == {"month": "المدة (أشهر)", "day": "المدة (أيام)", "year": "المدة (سنوات)",
                                  "h": "المدة (ساعات)", "km": "المسافة (كم)", "": ""}[unit]
