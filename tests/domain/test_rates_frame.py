"""The vectorized rates (Polars) give exactly what the Fraction rules of kpi.domain.achievement give, row by row:
status, exact rate, percent as a float and band — also right on and a hair off the 30/60/100% boundaries."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.domain.achievement import RateStatus, achievement_rate
from kpi.domain.bands import band_of
from kpi.domain.model import Direction, IndicatorRule, Measurement, Part, TargetType
from kpi.domain.rates_frame import evaluate_frame, near_boundary_expr, rate_of_row

SCHEMA = {"target_type": pl.String, "direction": pl.String, "target_value": pl.Decimal(18, 4),
          "baseline_value": pl.Decimal(18, 4), "value_number": pl.Decimal(18, 4),
          "qualitative_achieved": pl.Boolean, "stopped_in_cycle": pl.Boolean}
TYPES = [t.value for t in TargetType if t is not TargetType.COMPOSITE]

fig = st.one_of(
    st.none(),
    st.integers(-1000, 1000).map(Decimal),
    st.decimals(min_value=Decimal("-99999.9999"), max_value=Decimal("99999.9999"), places=4, allow_nan=False),
    st.sampled_from([Decimal(0), Decimal("0.0001"), Decimal("-0.0001"), Decimal("99999999999999.9999")]),
)


@st.composite
def rows(draw):
    """An indicator and a value; a third of the time the value sits on or a hair off a band boundary."""
    tt = draw(st.sampled_from(TYPES))
    direction = draw(st.sampled_from(["higher", "lower"]))
    target, baseline, value = draw(fig), draw(fig), draw(fig)
    if draw(st.integers(0, 2)) == 0:
        b = draw(st.integers(-500, 500))
        span = draw(st.integers(1, 300)) * 10 * (1 if direction == "higher" else -1)
        k = draw(st.sampled_from([3, 6, 10]))
        nudge = draw(st.sampled_from([Decimal(0), Decimal("0.0001"), Decimal("-0.0001")]))
        tt, target = "numeric", Decimal(b + span)
        baseline = Decimal(b) if draw(st.booleans()) else None
        start = baseline if baseline is not None else Decimal(0)
        value = start + (target - start) * k / 10 + nudge
    return {"target_type": tt, "direction": direction, "target_value": target, "baseline_value": baseline,
            "value_number": value, "qualitative_achieved": draw(st.none() | st.booleans()),
            "stopped_in_cycle": draw(st.sampled_from([False, False, False, True, None]))}


def exact(row: dict):
    rule = IndicatorRule(TargetType(row["target_type"]), Direction(row["direction"]), row["target_value"],
                         row["baseline_value"], stopped=bool(row["stopped_in_cycle"]))
    if row["value_number"] is None and row["qualitative_achieved"] is None:
        return achievement_rate(rule, None)
    return achievement_rate(rule, Measurement(row["value_number"], {}, row["qualitative_achieved"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows(), min_size=1, max_size=40))
def test_vectorized_rates_equal_the_exact_rules_for_every_row(batch):
    out = evaluate_frame(pl.DataFrame(batch, schema=SCHEMA))
    for given_row, got in zip(batch, out.iter_rows(named=True)):
        want = exact(given_row)
        band = band_of(want)
        assert got["rate_status"] == want.status.value, given_row
        assert rate_of_row(got).value == want.value, given_row
        assert got["rate_percent"] == want.percent, given_row  # the same float, bit for bit
        assert got["band"] == (band.value if band else None), given_row


def _one(**kw) -> dict:
    base = {"target_type": "numeric", "direction": "higher", "target_value": None, "baseline_value": None,
            "value_number": None, "qualitative_achieved": None, "stopped_in_cycle": False}
    base.update({k: (Decimal(str(v)) if k in ("target_value", "baseline_value", "value_number") and v is not None
                     else v) for k, v in kw.items()})
    return evaluate_frame(pl.DataFrame([base], schema=SCHEMA)).row(0, named=True)


def test_sixty_percent_is_60_to_100_and_a_hair_below_is_30_to_60():
    assert _one(target_value=100, baseline_value=0, value_number=60)["band"] == "band_60_100"
    assert _one(target_value=100, baseline_value=0, value_number="59.9999")["band"] == "band_30_60"
    # 1/3 of the way: 33.33…% has no exact float, the band is still exact
    r = _one(target_value=3, baseline_value=0, value_number=1)
    assert (r["band"], r["rate_num"], r["rate_den"]) == ("band_30_60", 10000, 30000)


@pytest.mark.parametrize(("kw", "status"), [
    ({"target_value": 5, "baseline_value": 5, "value_number": 7}, RateStatus.TARGET_EQUALS_BASELINE),
    ({"target_value": 5, "baseline_value": 9, "value_number": 7}, RateStatus.BASELINE_BEYOND_TARGET),
    ({"target_value": -5, "value_number": 7}, RateStatus.NEGATIVE_WITHOUT_BASELINE),
    ({"target_value": 5}, RateStatus.MISSING_VALUE),
    ({"value_number": 5}, RateStatus.MISSING_TARGET),
    ({"target_type": "increase", "value_number": 5}, RateStatus.MISSING_TARGET),
    ({"target_type": "qualitative"}, RateStatus.MISSING_VALUE),
    ({"target_value": 5, "value_number": 7, "stopped_in_cycle": True}, RateStatus.STOPPED),
])
def test_degenerate_cases_name_why_there_is_no_rate(kw, status):
    r = _one(**kw)
    assert r["rate_status"] == status.value and r["rate_num"] is None
    assert r["band"] == ("stopped" if status is RateStatus.STOPPED else None)


def test_composite_rows_are_rated_part_by_part_and_huge_figures_exactly():
    rule = IndicatorRule(TargetType.COMPOSITE, parts=(Part(1, "県", Decimal(1)), Part(2, "市町村", Decimal(52))))
    want = achievement_rate(rule, Measurement(None, {1: Decimal(1), 2: Decimal(26)}))  # the oracle
    frame = pl.DataFrame([{"indicator_id": 7, "target_type": "composite", "direction": "higher", "target_value": None,
                           "baseline_value": None, "value_number": None, "qualitative_achieved": None,
                           "stopped_in_cycle": False}], schema={"indicator_id": pl.Int64, **SCHEMA})
    parts = pl.DataFrame({"indicator_id": [7, 7], "part_no": [1, 2], "target_value": [Decimal(1), Decimal(52)],
                          "baseline_value": [None, None], "value_number": [Decimal(1), Decimal(26)]},
                         schema={"indicator_id": pl.Int64, "part_no": pl.Int64, "target_value": pl.Decimal(18, 4),
                                 "baseline_value": pl.Decimal(18, 4), "value_number": pl.Decimal(18, 4)})
    r = evaluate_frame(frame, parts=parts).row(0, named=True)
    assert (r["band"], r["rate_percent"], r["weakest_part"], r["exact_fallback"]) == ("band_30_60", 50.0, 2, True)
    assert (rate_of_row(r).value, r["weakest_part"]) == (want.value, want.weakest_part)
    assert evaluate_frame(frame).row(0, named=True)["rate_status"] == "missing_target"  # no parts given
    big = _one(target_value="99999999999999.9999", baseline_value=0, value_number="33333333333333.3333")
    assert big["exact_fallback"] and big["band"] == "band_30_60"
    assert big["rate_percent"] == float(Fraction(333333333333333333, 999999999999999999) * 100)


def test_near_boundary_is_exact_within_two_points():
    rows = [{"target_type": "numeric", "direction": "higher", "target_value": Decimal(100), "baseline_value": Decimal(0),
             "value_number": Decimal(v), "qualitative_achieved": None, "stopped_in_cycle": False}
            for v in ("58", "57.9999", "62", "101.5", "45")]
    out = evaluate_frame(pl.DataFrame(rows, schema=SCHEMA)).with_columns(near=near_boundary_expr(2))
    assert out["near"].to_list() == [60, None, 60, 100, None]
