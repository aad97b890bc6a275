"""Repository of a strategy's report sections (which pillars one section of the report groups) and of a cycle's
coverage (indicators under progress management, and how many have an approved value), per pillar: a read over the
values, through DuckDB on either backend (reporting.dicts; on PostgreSQL over Arrow, warehouse/pg_reads.py)."""
from __future__ import annotations

from typing import Any

import duckdb

from warehouse.pg_reads import cycles as of_cycles
from warehouse.reporting import dicts


def sections_of_cycle(con: duckdb.DuckDBPyConnection, cycle_id: int) -> list[list[int]]:
    """The configured sections of the cycle's strategy, in section order, each a list of pillar numbers
    ([] when the strategy configures none)."""
    rows = con.execute(
        "SELECT r.section_no, r.pillar_no FROM report_sections r JOIN cycles c ON c.strategy_id = r.strategy_id"
        " WHERE c.cycle_id = ? ORDER BY r.section_no, r.pillar_no", [cycle_id]).fetchall()
    out: dict[int, list[int]] = {}
    for section_no, pillar_no in rows:
        out.setdefault(section_no, []).append(pillar_no)
    return list(out.values())


def replace_sections(con: duckdb.DuckDBPyConnection, strategy_id: int, sections: list[list[int]]) -> None:
    """Store a strategy's sections (section n = sections[n-1]), replacing what it had."""
    con.execute("DELETE FROM report_sections WHERE strategy_id = ?", [strategy_id])
    for n, pillars in enumerate(sections, start=1):
        for pillar_no in pillars:
            con.execute("INSERT INTO report_sections VALUES (?, ?, ?)", [strategy_id, n, pillar_no])


def coverage_by_pillar(con: duckdb.DuckDBPyConnection, cycle_id: int) -> list[dict[str, Any]]:
    """Per pillar: indicators under progress management in the cycle's year (in force, not stopped) and how many
    of them hold an approved value."""
    return dicts(con, """
        SELECT i.pillar_no, p.name AS pillar_name, count(*) AS total,
               count(*) FILTER (WHERE v.state = 'approved') AS approved
        FROM cycles c
        JOIN indicators i ON i.strategy_id = c.strategy_id
        LEFT JOIN pillars p ON p.strategy_id = i.strategy_id AND p.pillar_no = i.pillar_no
        LEFT JOIN indicator_values v ON v.indicator_id = i.indicator_id AND v.cycle_id = c.cycle_id
        WHERE c.cycle_id = ? AND NOT (i.status = 'stopped' AND i.stopped_fy <= c.fiscal_year)
          AND (i.valid_from_fy IS NULL OR i.valid_from_fy <= c.fiscal_year)
        GROUP BY ALL
        ORDER BY i.pillar_no
    """, [cycle_id], of_cycles([cycle_id]))
