"""The validation rules' rate (kpi.domain.rules.rate_expr, over floats) is the exact frame's rate
(kpi.domain.rates_frame) on every combination of figures: negative, zero, missing, zero-division, every target type,
both directions, stopped — and the exact Fraction oracle (kpi.domain.achievement) agrees with both."""
from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest

from kpi.domain import rules
from kpi.domain.achievement import achievement_rate
from kpi.domain.model import Comparison, Direction, IndicatorRule, Measurement, TargetType
from kpi.domain.rates_frame import evaluate_frame

VALUES = [None, "-5", "-1.5", "0", "0.0001", "1", "2.5", "3", "9.9999", "10", "12.5", "1000000"]
BASELINES = [None, "-2", "0", "3", "10"]
TARGETS = [None, "-1", "0", "3", "10", "12.5"]


def _grid() -> list[dict]:
    rows = []
    for tt, direction, value, baseline, target in itertools.product(
            ("numeric", "increase", "decrease"), ("higher", "lower"), VALUES, BASELINES, TARGETS):
        rows.append({"target_type": tt, "direction": direction, "value": value, "baseline": baseline,
                     "target": target, "qualitative_achieved": None, "stopped": False})
    for achieved, stopped in itertools.product((True, False, None), (False, True)):
        rows.append({"target_type": "qualitative", "direction": "higher", "value": None, "baseline": None,
                     "target": None, "qualitative_achieved": achieved, "stopped": stopped})
    for value, target in itertools.product(VALUES, TARGETS):  # stopped numeric rows and relative targets
        rows.append({"target_type": "numeric", "direction": "higher", "value": value, "baseline": None,
                     "target": target, "qualitative_achieved": None, "stopped": True})
        # a relative target (全国平均を上回る) without the cycle's reference value: no rate either way
        rows.append({"target_type": "relative", "direction": "higher", "value": value, "baseline": None,
                     "target": target, "qualitative_achieved": None, "stopped": False})
    return rows


def _dec(v):
    return None if v is None else Decimal(v)


@pytest.fixture(scope="module")
def tied() -> list[tuple[dict, float | None, dict]]:
    rows = _grid()
    by_rules = rules.frame([{
        "indicator_id": i, "code": f"C{i}", "name": "x", "target_type": r["target_type"], "direction": r["direction"],
        "value": None if r["value"] is None else float(r["value"]),
        "baseline": None if r["baseline"] is None else float(r["baseline"]),
        "target": None if r["target"] is None else float(r["target"]),
        "qualitative_achieved": r["qualitative_achieved"], "stopped": r["stopped"], "has_entry": True,
    } for i, r in enumerate(rows)]).with_columns(rules.rate_expr())["rate"].to_list()
    dec = pl.Decimal(18, 4)
    framed = evaluate_frame(pl.DataFrame({
        "target_type": [r["target_type"] for r in rows], "direction": [r["direction"] for r in rows],
        "target_value": [_dec(r["target"]) for r in rows], "baseline_value": [_dec(r["baseline"]) for r in rows],
        "value_number": [_dec(r["value"]) for r in rows],
        "qualitative_achieved": [r["qualitative_achieved"] for r in rows],
        "stopped_in_cycle": [r["stopped"] for r in rows], "reference_value": [None] * len(rows),
    }, schema_overrides={"target_value": dec, "baseline_value": dec, "value_number": dec,
                         "qualitative_achieved": pl.Boolean, "reference_value": dec}))
    return list(zip(rows, by_rules, framed.iter_rows(named=True)))


def test_the_grid_is_large_and_covers_every_case(tied):
    assert len(tied) > 1000
    statuses = {f["rate_status"] for _, _, f in tied}
    assert {"ok", "stopped", "missing_value", "missing_target", "target_equals_baseline",
            "baseline_beyond_target", "negative_without_baseline", "missing_reference"} <= statuses
    assert any(f["rate_num"] is not None and f["rate_num"] < 0 for _, _, f in tied)  # worse than the baseline


def test_rules_rate_is_the_frames_rate(tied):
    for row, rate, f in tied:
        if f["rate_num"] is None:
            assert rate is None, (row, rate, f["rate_status"])
            continue
        exact = Fraction(f["rate_num"], f["rate_den"])
        assert rate is not None, (row, f["rate_status"])
        assert rate == pytest.approx(float(exact), rel=1e-12, abs=1e-15), row
        assert (rate >= 1) == (exact >= 1), row  # the reason rule's "under 100%" agrees


def test_the_fraction_oracle_agrees(tied):
    for row, _, f in tied:
        r = row
        rule = IndicatorRule(target_type=TargetType(r["target_type"]), direction=Direction(r["direction"]),
                             target=_dec(r["target"]), baseline=_dec(r["baseline"]), stopped=r["stopped"])
        m = None if r["value"] is None and r["qualitative_achieved"] is None else \
            Measurement(_dec(r["value"]), {}, r["qualitative_achieved"])
        oracle = achievement_rate(rule, m)
        assert oracle.status.value == f["rate_status"], row
        assert oracle.value == (None if f["rate_num"] is None else Fraction(f["rate_num"], f["rate_den"])), row


def test_relative_targets_as_the_validation_frame_reads_them():
    """The warehouse's validation frame carries a relative target as 'numeric' without a target value: no rate, so
    the reason rule cannot ask for a reason it cannot judge; the frame says 判定不能 for it (no reference)."""
    df = rules.frame([{"indicator_id": 1, "code": "R", "name": "r", "target_type": "numeric", "direction": "higher",
                       "value": 70.0, "target": None, "stopped": False, "has_entry": True}])
    assert df.with_columns(rules.rate_expr())["rate"].to_list() == [None]


@pytest.mark.parametrize("comparison", [None, "ge", "gt", "le", "lt"])
def test_relative_targets_with_a_reference_are_judged_as_the_oracle_judges_them(comparison):
    cases = [(d, v, r) for d in ("higher", "lower") for v in (None, "63.9", "64", "64.1", "-1") for r in ("64", "0")]
    dec = pl.Decimal(18, 4)
    framed = evaluate_frame(pl.DataFrame({
        "target_type": ["relative"] * len(cases), "direction": [d for d, _, _ in cases],
        "target_value": [None] * len(cases), "baseline_value": [None] * len(cases),
        "value_number": [_dec(v) for _, v, _ in cases], "qualitative_achieved": [None] * len(cases),
        "stopped_in_cycle": [False] * len(cases), "reference_value": [_dec(r) for _, _, r in cases],
        "comparison": [comparison] * len(cases),
    }, schema_overrides={"target_value": dec, "baseline_value": dec, "value_number": dec, "reference_value": dec,
                         "qualitative_achieved": pl.Boolean, "comparison": pl.String}))
    for (d, v, r), f in zip(cases, framed.iter_rows(named=True)):
        rule = IndicatorRule(TargetType.RELATIVE, Direction(d), comparison=None if comparison is None
                             else Comparison(comparison), reference=Decimal(r))
        want = achievement_rate(rule, None if v is None else Measurement(Decimal(v), {}, None))
        assert f["rate_status"] == want.status.value, (d, v, r)
        assert (None if f["rate_num"] is None else Fraction(f["rate_num"], f["rate_den"])) == want.value, (d, v, r)
        assert not f["on_strict_target"]
