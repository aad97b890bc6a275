"""The baseline of benchmark 3: kpi.domain.rules' checks written as a plain per-row Python loop.

One dict per row of the validation frame (kpi.domain.rules.FRAME_SCHEMA), the exact achievement rate from
kpi.domain.achievement.achievement_rate (Decimals in, Fractions out) and one if-statement per rule, producing
the same findings (rule, severity, field, Japanese message) in the same order as kpi.domain.rules.check.
This is what the rules would cost without Polars; it is a baseline, not product code.
"""
from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

from kpi.domain.achievement import achievement_rate
from kpi.domain.model import Direction, IndicatorRule, Measurement, TargetType, dec

ERROR, WARNING = "error", "warning"


def _num_text(x: float) -> str:
    return str(int(x)) if x == math.floor(x) else str(x)


def check_rows(rows: list[dict], outlier_factor: float = 3.0) -> list[tuple]:
    """Findings (row_no, value_id, indicator_id, rule, severity, field, message), errors first, in row order."""
    per_indicator = Counter(r["indicator_id"] for r in rows)
    found: list[tuple] = []
    add = found.append
    low = Fraction(1) / Fraction(outlier_factor) if outlier_factor else None
    for r in rows:
        name = r["name"]
        key = (r["row_no"], r["value_id"], r["indicator_id"])
        stopped = bool(r["stopped"])
        tt = r["target_type"]
        if tt == "composite":
            rate = None if stopped else r["composite_rate"]  # computed part by part beforehand, as in the frame
        else:
            value, qual = r["value"], r["qualitative_achieved"]
            rule = IndicatorRule(TargetType(tt), Direction(r["direction"]), target=dec(r["target"]),
                                 baseline=dec(r["baseline"]), stopped=stopped)
            measurement = None if value is None and qual is None else Measurement(dec(value), {}, qual)
            rate = achievement_rate(rule, measurement).value
        has_figure = r["value"] is not None or r["qualitative_achieved"] is not None or r["composite_rate"] is not None

        if r["input_error"] is not None:
            add((*key, "input", ERROR, "値", r["input_error"]))
        if r["has_entry"] and per_indicator[r["indicator_id"]] > 1:
            add((*key, "duplicate", ERROR, "コード", f"「{name}」が複数の行に入力されています。1指標につき1行にしてください"))
        if stopped and r["has_entry"]:
            add((*key, "stopped", ERROR, "値", f"「{name}」は進捗管理を停止している指標のため、値は入力できません"))
        if has_figure and r["kind"] is None and not stopped:
            add((*key, "kind_missing", ERROR, "区分", f"「{name}」の区分（実績値／見込値）を選んでください"))
        if has_figure and rate is not None and rate < 1 and (r["reason"] is None or r["category"] is None):
            add((*key, "reason_required", WARNING, "要因",
                 f"「{name}」は達成率が100%未満です。提出前に要因と要因の分類を入力してください"))
        value, last = r["value"], r["last_value"]
        if value is not None and last is not None and last != 0:
            ratio = Fraction(dec(value)) / Fraction(dec(last))
            if ratio > outlier_factor or ratio < low or ratio < 0:
                add((*key, "outlier", WARNING, "値", f"「{name}」の値は前年度の承認値（{_num_text(last)}）から大きく変わっています。"
                                                     "入力誤りでないか確認してください"))
        kind, value_fy, cycle_fy = r["kind"], r["value_fy"], r["cycle_fy"]
        if kind == "projection" and value_fy is not None and cycle_fy is not None and value_fy < cycle_fy:
            add((*key, "projection_for_past_year", WARNING, "区分",
                 f"「{name}」は過去の年度（{value_fy}年度）の値ですが見込値になっています。実績値でないか確認してください"))
        if kind == "actual" and value_fy is not None and cycle_fy is not None and value_fy > cycle_fy:
            add((*key, "actual_for_future_year", WARNING, "区分",
                 f"「{name}」は先の年度（{value_fy}年度）の値ですが実績値になっています。見込値でないか確認してください"))
    found.sort(key=lambda f: (f[4] != ERROR, f[0] is None, f[0] or 0, f[2] is None, f[2] or 0))
    return found


def count_by_rule(found) -> dict[str, int]:
    """How many findings each rule gave (tuples from check_rows, or a Polars findings frame)."""
    if hasattr(found, "group_by"):
        return dict(found.group_by("rule").len().iter_rows())
    return dict(Counter(f[3] for f in found))
