"""Read-side SQL of the executive and progress views (kpi.services.queries): cycles with approved values,
one indicator over every cycle, milestones, and the collection matrix of a cycle. Bound parameters only;
no band is computed or stored here (bands come from the domain rules in the services).

The reads over the values (an indicator over every cycle, a cycle's collection counts) run through DuckDB on either
backend (reporting.frame / dicts: on PostgreSQL over Arrow, warehouse/pg_reads.py). The catalogue reads by key (which
years have approved values, an indicator's definition, parts and milestones) run on the warehouse's own connection:
a few rows by index, where reading every cycle's values into DuckDB first would cost more than the answer.
"""
from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from warehouse.pg_reads import cycles as of_cycles, indicator as of_indicator
from warehouse.reporting import ROW_COLUMNS, TARGET_JOINS, dicts, frame

_BASES = {"approved": "v_approved_values", "all": "v_indicator_values"}


def _view(basis: str) -> str:
    try:
        return _BASES[basis]
    except KeyError:
        raise ValueError(f"basis must be one of {tuple(_BASES)}: {basis!r}") from None


def _dicts(cur) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def approved_years(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Fiscal years whose cycle is closed or finalized and holds approved values, oldest first.

    An open cycle is left out even when some of its values are approved already: its shares would mix a few
    approved figures with many missing ones. When several strategy versions have a cycle in the same year, the
    newest version's cycle is the one reported (as master.find_cycle picks it).
    """
    return _dicts(con.execute("""
        SELECT fiscal_year, label, state, illustrative, cycle_id
        FROM (
            SELECT c.fiscal_year, c.label, c.state, c.illustrative, c.cycle_id,
                   row_number() OVER (PARTITION BY c.fiscal_year ORDER BY s.version DESC) AS pick
            FROM cycles c JOIN strategies s USING (strategy_id)
        ) c
        WHERE pick = 1 AND state IN ('closed', 'finalized')
          AND EXISTS (SELECT 1 FROM indicator_values v WHERE v.cycle_id = c.cycle_id AND v.state = 'approved')
        ORDER BY fiscal_year
    """))


def indicator_definition(con: duckdb.DuckDBPyConnection, code: str) -> dict[str, Any] | None:
    """The indicator of this code in the newest strategy version, with its names and the strategy's first year;
    its unit, target and baseline are the newest definition (the latest revision, else the original)."""
    from warehouse.revisions import definition_in_force

    rows = _dicts(con.execute("""
        SELECT i.*, d.name AS department_name, p.name AS pillar_name, it.name AS item_name,
               s.code AS strategy_code, s.version AS strategy_version, s.valid_from_fy
        FROM indicators i
        JOIN strategies s ON s.strategy_id = i.strategy_id
        LEFT JOIN departments d ON d.department_code = i.department_code
        LEFT JOIN pillars p ON p.strategy_id = i.strategy_id AND p.pillar_no = i.pillar_no
        LEFT JOIN items it ON it.strategy_id = i.strategy_id AND it.pillar_no = i.pillar_no AND it.item_no = i.item_no
        WHERE i.code = ?
        ORDER BY s.version DESC LIMIT 1
    """, [code]))
    if not rows:
        return None
    return {**rows[0], **definition_in_force(con, rows[0]["indicator_id"], None)}


def indicator_parts(con: duckdb.DuckDBPyConnection, indicator_id: int) -> list[dict[str, Any]]:
    """The parts of a composite target, in order."""
    return _dicts(con.execute(
        "SELECT part_no, label, unit, baseline_value, target_value FROM indicator_parts"
        " WHERE indicator_id = ? ORDER BY part_no", [indicator_id]))


def indicator_over_cycles(con: duckdb.DuckDBPyConnection, indicator_id: int, basis: str) -> pl.DataFrame:
    """One indicator in every cycle of its strategy (oldest first) on a basis, with the people's display names and
    its comparison and each cycle's reference value (reporting.TARGET_COLUMNS)."""
    view = _view(basis)  # one of two constant view names
    return frame(con, f"""
        SELECT {ROW_COLUMNS}, c.illustrative AS cycle_illustrative, c.deadline AS cycle_deadline,
               ue.display_name AS entered_by_name, ua.display_name AS approved_by_name
        FROM {view} v{TARGET_JOINS}
        JOIN cycles c ON c.cycle_id = v.cycle_id
        LEFT JOIN users ue ON ue.login = v.entered_by
        LEFT JOIN users ua ON ua.login = v.approved_by
        WHERE v.indicator_id = ?
        ORDER BY v.fiscal_year
    """, [indicator_id], of_indicator(indicator_id))


def indicator_parts_over_cycles(con: duckdb.DuckDBPyConnection, indicator_id: int, basis: str) -> pl.DataFrame:
    """A composite indicator's parts in every cycle, with the part figures visible on the basis."""
    _view(basis)
    return frame(con, """
        SELECT c.cycle_id, ip.indicator_id, ip.part_no, ip.label, ip.unit, ip.baseline_value, ip.target_value,
               CASE WHEN NOT ? OR vp.state = 'approved' THEN vp.value_number END AS value_number
        FROM indicator_parts ip
        JOIN indicators i ON i.indicator_id = ip.indicator_id
        JOIN cycles c ON c.strategy_id = i.strategy_id
        LEFT JOIN indicator_values v ON v.indicator_id = ip.indicator_id AND v.cycle_id = c.cycle_id
        LEFT JOIN v_value_parts vp ON vp.value_id = v.value_id AND vp.part_no = ip.part_no
        WHERE ip.indicator_id = ?
        ORDER BY c.fiscal_year, ip.part_no
    """, [basis == "approved", indicator_id], of_indicator(indicator_id))


def milestones(con: duckdb.DuckDBPyConnection, indicator_id: int) -> list[dict[str, Any]]:
    """The yearly milestones (目安値) set for an indicator, oldest first."""
    return _dicts(con.execute(
        "SELECT fiscal_year, value FROM indicator_milestones WHERE indicator_id = ? ORDER BY fiscal_year",
        [indicator_id]))


def collection_counts(con: duckdb.DuckDBPyConnection, cycle_id: int) -> list[dict[str, Any]]:
    """Active indicators of a cycle per department and workflow state ('none' when nothing was entered)."""
    return dicts(con, """
        SELECT i.department_code, d.name AS department_name, coalesce(v.state, 'none') AS state, count(*) AS n
        FROM cycles c
        JOIN indicators i ON i.strategy_id = c.strategy_id
        LEFT JOIN departments d ON d.department_code = i.department_code
        LEFT JOIN indicator_values v ON v.indicator_id = i.indicator_id AND v.cycle_id = c.cycle_id
        WHERE c.cycle_id = ? AND NOT (i.status = 'stopped' AND i.stopped_fy <= c.fiscal_year)
        GROUP BY ALL
        ORDER BY i.department_code, state
    """, [cycle_id], of_cycles([cycle_id]))
