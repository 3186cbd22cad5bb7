"""Dates in text: a table of real-looking expressions and the dates they resolve to."""

from __future__ import annotations

import datetime as dt

import pytest

from khulasa.dates import find_dates, hijri_to_gregorian

SUNDAY = dt.date(2015, 1, 18)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("يستضيف الوزيران نظراءهما في لندن الخميس", dt.date(2015, 1, 22), dt.date(2015, 1, 22)),  # future
        ("عقد الوزراء اجتماعهم الخميس في لندن", dt.date(2015, 1, 15), dt.date(2015, 1, 15)),  # past
        ("من المقرر أن يصل الوفد الثلاثاء", dt.date(2015, 1, 20), dt.date(2015, 1, 20)),
        ("قال الوزير أمس إن", dt.date(2015, 1, 17), dt.date(2015, 1, 17)),
        ("أعلن اليوم الأحد", dt.date(2015, 1, 18), dt.date(2015, 1, 18)),
        ("اجتمعوا نهاية العام الماضي في بروكسل", dt.date(2014, 10, 1), dt.date(2014, 12, 31)),
        ("في تقرير نشرته في تشرين الثاني/نوفمبر الماضي", dt.date(2014, 11, 1), dt.date(2014, 11, 30)),
        ("في الثاني من شباط/ فبراير المقبل", dt.date(2015, 2, 1), dt.date(2015, 2, 28)),
        ("سيطر عليها التنظيم منتصف عام 2014", dt.date(2014, 5, 1), dt.date(2014, 8, 31)),
        ("الموافق 12 شعبان 1446", dt.date(2025, 2, 11), dt.date(2025, 2, 11)),
        ("يوم 18 كانون الثاني/يناير 2015", dt.date(2015, 1, 18), dt.date(2015, 1, 18)),
        ("الأسبوع المقبل", dt.date(2015, 1, 19), dt.date(2015, 1, 25)),
        ("في لقاء عقد في ديسمبر في مقر الحلف", dt.date(2014, 12, 1), dt.date(2014, 12, 31)),
    ],
)
def test_resolved_dates(text: str, first: dt.date, last: dt.date) -> None:
    found = find_dates(text, SUNDAY)
    assert found, text
    assert (found[0].first, found[0].last) == (first, last)
    assert 0 < found[0].confidence <= 1


def test_relative_dates_need_a_reference() -> None:
    assert find_dates("قال أمس الخميس", None) == []
    assert find_dates("في 18 يناير 2015", None)[0].first == dt.date(2015, 1, 18)


def test_floods_is_not_a_future_marker() -> None:
    """"سيول" (floods) begins like a future verb; it must not turn a past weekday into a future one."""
    found = find_dates("لقي 23 شخصا مصرعهم في سيول بعد أمطار هطلت ليل السبت", dt.date(2024, 11, 3))
    assert found[0].first == dt.date(2024, 11, 2)


@pytest.mark.parametrize(
    ("hijri", "gregorian"),
    [((1445, 9, 1), dt.date(2024, 3, 11)), ((1, 1, 1), dt.date(622, 7, 19)), ((1436, 3, 27), dt.date(2015, 1, 18))],
)
def test_hijri(hijri: tuple[int, int, int], gregorian: dt.date) -> None:
    assert abs((hijri_to_gregorian(*hijri) - gregorian).days) <= 1
