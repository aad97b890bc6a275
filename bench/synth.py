"""Synthetic warehouses for the benchmarks, built on the demo (strategy, pillars, FY2021/FY2022 cycles).

* :func:`demo_base` — the demo loaded once through kpi.demo.seed.load_demo; the other builders copy its file.
* :func:`add_form_department` — department BENCH with 20 indicators of every target type, an editor account and
  last year's approved values, through the warehouse repository functions (as the admin pages would).
* :func:`add_big_department` — department BIG with N indicators and their FY2021 approved values, in bulk SQL
  from a Polars frame registered in DuckDB; returns the frame (one row per indicator) for the workbook.
* :func:`add_sweep_values` — department SWEEP with N indicators and N values in the FY2022 cycle (plus N approved
  FY2021 values and composite parts), with INSERT ... SELECT FROM range(N).

Every figure is derived from the row number through a fixed hash, so a run is reproducible.
"""
from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

import warehouse
from kpi.services.accounts import hash_password
from kpi.demo.seed import load_demo
from warehouse import batches, master, users, values

OPEN_FY = 2022  # the demo's open cycle
LAST_FY = 2021  # the demo's finalized cycle (last year's approved values)
FULL_WIDTH = str.maketrans("0123456789,.%", "０１２３４５６７８９，．％")


def demo_base(path: Path) -> Path:
    """A warehouse with the demo loaded (the seed strategy, an open FY2022 cycle)."""
    load_demo(path)
    return path


def copy_db(src: Path, dst: Path) -> Path:
    """A copy of a closed warehouse file."""
    shutil.copyfile(src, dst)
    return dst


def _ids(con) -> tuple[int, int, int]:
    """(strategy id, FY2021 cycle id, FY2022 cycle id) of the demo."""
    open_c, last_c = master.find_cycle(con, OPEN_FY), master.find_cycle(con, LAST_FY)
    sid = con.execute("SELECT strategy_id FROM cycles WHERE cycle_id = ?", [open_c["cycle_id"]]).fetchone()[0]
    return sid, last_c["cycle_id"], open_c["cycle_id"]


# ---------------------------------------------------------------------------------------------------------
# 1. a department of 20 indicators for the form save


@dataclass(frozen=True)
class FormIndicator:
    code: str
    unit: str | None
    target_type: str
    direction: str
    baseline: float | None
    target: float | None
    parts: tuple[tuple[str, float], ...] = ()
    last: float | None = None  # FY2021 approved value


FORM_DEPARTMENT = "BENCH"
FORM_EDITOR = ("editor-bench", "editor-bench-pass")

# Twenty indicators covering every target type, with and without baseline, both directions, several units.
FORM_INDICATORS: tuple[FormIndicator, ...] = (
    FormIndicator("B-01", "人", "numeric", "higher", None, 1000, last=800),
    FormIndicator("B-02", "時間", "numeric", "higher", 0, 6000, last=4000),
    FormIndicator("B-03", "%", "numeric", "lower", 16.9, 12.0, last=15.0),
    FormIndicator("B-04", "件", "numeric", "lower", None, 100, last=120),
    FormIndicator("B-05", "件", "increase", "higher", 500, None, last=520),
    FormIndicator("B-06", "件", "decrease", "lower", 6000, None, last=5000),
    FormIndicator("B-07", None, "qualitative", "higher", None, None),
    FormIndicator("B-08", "団体", "composite", "higher", None, None, parts=(("県", 1), ("市町村", 52), ("林業事業体", 13))),
    FormIndicator("B-09", "千枚", "numeric", "lower", 405823, 365241, last=437322),
    FormIndicator("B-10", "日", "numeric", "lower", 440, 419, last=447),
    FormIndicator("B-11", "手続", "numeric", "higher", None, 150, last=120),
    FormIndicator("B-12", "人", "numeric", "higher", 20000, 36000, last=30000),
    FormIndicator("B-13", "%", "numeric", "higher", 50.0, 80.0, last=60.0),
    FormIndicator("B-14", "回", "increase", "higher", 12, None, last=14),
    FormIndicator("B-15", "時間", "numeric", "lower", 143.0, 140.0, last=141.2),
    FormIndicator("B-16", None, "qualitative", "higher", None, None),
    FormIndicator("B-17", "件", "numeric", "higher", None, 5, last=4),
    FormIndicator("B-18", "か所", "numeric", "higher", 10, 40, last=25),
    FormIndicator("B-19", "人", "numeric", "higher", None, 280, last=250),
    FormIndicator("B-20", "件", "decrease", "lower", 300, None, last=280),
)


def add_form_department(db: Path) -> None:
    """Department BENCH: 20 indicators, composite parts, an editor, FY2021 approved values (repository calls)."""
    with warehouse.transaction(db) as con:
        sid, last_cycle, _open_cycle = _ids(con)
        master.upsert_department(con, FORM_DEPARTMENT, "ベンチマーク課", True)
        users.insert_user(con, FORM_EDITOR[0], "ベンチマーク課 入力担当", hash_password(FORM_EDITOR[1]),
                          ["editor"], [FORM_DEPARTMENT])
        batch = batches.insert_batch(con, cycle_id=last_cycle, source="demo", created_by="system", status="landed")
        for n, ind in enumerate(FORM_INDICATORS, start=1):
            iid = master.insert_indicator(con, {
                "strategy_id": sid, "pillar_no": 1, "item_no": 1, "code": ind.code, "name": f"ベンチマーク指標{n}",
                "unit": ind.unit, "department_code": FORM_DEPARTMENT, "target_type": ind.target_type,
                "direction": ind.direction, "baseline_value": ind.baseline, "target_value": ind.target,
                "baseline_fy": 2018 if ind.baseline is not None else None, "target_fy": 2025, "status": "active",
                "illustrative": True, "baseline_illustrative": False, "sort_order": 1000 + n, "valid_from_fy": None,
            })
            for no, (label, target) in enumerate(ind.parts, start=1):
                master.insert_indicator_part(con, iid, {"no": no, "label": label, "unit": ind.unit, "target": target})
            if ind.last is not None:
                values.insert_value(con, {"indicator_id": iid, "cycle_id": last_cycle, "value_number": ind.last,
                                          "value_text": str(ind.last), "value_kind": "actual", "value_fy": LAST_FY,
                                          "state": "approved", "batch_id": batch, "entered_by": FORM_EDITOR[0],
                                          "approved_by": "reviewer"})


def _number_text(x: float, unit: str | None, full_width: bool) -> str:
    text = format(Decimal(str(round(x, 1))).normalize(), ",f") + (unit or "")
    return text.translate(FULL_WIDTH) if full_width else text


def form_entries(rep: int, versions: dict[str, int | None]):
    """The 20 lines as typed for save number `rep`: figures alternate so each save changes every line."""
    from kpi.services.entries import RawEntry

    odd = rep % 2 == 1
    out = []
    for i, ind in enumerate(FORM_INDICATORS, start=1):
        factor = (0.93 if odd else 0.97) + 0.01 * (i % 3)
        if ind.target_type == "qualitative":
            value = "達成" if odd else "未整備"
        elif ind.target_type == "composite":
            value = "県・50市町村・3林業事業体" if odd else "県・52市町村・2林業事業体"
        elif ind.target_type in ("increase", "decrease"):
            value = _number_text(ind.baseline * (1.1 if odd else 0.95), ind.unit, full_width=not odd)
        elif ind.direction == "lower":
            value = _number_text(ind.target / factor, ind.unit, full_width=not odd)
        else:
            value = _number_text(ind.target * factor, ind.unit, full_width=not odd)
        reason = "" if i % 4 == 0 else f"年度途中のため目標に届いていない（{rep}回目の保存）"
        out.append(RawEntry(code=ind.code, value=value, kind="実績値" if i % 5 else "見込値",
                            period="令和4年度" if odd else "R4.10時点", reason=reason,
                            reason_category="その他の理由" if reason else "", remark="" if odd else "速報値",
                            row_no=i, expected_version=versions.get(ind.code)))
    return out


def form_versions(db: Path) -> dict[str, int | None]:
    """The version of each BENCH value in the open cycle, as the entry page would have read it."""
    with warehouse.connect(db) as con:
        rows = con.execute(
            "SELECT i.code, v.version FROM indicators i JOIN cycles c ON c.strategy_id = i.strategy_id"
            " LEFT JOIN indicator_values v ON v.indicator_id = i.indicator_id AND v.cycle_id = c.cycle_id"
            " WHERE i.department_code = ? AND c.fiscal_year = ?", [FORM_DEPARTMENT, OPEN_FY]).fetchall()
    return {code: version for code, version in rows}


def form_states(db: Path) -> dict[str, int]:
    """How many BENCH values of the open cycle are in each state."""
    with warehouse.connect(db) as con:
        rows = con.execute(
            "SELECT v.state, count(*) FROM indicator_values v JOIN indicators i USING (indicator_id)"
            " JOIN cycles c USING (cycle_id) WHERE i.department_code = ? AND c.fiscal_year = ? GROUP BY 1",
            [FORM_DEPARTMENT, OPEN_FY]).fetchall()
    return dict(rows)


# ---------------------------------------------------------------------------------------------------------
# 2. a department of N indicators for the workbook


BIG_DEPARTMENT = "BIG"
_UNITS = ["人", "件", "時間", "団体", "回", "日", "手続", "か所", "千枚", "人"]


def big_frame(n: int) -> pl.DataFrame:
    """N indicators (one per workbook row) with the figures a department would type for them."""
    i = pl.int_range(0, n, eager=True).alias("i")
    df = pl.DataFrame(i).with_columns(
        r=(pl.col("i").hash(1) % 1000).cast(pl.Int64),
        r2=(pl.col("i").hash(2) % 1000).cast(pl.Int64),
        r3=(pl.col("i").hash(3) % 1000).cast(pl.Int64),
    )
    tt = (pl.when(pl.col("r") < 880).then(pl.lit("numeric")).when(pl.col("r") < 930).then(pl.lit("increase"))
          .when(pl.col("r") < 950).then(pl.lit("decrease")).when(pl.col("r") < 990).then(pl.lit("qualitative"))
          .otherwise(pl.lit("composite")))
    df = df.with_columns(
        code=pl.format("BIG-{}", pl.col("i").cast(pl.String).str.zfill(5)),
        name=pl.format("大規模部局の指標{}", pl.col("i") + 1),
        target_type=tt,
        unit_no=pl.col("r3") % len(_UNITS),
    ).with_columns(
        direction=pl.when(pl.col("target_type") == "decrease").then(pl.lit("lower"))
        .when((pl.col("target_type") == "numeric") & (pl.col("r2") < 200)).then(pl.lit("lower"))
        .otherwise(pl.lit("higher")),
        unit=pl.when(pl.col("target_type") == "qualitative").then(None)
        .when(pl.col("target_type") == "composite").then(pl.lit("団体"))
        .otherwise(pl.col("unit_no").replace_strict(dict(enumerate(_UNITS)), return_dtype=pl.String)),
        target=pl.when(pl.col("target_type") == "numeric").then((100 + pl.col("r3") * 10).cast(pl.Float64)),
    ).with_columns(
        baseline=pl.when(pl.col("target_type").is_in(["increase", "decrease"])).then((200 + pl.col("r3")).cast(pl.Float64))
        .when((pl.col("target_type") == "numeric") & (pl.col("r2") % 2 == 0))
        .then(pl.when(pl.col("direction") == "higher").then(pl.col("target") * 0.5).otherwise(pl.col("target") * 1.5)),
    ).with_columns(
        last=pl.when(pl.col("target_type").is_in(["increase", "decrease"])).then(pl.col("baseline") * 1.02)
        .when(pl.col("target_type") == "numeric").then(pl.col("target") * 0.8),
        # this year's figure: 70%–125% of the target (the reciprocal for lower-is-better); 1% outliers (×10)
        factor=0.70 + pl.col("r2").cast(pl.Float64) / 1000 * 0.55,
    )
    value = (pl.when(pl.col("target_type").is_in(["increase", "decrease"])).then(pl.col("baseline") * pl.col("factor") * 1.1)
             .when(pl.col("direction") == "lower").then(pl.col("target") / pl.col("factor"))
             .otherwise(pl.col("target") * pl.col("factor")))
    value = pl.when(pl.col("r") % 100 == 7).then(value * 10).otherwise(value).round(1)
    return df.with_columns(value=pl.when(pl.col("target_type").is_in(["numeric", "increase", "decrease"])).then(value))


def add_big_department(db: Path, n: int) -> pl.DataFrame:
    """Department BIG with n indicators, composite parts and FY2021 approved values, in bulk SQL."""
    df = big_frame(n)
    with warehouse.transaction(db) as con:
        sid, last_cycle, _open_cycle = _ids(con)
        master.upsert_department(con, BIG_DEPARTMENT, "大規模部局（ベンチマーク）", True)
        con.register("big_df", df.select("i", "code", "name", "unit", "target_type", "direction", "baseline",
                                         "target", "last").to_arrow())
        con.execute(f"""
            INSERT INTO indicators (strategy_id, pillar_no, item_no, code, name, unit, department_code, target_type,
                                    direction, baseline_value, target_value, baseline_fy, target_fy, status,
                                    illustrative, sort_order)
            SELECT {sid}, 1 + i % 3, 1, code, name, unit, '{BIG_DEPARTMENT}', target_type, direction, baseline, target,
                   CASE WHEN baseline IS NOT NULL THEN 2018 END, 2025, 'active', true, 10000 + i
            FROM big_df ORDER BY i""")
        # items: the demo's pillars 1-3 each have an item 1
        con.execute("""
            INSERT INTO indicator_parts
            SELECT i.indicator_id, p.part_no, p.label, '団体', NULL, p.target
            FROM indicators i JOIN big_df b ON b.code = i.code AND b.target_type = 'composite'
            CROSS JOIN (VALUES (1, '県', 1), (2, '市町村', 54), (3, '林業事業体', 13)) p(part_no, label, target)
            WHERE i.strategy_id = ?""", [sid])
        batch = batches.insert_batch(con, cycle_id=last_cycle, source="demo", created_by="system", status="landed")
        con.execute(f"""
            INSERT INTO indicator_values (indicator_id, cycle_id, value_number, value_text, value_kind, value_fy,
                                          state, batch_id, entered_by, approved_by, approved_at)
            SELECT i.indicator_id, {last_cycle}, b.last, CAST(b.last AS VARCHAR), 'actual', {LAST_FY}, 'approved',
                   {batch}, 'editor-big', 'reviewer', current_timestamp
            FROM indicators i JOIN big_df b ON b.code = i.code WHERE b.last IS NOT NULL AND i.strategy_id = ?""",
                    [sid])
        con.unregister("big_df")
    return df


def big_workbook_rows(df: pl.DataFrame) -> list[tuple[str, ...]]:
    """The workbook's 16 columns (kpi.io.workbook.COLUMNS) as text, the editable ones filled in as typed.

    Figures are typed four ways in turn: plain (12345.5), with the unit (12345.5件), with thousands separators
    and the unit (12,345.5件), and the same in full width (１２，３４５．５件).
    """
    def plain(x: float | None) -> str:
        if x is None:
            return ""
        d = Decimal(str(round(x, 1))).normalize()
        return format(d, "f")

    out = []
    for row in df.iter_rows(named=True):
        tt, unit, r, r2, r3 = row["target_type"], row["unit"] or "", row["r"], row["r2"], row["r3"]
        if tt == "qualitative":
            value = "達成" if r2 < 700 else "未整備"
        elif tt == "composite":
            value = "県・54市町村・13林業事業体" if r2 < 500 else "県・50市町村・4林業事業体"
        else:
            style = r3 % 4
            value = (plain(row["value"]) if style == 0 else plain(row["value"]) + unit if style == 1
                     else _number_text(row["value"], unit, full_width=style == 3))
        kind = "実績値" if r % 10 < 8 else "見込値"
        period = "令和3年度" if r % 50 == 3 else "令和4年度" if r % 3 == 0 else "4月～9月"
        reason = "年度途中の実績のため目標に届いていない" if r2 % 5 < 4 else ""
        out.append((row["code"], str(1 + row["i"] % 3), "", row["name"], unit, plain(row["baseline"]),
                    plain(row["target"]), plain(row["last"]), "未入力", "", value, kind, period, reason,
                    "その他の理由" if reason else "", ""))
    return out


def write_workbook(rows: list[tuple[str, ...]]) -> bytes:
    """An .xlsx as a department returns it: sheet 入力, the template's headers, every cell a string."""
    import xlsxwriter

    from kpi.io.workbook import COLUMNS, SHEET

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    ws = wb.add_worksheet(SHEET)
    for c, h in enumerate(COLUMNS):
        ws.write_string(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row):
            if text:
                ws.write_string(r, c, text)
    wb.close()
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------------------
# 3. N values in one cycle for the sweep


SWEEP_DEPARTMENT = "SWEEP"


def add_sweep_values(db: Path, n: int) -> dict[str, int]:
    """Department SWEEP: n indicators, n values in FY2022 (all states) and n approved FY2021 values, bulk SQL.

    Mix (by a fixed hash of the row number): 90% numeric (20% lower-is-better, half with a baseline), 4% increase,
    1.5% decrease, 4% qualitative, 0.5% composite (3 parts); 0.1% stopped indicators that still have a value;
    values at 50%–130% of the target, reasons on every submitted/approved value and on 70% of drafts, 1% jump ×10 from last year, 20% projections,
    5% dated last year, 1% next year.
    """
    h = "CAST(hash(i, {k}) % 1000 AS INTEGER)"
    r, r2, r3, r4, r5 = (h.format(k=k) for k in range(1, 6))
    with warehouse.transaction(db) as con:
        sid, last_cycle, open_cycle = _ids(con)
        master.upsert_department(con, SWEEP_DEPARTMENT, "点検用部局（ベンチマーク）", True)
        con.execute(f"""
            CREATE TEMP TABLE sweep_src AS
            SELECT i, {r} AS r, {r2} AS r2, {r3} AS r3, {r4} AS r4, {r5} AS r5 FROM range({n}) t(i)""")
        con.execute(f"""
            CREATE TEMP TABLE sweep_ind AS
            SELECT *, CASE WHEN target_type = 'numeric' THEN 100 + r3 * 10 END AS target,
                   CASE WHEN target_type IN ('increase', 'decrease') THEN 200 + r3
                        WHEN target_type = 'numeric' AND r2 % 2 = 0 AND direction = 'higher' THEN (100 + r3 * 10) * 0.5
                        WHEN target_type = 'numeric' AND r2 % 2 = 0 THEN (100 + r3 * 10) * 1.5 END AS baseline
            FROM (SELECT *,
                    CASE WHEN r < 900 THEN 'numeric' WHEN r < 940 THEN 'increase' WHEN r < 955 THEN 'decrease'
                         WHEN r < 995 THEN 'qualitative' ELSE 'composite' END AS target_type,
                    CASE WHEN r BETWEEN 940 AND 954 OR (r < 900 AND r2 < 200) THEN 'lower' ELSE 'higher' END AS direction
                  FROM sweep_src)""")
        con.execute(f"""
            INSERT INTO indicators (strategy_id, pillar_no, item_no, code, name, unit, department_code, target_type,
                                    direction, baseline_value, target_value, target_fy, status, stop_reason,
                                    stopped_fy, illustrative, sort_order)
            SELECT {sid}, 1 + i % 3, 1, 'S' || lpad(CAST(i AS VARCHAR), 7, '0'), '点検用指標' || (i + 1),
                   CASE WHEN target_type = 'qualitative' THEN NULL ELSE '件' END, '{SWEEP_DEPARTMENT}', target_type,
                   direction, baseline, target, 2025,
                   CASE WHEN r5 = 0 THEN 'stopped' ELSE 'active' END, CASE WHEN r5 = 0 THEN '事業終了' END,
                   CASE WHEN r5 = 0 THEN {LAST_FY} END, true, 100000 + i
            FROM sweep_ind ORDER BY i""")
        con.execute(f"""
            CREATE TEMP TABLE sweep_map AS
            SELECT s.*, ind.indicator_id,
                   CASE WHEN s.target_type IN ('increase', 'decrease') THEN s.baseline * 1.02
                        WHEN s.target_type = 'numeric' THEN s.target * 0.8 END AS last,
                   0.5 + r4 / 1000.0 * 0.8 AS factor
            FROM sweep_ind s JOIN indicators ind
              ON ind.strategy_id = {sid} AND ind.code = 'S' || lpad(CAST(s.i AS VARCHAR), 7, '0')""")
        con.execute("""
            INSERT INTO indicator_parts
            SELECT m.indicator_id, p.part_no, p.label, '団体', NULL, p.target
            FROM sweep_map m CROSS JOIN (VALUES (1, '県', 1), (2, '市町村', 54), (3, '林業事業体', 13)) p(part_no, label, target)
            WHERE m.target_type = 'composite'""")
        batch = batches.insert_batch(con, cycle_id=last_cycle, source="demo", created_by="system", status="landed")
        con.execute(f"""
            INSERT INTO indicator_values (indicator_id, cycle_id, value_number, value_kind, value_fy, state, batch_id,
                                          entered_by, approved_by, approved_at)
            SELECT indicator_id, {last_cycle}, last, 'actual', {LAST_FY}, 'approved', {batch}, 'editor-sweep',
                   'reviewer', current_timestamp
            FROM sweep_map WHERE last IS NOT NULL ORDER BY indicator_id""")
        # submitted and approved values carry their reason; 30% of drafts and returned ones lack it
        has_reason = "(r % 10 BETWEEN 3 AND 8 OR r5 % 10 >= 3)"
        value = ("CASE WHEN target_type IN ('increase', 'decrease') THEN baseline * factor * 1.1"
                 " WHEN direction = 'lower' THEN target / factor ELSE target * factor END")
        con.execute(f"""
            INSERT INTO indicator_values (indicator_id, cycle_id, value_number, value_text, value_kind, value_fy,
                                          qualitative_achieved, reason, reason_category, state, batch_id, entered_by)
            SELECT indicator_id, {open_cycle},
                   CASE WHEN target_type IN ('numeric', 'increase', 'decrease')
                        THEN round(({value}) * CASE WHEN r % 100 = 7 THEN 10 ELSE 1 END, 1) END,
                   CASE WHEN target_type = 'composite' THEN '県・50市町村・4林業事業体' END,
                   CASE WHEN r2 % 5 = 1 THEN 'projection' ELSE 'actual' END,
                   CASE WHEN r3 % 20 = 0 THEN {LAST_FY} WHEN r3 % 100 = 1 THEN {OPEN_FY + 1} ELSE {OPEN_FY} END,
                   CASE WHEN target_type = 'qualitative' THEN r4 < 700 END,
                   CASE WHEN {has_reason} THEN '年度途中の実績のため' END,
                   CASE WHEN {has_reason} THEN 'other' END,
                   CASE WHEN r % 10 < 3 THEN 'draft' WHEN r % 10 < 6 THEN 'submitted' WHEN r % 10 < 9 THEN 'approved'
                        ELSE 'returned' END,
                   NULL, 'editor-sweep'
            FROM sweep_map ORDER BY indicator_id""")
        con.execute(f"""
            INSERT INTO value_parts
            SELECT v.value_id, p.part_no, p.v
            FROM sweep_map m JOIN indicator_values v ON v.indicator_id = m.indicator_id AND v.cycle_id = {open_cycle}
            CROSS JOIN (VALUES (1, 1), (2, 50), (3, 4)) p(part_no, v)
            WHERE m.target_type = 'composite'""")
        n_values = con.execute("SELECT count(*) FROM indicator_values WHERE cycle_id = ?", [open_cycle]).fetchone()[0]
        for t in ("sweep_src", "sweep_ind", "sweep_map"):
            con.execute(f"DROP TABLE {t}")
    return {"values_in_cycle": n_values, "cycle_id": open_cycle}
