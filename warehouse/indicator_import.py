"""Repository reads for importing an indicator list into a strategy: what already exists there."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb


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
    row = con.execute("SELECT strategy_id, code, version, name FROM strategies WHERE code = ?"
                      " ORDER BY version DESC LIMIT 1", [code]).fetchone()
    if row is None:
        return None
    sid = row[0]
    pillars = dict(con.execute("SELECT pillar_no, name FROM pillars WHERE strategy_id = ?", [sid]).fetchall())
    items = {(p, i): n for p, i, n in con.execute(
        "SELECT pillar_no, item_no, name FROM items WHERE strategy_id = ?", [sid]).fetchall()}
    found = con.execute("SELECT code, name FROM indicators WHERE strategy_id = ?", [sid]).fetchall()
    codes, names = frozenset(r[0] for r in found), frozenset(r[1] for r in found)
    max_sort = con.execute("SELECT coalesce(max(sort_order), 0) FROM indicators WHERE strategy_id = ?",
                           [sid]).fetchone()[0]
    return StrategyContents(sid, row[1], row[2], row[3], pillars, items, codes, names, int(max_sort))
