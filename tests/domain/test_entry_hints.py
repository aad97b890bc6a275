from datetime import date
from decimal import Decimal

import pytest

from kpi.domain.entry_hints import days_left_text, scale_slip


@pytest.mark.parametrize(("value", "last", "unit", "expected"), [
    (Decimal("0.735"), Decimal("70.1"), "%", "割合（73.5%）"),
    (Decimal("0.735"), None, "%", "割合（73.5%）"),
    (Decimal("73.5"), Decimal("70.1"), "%", None),
    (Decimal("131704000"), Decimal("131704"), "人", "約1000倍"),
    (Decimal("5445"), Decimal("54.45"), "時間", "約100倍"),
    (Decimal("1.3"), Decimal("1227"), "件", "約1000分の1"),
    (Decimal("12.27"), Decimal("1227"), "件", "約100分の1"),
    (Decimal("2500"), Decimal("1227"), "件", None),  # twice as large: a real change, not a slip
    (Decimal("5"), None, "件", None),
])
def test_a_slip_by_100_or_1000_against_last_year_or_the_unit_is_named(value, last, unit, expected):
    hint = scale_slip(value, last, unit)
    assert (hint is None) if expected is None else (expected in hint), hint


@pytest.mark.parametrize(("deadline", "expected"), [
    (date(2022, 12, 9), "提出期限: 2022年12月9日（あと3日）"),
    (date(2022, 12, 6), "提出期限: 2022年12月6日（今日が期限です）"),
    (date(2022, 12, 4), "提出期限: 2022年12月4日（期限を2日過ぎています）"),
    (None, None),
])
def test_the_deadline_says_how_many_days_are_left(deadline, expected):
    assert days_left_text(deadline, date(2022, 12, 6)) == expected
