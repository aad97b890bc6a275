"""Validation rules as data: named Polars expressions with a severity and a Japanese message.

One frame, one row per entered value, is checked by every rule at once (`check`), the same way for a form,
an uploaded workbook and the nightly sweep of a whole cycle. The frame's columns are listed in FRAME_SCHEMA;
a rule never raises, it yields findings.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import polars as pl

from kpi.domain.rates_frame import rate_of_figures
from kpi.domain.severity import ERROR, WARNING

DEFAULT_OUTLIER_FACTOR = 3.0

FRAME_SCHEMA: dict[str, pl.DataType] = {
    "row_no": pl.Int64,  # the row as the person knows it (form line or Excel row); null in a sweep
    "value_id": pl.Int64,  # null before landing
    "indicator_id": pl.Int64,
    "code": pl.String,
    "name": pl.String,
    "target_type": pl.String,
    "direction": pl.String,
    "baseline": pl.Float64,
    "target": pl.Float64,
    "value": pl.Float64,
    "qualitative_achieved": pl.Boolean,
    "kind": pl.String,  # actual | projection | null
    "value_fy": pl.Int64,
    "cycle_fy": pl.Int64,
    "reason": pl.String,
    "category": pl.String,
    "last_value": pl.Float64,  # the latest approved value of an earlier cycle
    "stopped": pl.Boolean,
    "input_error": pl.String,  # the normalizer's refusal, when there was one
    "input_field": pl.String,
    "has_entry": pl.Boolean,  # anything was entered for the indicator
    "composite_rate": pl.Float64,  # composite indicators' rate, computed part by part beforehand
    "comparison": pl.String,  # ge | gt | le | lt (null: inclusive); 超/未満 targets are strict
}


@dataclass(frozen=True)
class Rule:
    """One named check: rows where `when` holds get a finding with this severity and message."""

    name: str
    severity: str
    field: str | pl.Expr  # the column the person fixes, as the form and the workbook name it
    when: pl.Expr
    message: pl.Expr


def rate_expr() -> pl.Expr:
    """The achievement rate (1.0 = 100%) as a Polars expression over FRAME_SCHEMA columns; null when undefined.

    The rules are those of the exact frame (kpi.domain.rates_frame.rate_of_figures: the same status and fraction
    expressions, divided once in floating point); composite indicators take their `composite_rate`, computed part
    by part beforehand. tests/domain/test_rate_expr_tied.py ties the two on many figures.
    """
    tt = pl.col("target_type")
    figures = rate_of_figures(pl.col("value"), pl.col("baseline"), pl.col("target"), target_type=tt,
                              direction=pl.col("direction"), qualitative_achieved=pl.col("qualitative_achieved"),
                              stopped=pl.col("stopped"))
    return (pl.when(pl.col("stopped").fill_null(False)).then(None)
            .when(tt == "composite").then(pl.col("composite_rate"))
            .otherwise(figures)
            .alias("rate"))


def achieved_expr() -> pl.Expr:
    """Whether the rate counts as achieved (over FRAME_SCHEMA columns and the `rate` column): at least 100%, and not
    exactly on a strict target (comparison gt / lt and value = target: 93% against 「93%超」), as
    kpi.domain.rates_frame.on_strict_target_expr judges it."""
    on_strict = (pl.col("comparison").is_in(["gt", "lt"]) & (pl.col("target_type") == "numeric")
                 & (pl.col("value") == pl.col("target"))).fill_null(False)
    return (pl.col("rate") >= 1) & ~on_strict


def _has_figure() -> pl.Expr:
    return pl.col("value").is_not_null() | pl.col("qualitative_achieved").is_not_null() | pl.col("composite_rate").is_not_null()


def rules(outlier_factor: float = DEFAULT_OUTLIER_FACTOR, duplicate: pl.Expr | None = None) -> list[Rule]:
    """Every rule, in the order findings are reported.

    duplicate: whether a row's indicator has several rows (default: counted over the frame being checked)."""
    name = pl.col("name")
    rate = pl.col("rate")
    # rows of codes that are not the department's have no indicator: they are refused as such, not as duplicates
    dup = ((pl.len().over("indicator_id") > 1) & pl.col("indicator_id").is_not_null()) if duplicate is None \
        else duplicate
    ratio = pl.col("value") / pl.col("last_value")
    last = pl.col("last_value")
    last_text = pl.when(last == last.floor()).then(last.cast(pl.Int64).cast(pl.String)).otherwise(last.cast(pl.String))
    return [
        Rule("input", ERROR, pl.col("input_field").fill_null("値"), pl.col("input_error").is_not_null(),
             pl.col("input_error")),
        Rule("duplicate", ERROR, "コード", pl.col("has_entry") & dup,
             pl.format("「{}」が複数の行に入力されています。1指標につき1行にしてください", name)),
        Rule("stopped", ERROR, "値", pl.col("stopped") & pl.col("has_entry"),
             pl.format("「{}」は進捗管理を停止している指標のため、値は入力できません", name)),
        Rule("kind_missing", WARNING, "区分", _has_figure() & pl.col("kind").is_null() & ~pl.col("stopped"),
             pl.format("「{}」の区分（実績値／見込値）が未選択です。下書きには保存できますが、提出の前に選んでください", name)),
        Rule("reason_required", WARNING, "要因",
             _has_figure() & ~achieved_expr() & rate.is_not_null()
             & (pl.col("reason").is_null() | pl.col("category").is_null()),
             pl.format("「{}」は達成率が100%未満です。提出前に要因と要因の分類を入力してください", name)),
        Rule("outlier", WARNING, "値",
             pl.col("value").is_not_null() & pl.col("last_value").is_not_null() & (pl.col("last_value") != 0)
             & ((ratio > outlier_factor) | (ratio < 1 / outlier_factor) | (ratio < 0)),
             pl.format("「{}」の値は前年度の承認値（{}）から大きく変わっています。入力誤りでないか確認してください",
                       name, last_text)),
        Rule("projection_for_past_year", WARNING, "区分",
             (pl.col("kind") == "projection") & (pl.col("value_fy") < pl.col("cycle_fy")),
             pl.format("「{}」は過去の年度（{}年度）の値ですが見込値になっています。実績値でないか確認してください",
                       name, pl.col("value_fy"))),
        Rule("actual_for_future_year", WARNING, "区分",
             (pl.col("kind") == "actual") & (pl.col("value_fy") > pl.col("cycle_fy")),
             pl.format("「{}」は先の年度（{}年度）の値ですが実績値になっています。見込値でないか確認してください",
                       name, pl.col("value_fy"))),
    ]


FINDING_SCHEMA = {"row_no": pl.Int64, "value_id": pl.Int64, "indicator_id": pl.Int64, "rule": pl.String,
                  "severity": pl.String, "field": pl.String, "message": pl.String}


def frame(rows: list[dict]) -> pl.DataFrame:
    """A validation frame from row dicts (missing columns become nulls)."""
    df = pl.DataFrame(rows, schema=FRAME_SCHEMA) if rows else pl.DataFrame(schema=FRAME_SCHEMA)
    return df


def check(df: pl.DataFrame, outlier_factor: float = DEFAULT_OUTLIER_FACTOR, names=None,
          one_row_per_indicator: bool = False) -> pl.DataFrame:
    """Every finding of every rule over the frame (FINDING_SCHEMA), errors first, in row order.

    names: for a frame read without the indicators' names (a whole cycle): a function from indicator ids (a Series)
    to a frame of indicator_id and name. The rate and the duplicate count are computed over the whole frame, the
    rows some rule reports are kept, and only their names are asked for, to write the messages.
    one_row_per_indicator: the caller guarantees it (the values of one cycle: the warehouse's unique key), so the
    duplicate rule cannot report and its count is not computed.
    """
    added, every = _compiled(outlier_factor, one_row_per_indicator)
    if "comparison" not in df.columns:  # frames read before comparisons existed: every target inclusive
        df = df.with_columns(pl.lit(None, pl.String).alias("comparison"))
    # One chunk first: Polars 2.1.0 panics ("i < self.len()") filtering a multi-chunk frame from DuckDB.
    lf = df.rechunk().lazy().with_columns(added)
    if "name" not in df.columns:
        if names is None:
            raise ValueError("the frame has no name column: pass names=")
        reported = lf.filter(pl.any_horizontal([rule.when.fill_null(False) for rule in every])).collect()
        lf = reported.join(names(reported["indicator_id"].unique()), on="indicator_id", how="left",
                           maintain_order="left").rechunk().lazy()  # one chunk again (the panic above)
    parts = [lf.filter(rule.when.fill_null(False)).select(
        "row_no", "value_id", "indicator_id", pl.lit(rule.name).alias("rule"), pl.lit(rule.severity).alias("severity"),
        (rule.field if isinstance(rule.field, pl.Expr) else pl.lit(rule.field)).alias("field"),
        rule.message.alias("message"),
    ) for rule in every]
    order = pl.when(pl.col("severity") == ERROR).then(pl.lit(0, pl.Int8)).otherwise(pl.lit(1, pl.Int8))
    # One plan, one collect: for a form's twenty lines the planning, not the data, is what costs.
    return (pl.concat(parts).cast(FINDING_SCHEMA)
            .sort([order, "row_no", "indicator_id"], nulls_last=True, maintain_order=True).collect())


@functools.lru_cache(maxsize=8)
def _compiled(outlier_factor: float, one_row_per_indicator: bool) -> tuple[tuple[pl.Expr, ...], tuple[Rule, ...]]:
    """The columns check adds (rate, _dup) and the rules over them, built once per factor (expressions are values)."""
    dup = pl.lit(False) if one_row_per_indicator else pl.len().over("indicator_id") > 1
    return (rate_expr(), dup.alias("_dup")), tuple(rules(outlier_factor, duplicate=pl.col("_dup")))
