"""The new year's suggestions from last year's approved value: the period moved on a year, the reason category kept."""
from __future__ import annotations

import pytest

from kpi.domain.entry_prefill import Suggestion, advance_period, suggestion


@pytest.mark.parametrize(("last", "expected"), [
    ("令和3年度末見込", "令和4年度末見込"),
    ("R3.10時点", "R4.10時点"),
    ("R元.10時点", "R2.10時点"),
    ("令和元年度", "令和2年度"),
    ("R4.1時点", "R5.1時点"),
    ("2021年度", "2022年度"),
    ("2021年3月末", "2022年3月末"),
    ("平成30年度", "令和元年度"),  # FY2019 is 令和元年度
    ("平成31年3月末", "令和2年3月末"),
    ("R2年度～R3年度の累計", "R3年度～R4年度の累計"),
])
def test_a_period_naming_a_year_moves_on_one_year(last, expected):
    assert advance_period(last) == expected


@pytest.mark.parametrize("text", ["4月～8月", "年度末", "直近1年間", "", "Wi-Fi 100台 (RPA 3件)"])
def test_a_period_naming_no_year_is_copied_as_is(text):
    assert advance_period(text) == text


def test_none_is_nothing():
    assert advance_period(None) == ""
    assert suggestion(None, None) == Suggestion("", "")
    assert suggestion(None, None).fields() == {}


def test_the_suggestion_is_the_advanced_period_and_last_years_category():
    s = suggestion(" R3.10時点 ", "新型コロナウイルス感染症の影響")
    assert s == Suggestion("R4.10時点", "新型コロナウイルス感染症の影響")
    assert s.fields() == {"period": "R4.10時点", "reason_category": "新型コロナウイルス感染症の影響"}
    assert suggestion("4月～8月", "").fields() == {"period": "4月～8月"}
