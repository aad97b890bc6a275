"""A rate a reader can trust: below 0% and above the ceiling it says what it means; the formula with the figures."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kpi.domain.rate_meaning import RATE_CEILING, rate_formula, rate_meaning, rate_with_meaning


@pytest.mark.parametrize(("percent", "meaning"), [
    (None, ""), (-216.7, "基準値より悪化"), (-0.01, "基準値より悪化"), (0, ""), (59.99, ""), (100, ""),
    (RATE_CEILING, ""), (200.01, "目標の2倍"), (13150.3, "目標の131.5倍"), (Decimal("-105.9"), "基準値より悪化"),
])
def test_rate_meaning(percent, meaning):
    assert rate_meaning(percent) == meaning


@pytest.mark.parametrize(("percent", "text"), [
    (-216.7, "-216.7%（基準値より悪化）"), (13150.3, "13150.3%（目標の131.5倍）"), (90.75, "90.7%"), (None, "—"),
])
def test_rate_with_meaning_keeps_the_rounded_down_figure(percent, text):
    assert rate_with_meaning(percent) == text


def test_the_formula_names_the_rule_and_the_figures():
    assert rate_formula("numeric", "higher", Decimal(0), Decimal(6000), Decimal(5445), 90.75, "時間") == (
        "（実績値 − 基準値）÷（目標値 − 基準値） = （5,445時間 − 0時間）÷（6,000時間 − 0時間） = 90.7%")
    assert rate_formula("numeric", "higher", None, Decimal(280), Decimal(300), 107.1, "人") == (
        "実績値 ÷ 目標値 = 300人 ÷ 280人 = 107.1%")
    assert rate_formula("numeric", "lower", Decimal("16.9"), Decimal("12.0"), Decimal(20), -63.2, "%").endswith(
        "= （16.9% − 20%）÷（16.9% − 12%） = -63.2%（基準値より悪化）")
    assert rate_formula("increase", "higher", 25, None, 30, 100, "名").startswith("基準値を上回れば達成")
    assert rate_formula("numeric", "higher", None, Decimal(280), None, None) == "実績値 ÷ 目標値"
