"""Achievement rate and band of every row of a frame at once, as Polars expressions: the one implementation of the
achievement rate (DOMAIN.md's table); kpi.domain.achievement is its exact Fraction oracle, used by tests only.

Exactness: the warehouse stores figures as DECIMAL(18, 4). Every figure is turned into an exact integer in
units of 10^-scale (Int128), so a rate is the exact fraction `rate_num / rate_den` (den > 0) and every band
boundary test is an integer comparison (rate ≥ 60% ⟺ 10·num ≥ 6·den): 60% is 60–100 and 59.999…% is 30–60,
with no floating point involved. `rate_percent` is float(num·100 / den) — one IEEE division of two integers
below 2^53, hence the correctly rounded value float(Fraction·100); the few rows outside that range get it from
Python's integers (`exact_fallback`). Composite targets (the weakest part decides) are rated part by part by the
same expressions over their parts frame, the weakest part chosen exactly (`exact_fallback` too). Relative targets
(全国平均を上回る) are judged against the cycle's reference value (`reference_value`), 判定不能 without it.

Comparisons: when the frame has a `comparison` column (ge / gt / le / lt, DOMAIN.md), a numeric row exactly on a
strict target (超 gt, 未満 lt: value·den = target) gets `on_strict_target` and is not achieved, although its rate is
exactly 100% (band 60–100%); a relative target is judged by its comparison (以上 / 以下 by direction without one).

A target may be replaced per row by a rational target `judge_num / judge_den` (scaled integers; used to judge a
year against its milestone, kpi.domain.milestones); the same rules then apply against that target.
Pure: imports no Streamlit, DuckDB or Prefect.
"""
from __future__ import annotations

from fractions import Fraction

import polars as pl

from kpi.domain.achievement import Rate, RateStatus
from kpi.domain.bands import Band, band_of
from kpi.domain.summary import UNDECIDABLE

# Columns the evaluation reads (as in the reporting views) and the ones it adds.
INPUT_COLUMNS = ("target_type", "direction", "target_value", "baseline_value", "value_number",
                 "qualitative_achieved", "stopped_in_cycle")
OUTPUT_COLUMNS = ("rate_num", "rate_den", "rate_percent", "rate_status", "band", "weakest_part", "exact_fallback")
NUMERIC_COLUMNS = ("target_value", "baseline_value", "value_number", "reference_value")
PART_COLUMNS = ("indicator_id", "part_no", "target_value", "baseline_value", "value_number")  # (+ cycle_id)
_SAFE = 2 ** 53  # integers below this convert to float exactly
_I = pl.Int128


def scale_of(frame: pl.DataFrame, columns: tuple[str, ...] = NUMERIC_COLUMNS) -> int:
    """The number of decimals that represents every figure of these columns exactly (Decimal or integer only)."""
    scale = 0
    for c in columns:
        if c not in frame.columns:
            continue
        dt = frame.schema[c]
        if isinstance(dt, pl.Decimal):
            scale = max(scale, dt.scale)
        elif not (dt.is_integer() or dt == pl.Null):
            raise TypeError(f"{c} must be Decimal or integer for exact rates, not {dt}")
    return scale


def scaled(column: str | pl.Expr, scale: int, dtype: pl.DataType | None = None) -> pl.Expr:
    """A Decimal or integer figure as an exact Int128 in units of 10^-scale.

    dtype: the column's type when known; a Decimal of that very scale is read as its integers at no cost."""
    e = pl.col(column) if isinstance(column, str) else column
    if isinstance(dtype, pl.Decimal) and dtype.scale <= scale:
        return e.to_physical().cast(_I) * (10 ** (scale - dtype.scale)) if dtype.scale < scale else e.to_physical()
    if dtype is not None and dtype.is_integer():
        return e.cast(_I) * (10 ** scale)
    return (e.cast(pl.Decimal(38, scale)) * (10 ** scale)).cast(_I)


def _lit(n: int) -> pl.Expr:
    return pl.lit(n, dtype=_I)


def input_columns(schema: pl.Schema, scale: int, *, judge: bool = False) -> list[pl.Expr]:
    """Step 1: the figures as scaled integers (_a value, _b baseline, _tn/_td target) and the type flags, once."""
    tn = scaled("target_value", scale, schema.get("target_value"))
    td = _lit(1)
    if judge:
        has = pl.col("judge_num").is_not_null()
        tn = pl.when(has).then(pl.col("judge_num").cast(_I)).otherwise(tn)
        td = pl.when(has).then(pl.col("judge_den").cast(_I)).otherwise(td)
    tt = pl.col("target_type")
    reference = (scaled("reference_value", scale, schema.get("reference_value")) if "reference_value" in schema
                 else pl.lit(None, _I))
    comparison = pl.col("comparison") if "comparison" in schema else pl.lit(None, pl.String)
    return [
        scaled("value_number", scale, schema.get("value_number")).alias("_a"),
        scaled("baseline_value", scale, schema.get("baseline_value")).alias("_b"),
        tn.alias("_tn"), td.alias("_td"), reference.alias("_r"), comparison.alias("_cmp"),
        (tt == "qualitative").alias("_qual"), (tt == "composite").alias("_comp"), (tt == "relative").alias("_rel"),
        tt.is_in(["increase", "decrease"]).alias("_aim"), (tt == "increase").alias("_inc"),
        (pl.col("direction") == "higher").alias("_higher"),
        pl.col("stopped_in_cycle").fill_null(False).alias("_stopped"),
    ]


def _status(a: pl.Expr, b: pl.Expr, tn: pl.Expr, bt: pl.Expr, *, qual: pl.Expr, comp: pl.Expr, rel: pl.Expr,
            r: pl.Expr, aim: pl.Expr, higher: pl.Expr, stopped: pl.Expr, achieved: pl.Expr) -> pl.Expr:
    """The RateStatus value of each row (null for composite rows: rated part by part)."""

    def st(s: RateStatus) -> pl.Expr:
        return pl.lit(s.value)

    return (
        pl.when(stopped).then(st(RateStatus.STOPPED))
        .when(qual).then(pl.when(achieved.is_null()).then(st(RateStatus.MISSING_VALUE)).otherwise(st(RateStatus.OK)))
        .when(comp).then(pl.lit(None, pl.String))  # rated part by part (_composites)
        .when(rel & r.is_null()).then(st(RateStatus.MISSING_REFERENCE))  # 判定不能 until the reference is entered
        .when(a.is_null()).then(st(RateStatus.MISSING_VALUE))
        .when(rel).then(st(RateStatus.OK))
        .when(aim).then(pl.when(b.is_null()).then(st(RateStatus.MISSING_TARGET)).otherwise(st(RateStatus.OK)))
        .when(tn.is_null()).then(st(RateStatus.MISSING_TARGET))
        .when(b.is_null()).then(
            pl.when((tn < 0) | (a < 0)).then(st(RateStatus.NEGATIVE_WITHOUT_BASELINE))
            .when(higher & (tn == 0)).then(st(RateStatus.TARGET_EQUALS_BASELINE))
            .otherwise(st(RateStatus.OK)))
        .when(tn == bt).then(st(RateStatus.TARGET_EQUALS_BASELINE))
        .when(higher & (bt > tn)).then(st(RateStatus.BASELINE_BEYOND_TARGET))
        .when(~higher & (bt < tn)).then(st(RateStatus.BASELINE_BEYOND_TARGET))
        .otherwise(st(RateStatus.OK))
    )


def _fraction(ok: pl.Expr, a: pl.Expr, b: pl.Expr, tn: pl.Expr, td: pl.Expr, *, qual: pl.Expr, rel: pl.Expr,
              r: pl.Expr, cmp: pl.Expr, aim: pl.Expr, inc: pl.Expr, higher: pl.Expr, achieved: pl.Expr, one: pl.Expr,
              zero: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The rate of each row whose status is OK as numerator and denominator (den > 0), DOMAIN.md's table."""
    bt = b * td
    better = pl.when(inc).then(a > b).otherwise(a < b)
    met = (pl.when(cmp == "gt").then(a > r).when(cmp == "lt").then(a < r).when(cmp == "ge").then(a >= r)
           .when(cmp == "le").then(a <= r).when(higher).then(a >= r).otherwise(a <= r))
    num = (
        pl.when(~ok).then(pl.lit(None))
        .when(qual).then(pl.when(achieved).then(one).otherwise(zero))
        .when(rel).then(pl.when(met).then(one).otherwise(zero))
        .when(aim).then(pl.when(better).then(one).otherwise(zero))
        .when(b.is_null()).then(pl.when(higher).then(a * td).when(a == 0).then(one).otherwise(tn))
        .when(higher).then((a - b) * td)
        .otherwise((b - a) * td)
    )
    den = (
        pl.when(~ok).then(pl.lit(None))
        .when(qual | aim | rel).then(one)
        .when(b.is_null()).then(pl.when(higher).then(tn).when(a == 0).then(one).otherwise(a * td))
        .when(higher).then(tn - bt)
        .otherwise(bt - tn)
    )
    return num, den


def rate_columns() -> tuple[list[pl.Expr], list[pl.Expr]]:
    """Steps 2 and 3 (after input_columns): `rate_status` (a RateStatus value), then `rate_num`, `rate_den`."""
    a, b, tn, td = pl.col("_a"), pl.col("_b"), pl.col("_tn"), pl.col("_td")
    flags = dict(qual=pl.col("_qual"), rel=pl.col("_rel"), r=pl.col("_r"), aim=pl.col("_aim"),
                 higher=pl.col("_higher"), achieved=pl.col("qualitative_achieved"))
    status = _status(a, b, tn, b * td, comp=pl.col("_comp"), stopped=pl.col("_stopped"), **flags)
    ok = pl.col("rate_status") == RateStatus.OK.value
    num, den = _fraction(ok, a, b, tn, td, cmp=pl.col("_cmp"), inc=pl.col("_inc"), one=pl.lit(1), zero=pl.lit(0),
                         **flags)
    return [status.alias("rate_status")], [num.alias("rate_num"), den.alias("rate_den")]


def rate_of_figures(value: pl.Expr, baseline: pl.Expr, target: pl.Expr, *, target_type: pl.Expr,
                    direction: pl.Expr, qualitative_achieved: pl.Expr, stopped: pl.Expr) -> pl.Expr:
    """The rate (1.0 = 100%) of each row as one Float64 expression, by the very rules of `rate_columns`, over figures
    that are floats (the validation frame of kpi.domain.rules); null where the frame's rate is null, for composite
    targets (rated part by part) and for relative targets (the validation frame carries no reference value: 判定不能).
    The division is num / den of the same fraction."""
    tt = target_type
    flags = dict(qual=tt == "qualitative", rel=tt == "relative", r=pl.lit(None, pl.Float64),
                 aim=tt.is_in(["increase", "decrease"]), higher=direction == "higher", achieved=qualitative_achieved)
    a, b, t = value.cast(pl.Float64), baseline.cast(pl.Float64), target.cast(pl.Float64)
    td = pl.lit(1.0)
    status = _status(a, b, t, b * td, comp=tt == "composite", stopped=stopped.fill_null(False), **flags)
    ok = (status == RateStatus.OK.value).fill_null(False)
    num, den = _fraction(ok, a, b, t, td, cmp=pl.lit(None, pl.String), inc=tt == "increase", one=pl.lit(1.0),
                         zero=pl.lit(0.0), **flags)
    return num.cast(pl.Float64) / den.cast(pl.Float64)


def band_expr(strict: bool = False) -> pl.Expr:
    """The band key of each row from its exact fraction and status (null when no rate exists); strict: the frame
    has `on_strict_target` (a row exactly on a 超/未満 target is 100% but not achieved)."""
    num, den = pl.col("rate_num"), pl.col("rate_den")
    achieved = (num >= den) & ~pl.col("on_strict_target") if strict else num >= den
    return (
        pl.when(pl.col("rate_status") == RateStatus.STOPPED.value).then(pl.lit(Band.STOPPED.value))
        .when(num.is_null()).then(pl.lit(None, pl.String))
        .when(achieved).then(pl.lit(Band.ACHIEVED.value))
        .when(num * 10 >= den * 6).then(pl.lit(Band.B60_100.value))
        .when(num * 10 >= den * 3).then(pl.lit(Band.B30_60.value))
        .otherwise(pl.lit(Band.UNDER_30.value))
        .alias("band")
    )


def counted_band() -> pl.Expr:
    """The key a rated row is counted under in band summaries (as `band`): its band, UNDECIDABLE for a relative
    target without the cycle's reference value (判定不能: never in a band, never unrated), null when unrated."""
    return (pl.when(pl.col("rate_status") == RateStatus.MISSING_REFERENCE.value).then(pl.lit(UNDECIDABLE))
            .otherwise(pl.col("band")).alias("band"))


def evaluate_frame(frame: pl.DataFrame, *, parts: pl.DataFrame | None = None, judge: bool = False) -> pl.DataFrame:
    """The frame with OUTPUT_COLUMNS added: exact rate fraction, percent, status, band, weakest part.

    parts: the composite indicators' parts (PART_COLUMNS, with cycle_id when the frame holds several cycles);
    without it a composite row has no target (MISSING_TARGET). judge: judge against `judge_num / judge_den` where
    given (milestones).
    """
    scale = scale_of(frame)
    if judge:
        missing = {"judge_num", "judge_den"} - set(frame.columns)
        if missing:
            raise ValueError(f"judge=True needs the columns {sorted(missing)}")
    first, second = rate_columns()
    strict = "comparison" in frame.columns
    inputs = frame.with_columns(input_columns(frame.schema, scale, judge=judge))
    lf = _narrowed(inputs).lazy().with_columns(first).with_columns(second)
    if strict:
        lf = lf.with_columns(on_strict_target_expr())
    out = (lf.with_columns(band_expr(strict))
           .drop("_a", "_b", "_tn", "_td", "_r", "_cmp", "_qual", "_comp", "_rel", "_aim", "_inc", "_higher",
                 "_stopped"))
    big = (pl.col("rate_num").abs() * 100 >= _SAFE) | (pl.col("rate_den") >= _SAFE)
    out = out.with_columns(
        pl.when(pl.col("rate_num").is_not_null() & ~big)
        .then((pl.col("rate_num") * 100).cast(pl.Float64) / pl.col("rate_den").cast(pl.Float64))
        .alias("rate_percent"),
        pl.lit(None, pl.Int64).alias("weakest_part"),
        ((pl.col("target_type") == "composite") & ~pl.col("stopped_in_cycle").fill_null(False)
         | (pl.col("rate_num").is_not_null() & big)).alias("exact_fallback"),
    ).with_columns(pl.col("rate_num", "rate_den").cast(_I)).collect()
    if not out["exact_fallback"].any():
        return out
    return _apply_fixes(out, parts)


def on_strict_target_expr() -> pl.Expr:
    """Numeric rows exactly on a strict target (comparison gt or lt and value = target), after rate_columns."""
    numeric = ~pl.col("_qual") & ~pl.col("_comp") & ~pl.col("_rel") & ~pl.col("_aim")
    on = (pl.col("comparison").is_in(["gt", "lt"]) & numeric & (pl.col("rate_status") == RateStatus.OK.value)
          & (pl.col("_a") * pl.col("_td") == pl.col("_tn")))
    return on.fill_null(False).alias("on_strict_target")


_NARROW = 2 ** 40  # |figure| (scaled) below this and targets' denominators below 2^10: every product fits Int64


def _narrowed(inputs: pl.DataFrame) -> pl.DataFrame:
    """The scaled figures as Int64 when every product the rules form fits (much faster than Int128)."""
    if inputs.height == 0:
        return inputs
    big = inputs.select(pl.max_horizontal(pl.col("_a", "_b", "_tn", "_r").abs().max()).alias("m"),
                        pl.col("_td").max().alias("d")).row(0)
    if (big[0] or 0) < _NARROW and (big[1] or 1) < 2 ** 10:
        return inputs.with_columns(pl.col("_a", "_b", "_tn", "_td", "_r").cast(pl.Int64))
    return inputs


def _part_rates(rows: pl.DataFrame, parts: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Each part of the composite rows rated by the same expressions as a row (its own target and baseline; a part
    without a target aims to beat its baseline, 1 or 0 as 増加・減少を目指す), in part order."""
    scale = scale_of(parts)
    p = parts.join(rows.select(*keys, "direction"), on=keys, how="inner").sort(*keys, "part_no")
    a, b, tn = (scaled(c, scale, p.schema.get(c)) for c in ("value_number", "baseline_value", "target_value"))
    higher = pl.col("direction") == "higher"
    flags = dict(qual=pl.lit(False), rel=pl.lit(False), r=pl.lit(None, _I), aim=tn.is_null(), higher=higher,
                 achieved=pl.lit(None, pl.Boolean))
    status = _status(a, b, tn, b, comp=pl.lit(False), stopped=pl.lit(False), **flags)
    ok = (status == RateStatus.OK.value).fill_null(False)
    num, den = _fraction(ok, a, b, tn, pl.lit(1, _I), cmp=pl.lit(None, pl.String), inc=higher, one=pl.lit(1, _I),
                         zero=pl.lit(0, _I), **flags)
    return p.select(*keys, "part_no", status.alias("status"), num.cast(_I).alias("num"), den.cast(_I).alias("den"))


def _composites(out: pl.DataFrame, parts: pl.DataFrame | None) -> dict[int, Rate]:
    """The Rate of each composite row (by row index): the first part in order without a rate names why (a missing
    value names no part), else the weakest part's exact rate (the first of equals)."""
    rows = out.with_row_index("_i").filter(pl.col("exact_fallback") & (pl.col("target_type") == "composite"))
    rates = {i: Rate(None, RateStatus.MISSING_TARGET) for i in rows["_i"].to_list()}
    if parts is None or parts.height == 0 or rows.height == 0:
        return rates
    keys = ["cycle_id", "indicator_id"] if "cycle_id" in parts.columns and "cycle_id" in rows.columns \
        else ["indicator_id"]
    by_key: dict[tuple, list[tuple]] = {}
    for r in _part_rates(rows, parts.select(*keys, *PART_COLUMNS[1:]), keys).iter_rows():
        by_key.setdefault(r[:len(keys)], []).append(r[len(keys):])
    for r in rows.select("_i", *keys).iter_rows():
        weakest: Rate | None = None
        for no, status, num, den in by_key.get(r[1:], ()):
            if status != RateStatus.OK.value:
                failed = RateStatus(status)
                weakest = Rate(None, failed, None if failed is RateStatus.MISSING_VALUE else no)
                break
            value = Fraction(num, den)
            if weakest is None or value < weakest.value:
                weakest = Rate(value, RateStatus.OK, no)
        if weakest is not None:
            rates[r[0]] = weakest
    return rates


def _apply_fixes(out: pl.DataFrame, parts: pl.DataFrame | None) -> pl.DataFrame:
    """Complete the rows the expressions leave open (few): composite rows from their parts, and the percent of rows
    whose integers are too large for one exact float division (from Python's integers)."""
    rates = _composites(out, parts)
    idx = out.with_row_index("_i").filter(pl.col("exact_fallback"))
    fixes = []
    for row in idx.iter_rows(named=True):
        rate = rates.get(row["_i"]) or rate_of_row(row)
        band = band_of(rate)
        value = rate.value
        fixes.append({"_i": row["_i"], "on_strict_target": rate.on_strict_target,
                      "rate_num": None if value is None else value.numerator,
                      "rate_den": None if value is None else value.denominator, "rate_percent": rate.percent,
                      "rate_status": rate.status.value, "band": band.value if band else None,
                      "weakest_part": rate.weakest_part})
    fix = pl.DataFrame(fixes, schema={"_i": pl.UInt32, "on_strict_target": pl.Boolean, "rate_num": _I, "rate_den": _I, "rate_percent": pl.Float64,
                                      "rate_status": pl.String, "band": pl.String, "weakest_part": pl.Int64})
    if "on_strict_target" not in out.columns:
        fix = fix.drop("on_strict_target")
    cols = [c for c in fix.columns if c != "_i"]
    return (out.with_row_index("_i").join(fix, on="_i", how="left", suffix="_x")
            .with_columns([pl.when(pl.col("exact_fallback")).then(pl.col(f"{c}_x")).otherwise(pl.col(c)).alias(c)
                           for c in cols])
            .drop("_i", *[f"{c}_x" for c in cols]))


def rate_of_row(row: dict) -> Rate:
    """The Rate object of one evaluated frame row (exact Fraction from the integers)."""
    status = RateStatus(row["rate_status"]) if row.get("rate_status") else RateStatus.MISSING_TARGET
    if row.get("rate_num") is None:
        return Rate(None, status, row.get("weakest_part"))
    return Rate(Fraction(int(row["rate_num"]), int(row["rate_den"])), status, row.get("weakest_part"),
                on_strict_target=bool(row.get("on_strict_target")))


def near_boundary_expr(points: int, boundaries: tuple[int, ...] = (30, 60, 100)) -> pl.Expr:
    """The boundary (in %) a rated row lies within `points` of (|100·rate − b| ≤ points, exact), else null."""
    num, den = pl.col("rate_num"), pl.col("rate_den")
    e = pl.lit(None, pl.Int64)
    for b in reversed(boundaries):  # the first boundary listed wins when two are within reach
        e = pl.when((num * 100 - den * b).abs() <= den * points).then(pl.lit(b, pl.Int64)).otherwise(e)
    return e
