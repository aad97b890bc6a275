"""Japanese display of fiscal years, numbers and percentages."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from kpi.domain.achievement import Rate
from kpi.domain.formatting import fiscal_year_ja, fiscal_year_label, format_number, format_percent
from kpi.domain.summary import share_percent


@pytest.mark.parametrize(
    "fy, label",
    [
        (2021, "令和3年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (2016, "平成28年度"),
        (1990, "平成2年度"),
        (1989, "平成元年度"),
    ],
)
def test_fiscal_year_is_shown_in_the_japanese_era(fy, label):
    assert fiscal_year_ja(fy) == label


def test_fiscal_year_label_shows_both_calendars():
    assert fiscal_year_label(2021) == "令和3年度（2021年度）"


@pytest.mark.parametrize(
    "value, unit, text",
    [
        (36821, "人", "36,821人"),
        (437322, "千枚", "437,322千枚"),
        (131704, "人", "131,704人"),
        (Decimal("73.5"), "%", "73.5%"),
        (Decimal("75.0"), "", "75"),
        (Decimal("365241.0000"), "千枚", "365,241千枚"),  # DECIMAL(18, 4) as the warehouse returns it
        (Decimal("16.9000"), "%", "16.9%"),
        (Decimal("1234567.25"), "", "1,234,567.25"),
        (Decimal("0.05"), "", "0.05"),
        (Decimal("1E+3"), "件", "1,000件"),
        (19.9, "%", "19.9%"),
        (0, "件", "0件"),
        (-1234, "", "-1,234"),
        (None, "", "—"),
        (None, "人", "—"),
    ],
)
def test_number_has_separators_no_needless_decimals_and_its_unit(value, unit, text):
    assert format_number(value, unit) == text


@pytest.mark.parametrize(
    "value, places, text",
    [
        (Decimal("73.456"), 1, "73.5%"),
        (Decimal("73.45"), 1, "73.5%"),
        (73.45, 1, "73.5%"),  # rounded as written, not as the binary float
        (1.25, 1, "1.3%"),  # round(1.25, 1) would give 1.2
        (Decimal("58.3"), 1, "58.3%"),
        (Decimal("100"), 1, "100.0%"),
        (0, 1, "0.0%"),
        (Decimal("90.75"), 0, "91%"),
        (Decimal("90.75"), 2, "90.75%"),
        (None, 1, "—"),
    ],
)
def test_percent_is_rounded_half_up(value, places, text):
    assert format_percent(value, places) == text


@pytest.mark.parametrize(
    "rate, text",
    [
        (Fraction(5445, 6000), "90.8%"),  # RPA
        (Fraction(-30, 49), "-61.2%"),  # 介護職員の離職率
        (Fraction(2, 13), "15.4%"),  # 森林クラウド
        (Fraction(36821, 280), "13150.4%"),  # テレワーク
    ],
)
def test_a_rates_percent_formats_for_display(rate, text):
    assert format_percent(Rate(rate).percent) == text


def test_a_summary_share_formats_as_published():
    assert format_percent(share_percent(50, 68)) == "73.5%"


@pytest.mark.parametrize(("percent", "shown"), [
    (99.9995, "99.9%"), (59.96, "59.9%"), (100.0, "100.0%"), (60.0, "60.0%"), (90.75, "90.7%"),
    (-30.61, "-30.7%"), (None, "—"),
])
def test_rates_are_shown_rounded_down_so_they_never_claim_a_band_not_reached(percent, shown):
    from kpi.domain.formatting import format_rate

    assert format_rate(percent) == shown


def test_a_japanese_calendar_day_starts_at_15_utc_the_day_before():
    import datetime as dt

    from kpi.domain.formatting import utc_start_of

    assert utc_start_of(dt.date(2026, 12, 6)) == dt.datetime(2026, 12, 5, 15, 0)
    assert utc_start_of(None) is None

