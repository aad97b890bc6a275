"""Read side: the reporting views as Polars frames (approved basis, or including unapproved values).

Every read scoped to cycles goes through the table macros of migration 009 (`cycle_approved_values(cids)`,
`cycle_indicator_values(cids)`), which restrict cycles, revisions and values to the listed cycles before joining;
the views v_approved_values / v_indicator_values are the same macros over every cycle, so the rows are the same.
"""
from __future__ import annotations

import duckdb
import polars as pl

from warehouse import pg_reads
from warehouse.pg_reads import Scope, cycles as of_cycles

BASES = ("approved", "all")


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None,
          scope: Scope | None = None) -> pl.DataFrame:
    """Run a query (a read) with bound parameters and return it as a Polars frame.

    With a `scope` (a reporting read: which values it is about — the cycles, one indicator, or every value), on a
    PostgreSQL warehouse the same SQL runs in DuckDB over the tables it names, read from PostgreSQL as Arrow
    (warehouse/pg_reads.py), and only the scope's rows of the values tables are read. Without one (a read of a
    few rows by key, a whole table for `kpi export-warehouse`) it runs on the warehouse's own connection. On a
    DuckDB file the scope changes nothing.

    Read as a relation (`sql`), which hands DuckDB's result to Arrow as it is produced; a DB-API result
    (`execute(...).to_arrow_table()`) first materializes every row and then copies it: a national cycle's
    evaluation columns (178,800 rows) peaked 30–37 MB higher that way (docs/scale-out.md, "Memory per app process").
    A relation cannot start while an earlier execute()'s result is pending (e.g. after a fetchone), so that result
    is first run to its end (`complete`), as the next execute() would."""
    if scope is not None and pg_reads.is_postgres(con):
        return pg_reads.frame(con, sql, params, scope)
    con.complete()
    return pl.from_arrow(con.sql(sql, params=params or None).to_arrow_table())


# The values of the cycles in one bound INTEGER[] parameter (migration 009), per basis.
_CYCLE_READS = {"approved": "cycle_approved_values(?::INTEGER[])", "all": "cycle_indicator_values(?::INTEGER[])"}


def _view(basis: str) -> str:
    """The FROM item reading the listed cycles on a basis (it takes one parameter: the list of cycle ids)."""
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}: {basis!r}")
    return _CYCLE_READS[basis]


# How each target is compared and, for a relative target (全国平均を上回る, migration 010), the cycle's reference
# value (null until entered: 判定不能). Every read that rates or bands a value carries them, so the dashboard, lists,
# trends, reports and `kpi summary` judge a strict target (「93%超」) and a relative one the same way. Both side
# tables are small (one row per imported indicator / per entered reference): two LEFT JOINs on keys.
TARGET_COLUMNS = ("comparison", "reference_value")
_TARGET_TYPE = "CASE WHEN t.relative_reference IS NOT NULL THEN 'relative' ELSE v.target_type END"
_TARGET_SELECT = ", t.comparison, rv.reference_value"
TARGET_JOINS = (" LEFT JOIN indicator_targets t ON t.indicator_id = v.indicator_id"
                " LEFT JOIN relative_reference_values rv ON rv.indicator_id = v.indicator_id"
                " AND rv.cycle_id = v.cycle_id")
ROW_COLUMNS = f"v.* REPLACE ({_TARGET_TYPE} AS target_type){_TARGET_SELECT}"


def _column(name: str) -> str:
    """One evaluation column as a select item (target_type typed 'relative' for relative targets)."""
    return f"{_TARGET_TYPE} AS target_type" if name == "target_type" else f"v.{name}"


def cycle_rows(con: duckdb.DuckDBPyConnection, cycle_id: int, basis: str = "approved") -> pl.DataFrame:
    """Every indicator of the cycle's strategy with its value on the chosen basis and its comparison and
    reference value (TARGET_COLUMNS), in report order."""
    view = _view(basis)  # one of two constant macro calls
    return frame(con, f"SELECT {ROW_COLUMNS} FROM {view} v{TARGET_JOINS}"
                      " ORDER BY v.pillar_no, v.item_no, v.sort_order, v.code", [[cycle_id]], of_cycles([cycle_id]))


def cycle_parts(con: duckdb.DuckDBPyConnection, cycle_id: int, basis: str = "approved") -> pl.DataFrame:
    """Targets and (on the chosen basis) figures of the composite indicators' parts in a cycle."""
    approved_only = basis == "approved"
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}: {basis!r}")
    return frame(
        con,
        "SELECT ip.indicator_id, ip.part_no, ip.label, ip.unit, ip.baseline_value, ip.target_value,"
        " CASE WHEN NOT ? OR vp.state = 'approved' THEN vp.value_number END AS value_number"
        " FROM indicator_parts ip"
        " JOIN indicators i ON i.indicator_id = ip.indicator_id"
        " JOIN cycles c ON c.strategy_id = i.strategy_id AND c.cycle_id = ?"
        " LEFT JOIN indicator_values v ON v.indicator_id = ip.indicator_id AND v.cycle_id = c.cycle_id"
        " LEFT JOIN v_value_parts vp ON vp.value_id = v.value_id AND vp.part_no = ip.part_no"
        " ORDER BY ip.indicator_id, ip.part_no",
        [approved_only, cycle_id], of_cycles([cycle_id]),
    )


def composite_rows(con: duckdb.DuckDBPyConnection, cycle_id: int) -> pl.DataFrame:
    """Only the composite indicators of a cycle (all states), for their part-by-part rates."""
    return frame(con, "SELECT * FROM cycle_indicator_values(?::INTEGER[]) WHERE target_type = 'composite'",
                 [[cycle_id]], of_cycles([cycle_id]))


def missing_by_department(con: duckdb.DuckDBPyConnection, cycle_id: int) -> pl.DataFrame:
    """Per department: active indicators in the cycle and how many have no value yet."""
    return frame(con, """
        SELECT department_code, department_name, count(*) AS total,
               count(*) FILTER (WHERE value_id IS NULL) AS missing
        FROM cycle_indicator_values(?::INTEGER[])
        WHERE NOT coalesce(stopped_in_cycle, false)
        GROUP BY ALL HAVING count(*) FILTER (WHERE value_id IS NULL) > 0
        ORDER BY department_code""", [[cycle_id]], of_cycles([cycle_id]))


# ---- set-wise reads for the executive views (evaluated in Polars by kpi.domain.rates_frame) -------------------

# What rates, bands, filters and counts need of a value; display texts are fetched per page (rows_of).
EVAL_COLUMNS = ("cycle_id", "fiscal_year", "indicator_id", "code", "pillar_no", "item_no", "sort_order",
                "department_code", "target_type", "direction", "baseline_value", "baseline_fy", "target_value",
                "target_fy", "value_number", "qualitative_achieved", "stopped_in_cycle", "value_kind",
                "reason_category")
TEXT_COLUMNS = ("name", "reason", "reason_category_name")


# What trends need: rates, bands and report order, nothing for lists or filters.
TREND_COLUMNS = ("cycle_id", "fiscal_year", "indicator_id", "code", "pillar_no", "item_no", "sort_order",
                 "target_type", "direction", "baseline_value", "baseline_fy", "target_value", "target_fy",
                 "value_number", "qualitative_achieved", "stopped_in_cycle")


def evaluation_frame(con: duckdb.DuckDBPyConnection, cycle_ids: list[int], basis: str = "approved", *,
                     text: bool = False, milestones: bool = False, columns: tuple[str, ...] = EVAL_COLUMNS,
                     ordered: bool = False) -> pl.DataFrame:
    """The values of several cycles in one query, only the columns evaluation needs (and the searchable texts
    when `text`); with `milestones`, the strategy's first year and each row's milestone (the value set for that
    year, and whether any is set). Unordered unless `ordered` (sorting is cheaper in Polars afterwards).
    """
    view = _view(basis)  # one of two constant macro calls
    if not set(columns) <= set(EVAL_COLUMNS) | set(TREND_COLUMNS):
        raise ValueError(f"unknown columns: {sorted(set(columns) - set(EVAL_COLUMNS) - set(TREND_COLUMNS))}")
    cols = ", ".join(_column(c) for c in columns + (TEXT_COLUMNS if text else ())) + _TARGET_SELECT
    order = " ORDER BY v.cycle_id, v.pillar_no, v.item_no, v.sort_order, v.code" if ordered else ""
    if not milestones:
        return frame(con, f"SELECT {cols} FROM {view} v{TARGET_JOINS}{order}", [list(cycle_ids)],
                     of_cycles(cycle_ids))
    return frame(con, f"""
        SELECT {cols}, s.valid_from_fy AS first_fy, m.value AS milestone_value,
               hm.indicator_id IS NOT NULL AS has_milestones
        FROM {view} v{TARGET_JOINS}
        JOIN strategies s ON s.strategy_id = v.strategy_id
        LEFT JOIN indicator_milestones m ON m.indicator_id = v.indicator_id AND m.fiscal_year = v.fiscal_year
        LEFT JOIN (SELECT DISTINCT indicator_id FROM indicator_milestones) hm ON hm.indicator_id = v.indicator_id
        {order}""", [list(cycle_ids)], of_cycles(cycle_ids))


# What the milestone judgement adds to a row: the strategy's first year and the milestone set for the row's year.
_MILESTONE_COLUMNS = (", s.valid_from_fy AS first_fy, m.value AS milestone_value,"
                      " hm.indicator_id IS NOT NULL AS has_milestones")
_MILESTONE_JOINS = """ JOIN strategies s ON s.strategy_id = v.strategy_id
        LEFT JOIN indicator_milestones m ON m.indicator_id = v.indicator_id AND m.fiscal_year = v.fiscal_year
        LEFT JOIN (SELECT DISTINCT indicator_id FROM indicator_milestones) hm ON hm.indicator_id = v.indicator_id"""


def evaluation_batches(con: duckdb.DuckDBPyConnection, cycle_ids: list[int], basis: str = "approved", *,
                       milestones: bool = False, columns: tuple[str, ...] = TREND_COLUMNS,
                       batch_rows: int = 250_000):
    """evaluation_frame's rows of several cycles, one query per cycle (in the order given), as Polars frames of
    about batch_rows rows each (so a caller that keeps only aggregates never holds every row, nor DuckDB more
    than one cycle's joins, at once)."""
    view = _view(basis)  # one of two constant macro calls
    if not set(columns) <= set(EVAL_COLUMNS) | set(TREND_COLUMNS):
        raise ValueError(f"unknown columns: {sorted(set(columns) - set(EVAL_COLUMNS) - set(TREND_COLUMNS))}")
    cols = ", ".join(_column(c) for c in EVAL_COLUMNS if c in columns) + _TARGET_SELECT  # TREND order here
    for cycle_id in cycle_ids:
        sql = (f"SELECT {cols}{_MILESTONE_COLUMNS if milestones else ''} FROM {view} v"
               f"{TARGET_JOINS}{_MILESTONE_JOINS if milestones else ''}")
        if pg_reads.is_postgres(con):
            yield from pg_reads.batches(con, sql, [[cycle_id]], of_cycles([cycle_id]), batch_rows)
            continue
        con.complete()  # as in frame(): a relation, so the batches come without a DB-API copy
        reader = con.sql(sql, params=[[cycle_id]]).to_arrow_reader(batch_rows)
        for batch in reader:
            yield pl.from_arrow(batch)


def texts(con: duckdb.DuckDBPyConnection, cycle_id: int, basis: str = "approved", *,
          ordered: bool = False) -> pl.DataFrame:
    """The searchable texts of a cycle's indicators (name, code, reason on the basis), for a search or a choice."""
    view = _view(basis)  # one of two constant macro calls
    order = " ORDER BY pillar_no, item_no, sort_order, code" if ordered else ""
    return frame(con, f"SELECT indicator_id, code, name, reason FROM {view}{order}", [[cycle_id]],
                 of_cycles([cycle_id]))


def parts_of_cycles(con: duckdb.DuckDBPyConnection, cycle_ids: list[int], basis: str = "approved") -> pl.DataFrame:
    """cycle_parts for several cycles, with their cycle_id (composite indicators only): one query per cycle, in
    cycle order (on PostgreSQL each reads its cycle's values into DuckDB, where pg_reads.MAX_VALUE_ROWS bounds them)."""
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}: {basis!r}")
    frames = [frame(
        con,
        "SELECT c.cycle_id, ip.indicator_id, ip.part_no, ip.label, ip.unit, ip.baseline_value, ip.target_value,"
        " CASE WHEN NOT ? OR vp.state = 'approved' THEN vp.value_number END AS value_number"
        " FROM indicator_parts ip"
        " JOIN indicators i ON i.indicator_id = ip.indicator_id"
        " JOIN cycles c ON c.strategy_id = i.strategy_id AND c.cycle_id IN (SELECT unnest(?::INTEGER[]))"
        " LEFT JOIN indicator_values v ON v.indicator_id = ip.indicator_id AND v.cycle_id = c.cycle_id"
        " LEFT JOIN v_value_parts vp ON vp.value_id = v.value_id AND vp.part_no = ip.part_no"
        " ORDER BY c.cycle_id, ip.indicator_id, ip.part_no",
        [basis == "approved", ids], of_cycles(ids),
    ) for ids in ([[cid] for cid in sorted(set(cycle_ids))] or [[]])]
    return pl.concat(frames) if len(frames) > 1 else frames[0]


def rows_of(con: duckdb.DuckDBPyConnection, cycle_id: int, indicator_ids: list[int],
            basis: str = "approved") -> pl.DataFrame:
    """Every column of the view (and TARGET_COLUMNS) for a few indicators of a cycle (one page of a list), in
    report order."""
    view = _view(basis)  # one of two constant macro calls
    return frame(con, f"SELECT {ROW_COLUMNS} FROM {view} v{TARGET_JOINS}"
                      " WHERE list_contains(?::INTEGER[], v.indicator_id)"
                      " ORDER BY v.pillar_no, v.item_no, v.sort_order, v.code", [[cycle_id], list(indicator_ids)],
                 of_cycles([cycle_id]))


def dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list | None, scope: Scope) -> list[dict]:
    """A reporting read as a list of dicts (column → value), through DuckDB on either backend (as frame())."""
    if pg_reads.is_postgres(con):
        names, found = pg_reads.rows(con, sql, params, scope)
        return [dict(zip(names, r)) for r in found]
    cur = con.execute(sql, params) if params is not None else con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
