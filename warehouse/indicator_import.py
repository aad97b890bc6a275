"""Repository reads for importing an indicator list into a strategy: what already exists there."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
from warehouse import master


@dataclass(frozen=True)
class StrategyContents:
    """A strategy version's structure as an import sees it."""

    strategy_id: int
    code: str
    version: int
    name: str
    pillars: dict[int, str]
    items: dict[tuple[int, int], str]
    codes: frozenset[str]
    names: frozenset[str]
    max_sort_order: int


def list_strategies(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The newest version of every strategy: code, version, name."""
    rows = con.execute(
        "SELECT code, max(version), arg_max(name, version) FROM strategies GROUP BY code ORDER BY code"
    ).fetchall()
    return [{"code": r[0], "version": r[1], "name": r[2]} for r in rows]


def strategy_contents(con: duckdb.DuckDBPyConnection, code: str) -> StrategyContents | None:
    """The newest version of the strategy with this code, its pillars, items, indicator codes and names; None if absent."""
    # fetchall, never fetchone: DuckDB 2.0 refuses register() while a result is not read to its end
    found = con.execute("SELECT strategy_id, code, version, name FROM strategies WHERE code = ?"
                        " ORDER BY version DESC LIMIT 1", [code]).fetchall()
    if not found:
        return None
    row = found[0]
    sid = row[0]
    pillars = dict(con.execute("SELECT pillar_no, name FROM pillars WHERE strategy_id = ?", [sid]).fetchall())
    items = {(p, i): n for p, i, n in con.execute(
        "SELECT pillar_no, item_no, name FROM items WHERE strategy_id = ?", [sid]).fetchall()}
    found = con.execute("SELECT code, name FROM indicators WHERE strategy_id = ?", [sid]).fetchall()
    codes, names = frozenset(r[0] for r in found), frozenset(r[1] for r in found)
    max_sort = con.execute("SELECT coalesce(max(sort_order), 0) FROM indicators WHERE strategy_id = ?",
                           [sid]).fetchall()[0][0]
    return StrategyContents(sid, row[1], row[2], row[3], pillars, items, codes, names, int(max_sort))


_INT = ("pillar_no", "item_no", "baseline_fy", "target_fy", "sort_order")
_DECIMAL = ("baseline_value", "target_value")
_TEXT = ("code", "name", "definition", "unit", "department_code", "target_type", "direction", "baseline_text",
         "baseline_fy_text", "target_text", "data_source")


def insert_indicators(con: duckdb.DuckDBPyConnection, strategy_id: int, rows: list[dict]) -> dict[str, int]:
    """Insert new active indicator definitions of a strategy in one statement; return {code: indicator_id}."""
    import polars as pl

    if not rows:
        return {}
    schema = {**{c: pl.Int64 for c in _INT}, **{c: pl.String for c in (*_DECIMAL, *_TEXT)}}
    frame = pl.DataFrame([{c: (str(r[c]) if c in _DECIMAL and r.get(c) is not None else r.get(c)) for c in schema}
                          for r in rows], schema=schema)
    con.register("_new_indicators", frame)
    try:
        found = con.execute(
            "INSERT INTO indicators (strategy_id, pillar_no, item_no, code, name, definition, unit, department_code,"
            " target_type, direction, baseline_value, baseline_text, baseline_fy, baseline_fy_text, target_value,"
            " target_text, target_fy, data_source, sort_order, valid_from_fy)"
            " SELECT ?, pillar_no, item_no, code, name, definition, unit, department_code, target_type, direction,"
            " CAST(baseline_value AS DECIMAL(18, 4)), baseline_text, baseline_fy, baseline_fy_text,"
            " CAST(target_value AS DECIMAL(18, 4)), target_text, target_fy, data_source, sort_order, ?"
            " FROM _new_indicators RETURNING code, indicator_id",
            [strategy_id, master.first_new_fiscal_year(con, strategy_id)]).fetchall()
    finally:
        con.unregister("_new_indicators")
    return dict(found)


def insert_parts(con: duckdb.DuckDBPyConnection, parts: list[dict]) -> None:
    """Insert composite parts (indicator_id, part_no, label, unit, baseline_value, target_value) in one statement."""
    import polars as pl

    if not parts:
        return
    schema = {"indicator_id": pl.Int64, "part_no": pl.Int64, "label": pl.String, "unit": pl.String,
              "baseline_value": pl.String, "target_value": pl.String}
    frame = pl.DataFrame([{c: (str(p[c]) if c.endswith("_value") and p.get(c) is not None else p.get(c))
                           for c in schema} for p in parts], schema=schema)
    con.register("_new_parts", frame)
    try:
        con.execute("INSERT INTO indicator_parts SELECT indicator_id, part_no, label, unit,"
                    " CAST(baseline_value AS DECIMAL(18, 4)), CAST(target_value AS DECIMAL(18, 4)) FROM _new_parts")
    finally:
        con.unregister("_new_parts")


_TARGET_COLUMNS = ("indicator_id", "comparison", "relative_reference", "target_period_kind", "target_period_start",
                   "target_period_end", "target_aggregate", "target_period_text", "baseline_period_kind",
                   "baseline_period_text", "note")


def insert_targets(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Insert each new indicator's comparison, relative reference, printed periods and note (migration 010)."""
    import polars as pl

    if not rows:
        return
    schema = {c: (pl.Int64 if c in ("indicator_id", "target_period_start", "target_period_end") else pl.String)
              for c in _TARGET_COLUMNS}
    con.register("_new_targets", pl.DataFrame([{c: r.get(c) for c in _TARGET_COLUMNS} for r in rows], schema=schema))
    try:
        con.execute(f"INSERT INTO indicator_targets ({', '.join(_TARGET_COLUMNS)})"
                    f" SELECT {', '.join(_TARGET_COLUMNS)} FROM _new_targets")
    finally:
        con.unregister("_new_targets")


def set_reference_value(con: duckdb.DuckDBPyConnection, indicator_id: int, cycle_id: int, value, source: str,
                        login: str) -> None:
    """Enter (or replace) a relative target's reference value for one cycle."""
    con.execute("DELETE FROM relative_reference_values WHERE indicator_id = ? AND cycle_id = ?",
                [indicator_id, cycle_id])
    con.execute("INSERT INTO relative_reference_values (indicator_id, cycle_id, reference_value, source, entered_by)"
                " VALUES (?, ?, CAST(? AS DECIMAL(18, 4)), ?, ?)", [indicator_id, cycle_id, str(value), source, login])


def relative_indicator(con: duckdb.DuckDBPyConnection, strategy_code: str, code: str) -> dict | None:
    """The relative-target indicator with this code in the newest version of the strategy, or None."""
    found = con.execute(
        "SELECT i.indicator_id, i.name, t.relative_reference, t.comparison FROM indicators i"
        " JOIN indicator_targets t ON t.indicator_id = i.indicator_id"
        " JOIN strategies s ON s.strategy_id = i.strategy_id"
        " WHERE s.code = ? AND i.code = ? AND t.relative_reference IS NOT NULL"
        " ORDER BY s.version DESC LIMIT 1", [strategy_code, code]).fetchall()
    if not found:
        return None
    r = found[0]
    return {"indicator_id": r[0], "name": r[1], "reference": r[2], "comparison": r[3]}


def printed_era(con: duckdb.DuckDBPyConnection, strategy_code: str) -> str | None:
    """The strategy's 記載の元号 (newest version), or None when not set."""
    found = con.execute("SELECT printed_era FROM strategies WHERE code = ? ORDER BY version DESC LIMIT 1",
                        [strategy_code]).fetchall()
    return found[0][0] if found else None


def keep_printed_era(con: duckdb.DuckDBPyConnection, strategy_id: int, era: str) -> None:
    """Remember the era an import read the plan's years through as the strategy's 記載の元号, when it has none."""
    con.execute("UPDATE strategies SET printed_era = ? WHERE strategy_id = ? AND printed_era IS NULL",
                [era, strategy_id])
