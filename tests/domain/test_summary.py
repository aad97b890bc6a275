"""Band counts and shares over a scope (the seed's 計68指標 table)."""
from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.domain.bands import BAND_ORDER, Band
from kpi.domain.summary import BandSummary, share_percent, summarize

SEED_FIGURES = Path(__file__).resolve().parents[1] / "seed_figures.json"

SHARES = [
    (50, 68, "73.5"),
    (3, 68, "4.4"),
    (1, 68, "1.5"),
    (13, 68, "19.1"),
    (7, 12, "58.3"),
    (1, 12, "8.3"),
    (2, 12, "16.7"),
    (43, 56, "76.8"),
    (2, 56, "3.6"),
    (11, 56, "19.6"),
    (0, 56, "0.0"),
    (0, 0, "0.0"),
    (68, 68, "100.0"),
    # exact halves round up (banker's rounding or float round() would go down on some of these)
    (1, 8, "12.5"),
    (1, 40, "2.5"),
    (1, 80, "1.3"),
    (1, 16, "6.3"),
    (5, 16, "31.3"),
    (3, 80, "3.8"),
    (1, 400, "0.3"),
]


@pytest.mark.parametrize("count, total, expected", SHARES, ids=[f"{c}/{t}" for c, t, _ in SHARES])
def test_share_is_rounded_half_up_to_one_decimal(count, total, expected):
    share = share_percent(count, total)
    assert share == Decimal(expected)
    assert str(share) == expected


def _bands(counts: dict[str, int]) -> list[Band]:
    return [Band(key) for key, n in counts.items() for _ in range(n)]


def test_pillar_1_reproduces_the_seeds_table():
    bands = [Band.ACHIEVED] * 7 + [Band.B60_100, Band.B30_60] + [Band.UNDER_30] * 2 + [Band.STOPPED]
    summary = summarize("pillar-1", bands)
    assert summary.total == 12
    assert summary.counts == {Band.ACHIEVED: 7, Band.B60_100: 1, Band.B30_60: 1, Band.UNDER_30: 2, Band.STOPPED: 1}
    assert summary.percent == {
        Band.ACHIEVED: Decimal("58.3"),
        Band.B60_100: Decimal("8.3"),
        Band.B30_60: Decimal("8.3"),
        Band.UNDER_30: Decimal("16.7"),
        Band.STOPPED: Decimal("8.3"),
    }


def _published_tables():
    tables = json.loads(SEED_FIGURES.read_text(encoding="utf-8"))["published_tables"]
    return [pytest.param(t, id=t["scope"]) for t in tables]


@pytest.mark.parametrize("table", _published_tables())
def test_every_published_table_is_reproduced_from_its_bands(table):
    got = summarize(table["scope"], _bands(table["counts"])).as_dict()
    assert got["total"] == table["total"]
    assert got["counts"] == table["counts"]
    if "percent" in table:
        assert got["percent"] == table["percent"]


def test_pillars_2_and_3_add_up_to_the_seeds_combined_table():
    tables = {t["scope"]: t for t in json.loads(SEED_FIGURES.read_text(encoding="utf-8"))["published_tables"]}
    p2, p3 = _bands(tables["pillar 2"]["counts"]), _bands(tables["pillar 3"]["counts"])
    combined = summarize("pillars 2+3", p2 + p3)
    assert combined.as_dict()["counts"] == tables["pillars 2+3"]["counts"]
    assert combined.as_dict()["percent"] == tables["pillars 2+3"]["percent"]


def test_unrated_indicators_are_counted_apart_and_not_in_the_total():
    summary = summarize("dept", [Band.ACHIEVED, None, Band.UNDER_30, None, None])
    assert summary.unrated == 3
    assert summary.total == 2
    assert summary.percent[Band.ACHIEVED] == Decimal("50.0")
    assert summary.as_dict()["unrated"] == 3


def test_a_scope_with_only_unrated_indicators_has_zero_shares():
    summary = summarize("empty", [None, None])
    assert summary.total == 0
    assert set(summary.percent.values()) == {Decimal("0.0")}


def test_summary_lists_every_band_even_when_empty():
    summary = summarize("x", [])
    assert list(summary.as_dict()["counts"]) == [b.value for b in BAND_ORDER]
    assert list(summary.as_dict()["percent"]) == [b.value for b in BAND_ORDER]
    assert summary.as_dict() == {
        "key": "x",
        "total": 0,
        "counts": {b.value: 0 for b in BAND_ORDER},
        "percent": {b.value: 0.0 for b in BAND_ORDER},
        "unrated": 0,
        "undecidable": 0,
    }


# ---------------------------------------------------------------- properties

band_lists = st.lists(st.none() | st.sampled_from(Band), max_size=120)


@settings(max_examples=200)
@given(band_lists)
def test_counts_add_up_to_total_and_shares_lie_between_0_and_100(bands):
    summary = summarize("scope", bands)
    assert sum(summary.counts.values()) == summary.total == sum(b is not None for b in bands)
    assert summary.unrated == sum(b is None for b in bands)
    assert all(Decimal(0) <= p <= Decimal(100) for p in summary.percent.values())
    if summary.total:
        # five shares, each off by at most 0.05
        assert abs(sum(summary.percent.values()) - 100) <= Decimal("0.25")


@settings(max_examples=200)
@given(st.lists(band_lists, max_size=5))
def test_sub_scopes_add_up_to_their_union(scopes):
    union = summarize("union", [b for scope in scopes for b in scope])
    parts = [summarize(f"part{i}", scope) for i, scope in enumerate(scopes)]
    for band in BAND_ORDER:
        assert sum(p.counts[band] for p in parts) == union.counts[band]
    assert sum(p.unrated for p in parts) == union.unrated
    assert sum(p.total for p in parts) == union.total


@settings(max_examples=200)
@given(st.integers(1, 10_000).flatmap(lambda total: st.tuples(st.integers(0, total), st.just(total))))
def test_share_equals_exact_half_up_rounding(case):
    count, total = case
    tenths = Fraction(count * 1000, total)
    expected = Decimal(math.floor(tenths + Fraction(1, 2))) / 10
    assert share_percent(count, total) == expected
    assert share_percent(count, total).as_tuple().exponent == -1


def test_band_summary_total_ignores_unrated():
    assert BandSummary("k", {b: 1 for b in BAND_ORDER}, unrated=4).total == len(BAND_ORDER)
