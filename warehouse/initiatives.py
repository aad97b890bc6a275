"""Repository of initiatives (主な取組) and their photos, the strategy outline, cycle conclusions, and what an
edition froze of them (migration 005)."""
from __future__ import annotations

import json
from typing import Any

import duckdb

_INITIATIVE_FIELDS = ("area_code", "title", "period_text", "points_json", "figure_label", "figure_value",
                      "figure_unit", "base_value", "base_kind", "continued", "sort_order")


def _dicts(cur) -> list[dict]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


# --- areas ------------------------------------------------------------------------------------------------


def upsert_area(con: duckdb.DuckDBPyConnection, code: str, name: str, scope: str | None, sort_order: int) -> None:
    """Add or rename an area of the 主な取組 pages."""
    con.execute("INSERT INTO initiative_areas (area_code, name, scope, sort_order) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (area_code) DO UPDATE SET name = excluded.name, scope = excluded.scope,"
                " sort_order = excluded.sort_order", [code, name, scope, sort_order])


def list_areas(con: duckdb.DuckDBPyConnection, *, active_only: bool = True) -> list[dict]:
    """Areas in report order: code, name, scope, label (（県庁）職員の意識醸成)."""
    rows = _dicts(con.execute("SELECT area_code AS code, name, scope, sort_order, active FROM initiative_areas"
                              " WHERE active OR NOT ? ORDER BY sort_order, area_code", [active_only]))
    for r in rows:
        r["label"] = f"（{r['scope']}）{r['name']}" if r["scope"] else r["name"]
    return rows


# --- initiatives ------------------------------------------------------------------------------------------


def insert_initiative(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> int:
    """A new initiative (state given by the caller); returns its id."""
    cols = ("cycle_id", "department_code", "state", "entered_by") + _INITIATIVE_FIELDS
    return con.execute(
        f"INSERT INTO initiatives ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"  # constant names
        " RETURNING initiative_id", [row.get(c) for c in cols]).fetchone()[0]


def update_initiative(con: duckdb.DuckDBPyConnection, initiative_id: int, expected_version: int,
                      fields: dict[str, Any], *, state: str, entered_by: str) -> int | None:
    """Replace the typed fields if the version is still expected; the new version, or None on conflict."""
    sets = ", ".join(f"{c} = ?" for c in _INITIATIVE_FIELDS)  # constant names
    row = con.execute(
        f"UPDATE initiatives SET {sets}, state = ?, entered_by = ?, version = version + 1,"
        " updated_at = current_timestamp WHERE initiative_id = ? AND version = ? RETURNING version",
        [fields.get(c) for c in _INITIATIVE_FIELDS] + [state, entered_by, initiative_id, expected_version],
    ).fetchone()
    return None if row is None else row[0]


def update_state(con: duckdb.DuckDBPyConnection, initiative_id: int, expected_version: int, new_state: str, *,
                 actor: str, comment: str | None = None) -> int | None:
    """Move an initiative to new_state if its version is still expected; the new version, or None on conflict."""
    row = con.execute(
        "UPDATE initiatives SET state = ?, version = version + 1, updated_at = current_timestamp,"
        " approved_by = CASE WHEN ? = 'approved' THEN ? ELSE NULL END,"
        " approved_at = CASE WHEN ? = 'approved' THEN current_timestamp ELSE NULL END,"
        " review_comment = coalesce(?, review_comment)"
        " WHERE initiative_id = ? AND version = ? RETURNING version",
        [new_state, new_state, actor, new_state, comment, initiative_id, expected_version],
    ).fetchone()
    return None if row is None else row[0]


_SELECT = (
    "SELECT i.*, a.name AS area_name, a.scope AS area_scope, a.sort_order AS area_sort,"
    " d.name AS department_name, c.fiscal_year,"
    " (SELECT count(*) FROM initiative_photos p WHERE p.initiative_id = i.initiative_id) AS photo_count"
    " FROM initiatives i JOIN cycles c USING (cycle_id)"
    " LEFT JOIN initiative_areas a USING (area_code) LEFT JOIN departments d USING (department_code)"
)


def _decode(r: dict) -> dict:
    r["points"] = json.loads(r.pop("points_json") or "[]")
    scope = r.get("area_scope")
    r["area_label"] = f"（{scope}）{r['area_name']}" if scope else r.get("area_name")
    return r


def get_initiative(con: duckdb.DuckDBPyConnection, initiative_id: int) -> dict | None:
    """One initiative with its area, department and fiscal year, or None."""
    rows = _dicts(con.execute(_SELECT + " WHERE i.initiative_id = ?", [initiative_id]))
    return _decode(rows[0]) if rows else None


def list_initiatives(con: duckdb.DuckDBPyConnection, cycle_id: int, *, departments: list[str] | None = None,
                     states: list[str] | None = None) -> list[dict]:
    """Initiatives of a cycle in report order (area, then the department's order, then entry)."""
    return [_decode(r) for r in _dicts(con.execute(
        _SELECT + " WHERE i.cycle_id = ? AND (? IS NULL OR list_contains(?, i.department_code))"
        " AND (? IS NULL OR list_contains(?, i.state))"
        " ORDER BY a.sort_order, i.area_code, i.sort_order, i.initiative_id",
        [cycle_id, departments, departments, states, states]))]


# --- photos -----------------------------------------------------------------------------------------------


def insert_photo(con: duckdb.DuckDBPyConnection, initiative_id: int, *, caption: str | None, mime: str,
                 content: bytes, sha256: str, width: int | None, height: int | None, uploaded_by: str) -> int:
    """Store a checked photo; returns its id."""
    order = con.execute("SELECT coalesce(max(sort_order), 0) + 1 FROM initiative_photos WHERE initiative_id = ?",
                        [initiative_id]).fetchone()[0]
    return con.execute(
        "INSERT INTO initiative_photos (initiative_id, caption, mime, content, sha256, width, height, sort_order,"
        " uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING photo_id",
        [initiative_id, caption, mime, content, sha256, width, height, order, uploaded_by]).fetchone()[0]


def delete_photo(con: duckdb.DuckDBPyConnection, initiative_id: int, photo_id: int) -> bool:
    """Remove a photo of an initiative; False when it was not there."""
    return con.execute("DELETE FROM initiative_photos WHERE initiative_id = ? AND photo_id = ? RETURNING photo_id",
                       [initiative_id, photo_id]).fetchone() is not None


def photos_of(con: duckdb.DuckDBPyConnection, initiative_ids: list[int], *, content: bool = False) -> dict[int, list[dict]]:
    """Photos per initiative in order: id, caption, mime, sha256, size (and the bytes when asked)."""
    out: dict[int, list[dict]] = {i: [] for i in initiative_ids}
    if not initiative_ids:
        return out
    cols = "photo_id, initiative_id, caption, mime, sha256, width, height, octet_length(content) AS size" + \
        (", content" if content else "")
    for r in _dicts(con.execute(f"SELECT {cols} FROM initiative_photos WHERE initiative_id IN (SELECT unnest(?))"
                                " ORDER BY initiative_id, sort_order, photo_id", [list(initiative_ids)])):
        if content:
            r["content"] = bytes(r["content"])
        out[r["initiative_id"]].append(r)
    return out


# --- outline and conclusions ------------------------------------------------------------------------------


_OUTLINE_FIELDS = ("purpose", "period_text", "vision", "approach", "players_json", "pillar_notes_json", "bodies_json")
_CONCLUSION_FIELDS = ("title", "lead", "findings_json", "direction")


def get_outline(con: duckdb.DuckDBPyConnection, strategy_id: int) -> dict | None:
    """The outline of a strategy version (lists decoded), or None."""
    rows = _dicts(con.execute("SELECT * FROM strategy_outlines WHERE strategy_id = ?", [strategy_id]))
    if not rows:
        return None
    r = rows[0]
    r["players"] = json.loads(r.pop("players_json"))
    r["pillar_notes"] = {int(k): v for k, v in json.loads(r.pop("pillar_notes_json")).items()}
    r["bodies"] = json.loads(r.pop("bodies_json"))
    return r


def save_outline(con: duckdb.DuckDBPyConnection, strategy_id: int, fields: dict[str, Any], *,
                 expected_version: int | None, actor: str) -> int | None:
    """Create (expected_version None) or replace the outline; the new version, or None on a conflict."""
    vals = [fields.get(c) for c in _OUTLINE_FIELDS]
    if expected_version is None:
        if con.execute("SELECT 1 FROM strategy_outlines WHERE strategy_id = ?", [strategy_id]).fetchone():
            return None
        con.execute(f"INSERT INTO strategy_outlines (strategy_id, {', '.join(_OUTLINE_FIELDS)}, updated_by)"
                    f" VALUES (?, {', '.join('?' for _ in _OUTLINE_FIELDS)}, ?)", [strategy_id, *vals, actor])
        return 1
    row = con.execute(
        f"UPDATE strategy_outlines SET {', '.join(f'{c} = ?' for c in _OUTLINE_FIELDS)}, updated_by = ?,"
        " version = version + 1, updated_at = current_timestamp WHERE strategy_id = ? AND version = ?"
        " RETURNING version", [*vals, actor, strategy_id, expected_version]).fetchone()
    return None if row is None else row[0]


def get_conclusions(con: duckdb.DuckDBPyConnection, cycle_id: int) -> dict | None:
    """The conclusions of a cycle (findings decoded), or None."""
    rows = _dicts(con.execute("SELECT * FROM cycle_conclusions WHERE cycle_id = ?", [cycle_id]))
    if not rows:
        return None
    r = rows[0]
    r["findings"] = json.loads(r.pop("findings_json"))
    return r


def save_conclusions(con: duckdb.DuckDBPyConnection, cycle_id: int, fields: dict[str, Any], *,
                     expected_version: int | None, actor: str) -> int | None:
    """Create (expected_version None) or replace the conclusions; the new version, or None on a conflict."""
    vals = [fields.get(c) for c in _CONCLUSION_FIELDS]
    if expected_version is None:
        if con.execute("SELECT 1 FROM cycle_conclusions WHERE cycle_id = ?", [cycle_id]).fetchone():
            return None
        con.execute(f"INSERT INTO cycle_conclusions (cycle_id, {', '.join(_CONCLUSION_FIELDS)}, updated_by)"
                    f" VALUES (?, {', '.join('?' for _ in _CONCLUSION_FIELDS)}, ?)", [cycle_id, *vals, actor])
        return 1
    row = con.execute(
        f"UPDATE cycle_conclusions SET {', '.join(f'{c} = ?' for c in _CONCLUSION_FIELDS)}, updated_by = ?,"
        " version = version + 1, updated_at = current_timestamp WHERE cycle_id = ? AND version = ?"
        " RETURNING version", [*vals, actor, cycle_id, expected_version]).fetchone()
    return None if row is None else row[0]


def strategy_of_cycle(con: duckdb.DuckDBPyConnection, cycle_id: int) -> int | None:
    """The strategy version a cycle belongs to."""
    row = con.execute("SELECT strategy_id FROM cycles WHERE cycle_id = ?", [cycle_id]).fetchone()
    return None if row is None else row[0]


# --- editions ---------------------------------------------------------------------------------------------


def insert_edition_narrative(con: duckdb.DuckDBPyConnection, edition_id: int, narrative_json: str) -> None:
    """Freeze what an edition published besides the figures."""
    con.execute("INSERT INTO edition_narratives VALUES (?, ?)", [edition_id, narrative_json])


def edition_narrative(con: duckdb.DuckDBPyConnection, edition_id: int) -> str | None:
    """The frozen narrative JSON of an edition, or None (editions published before migration 005)."""
    row = con.execute("SELECT narrative_json FROM edition_narratives WHERE edition_id = ?", [edition_id]).fetchone()
    return None if row is None else row[0]


def pillars_with_items(con: duckdb.DuckDBPyConnection, strategy_id: int) -> list[dict]:
    """The strategy version's pillars, each with its items in order."""
    pillars = _dicts(con.execute("SELECT pillar_no AS no, name FROM pillars WHERE strategy_id = ? ORDER BY pillar_no",
                                 [strategy_id]))
    items = _dicts(con.execute("SELECT pillar_no, item_no AS no, name FROM items WHERE strategy_id = ?"
                               " ORDER BY pillar_no, item_no", [strategy_id]))
    for p in pillars:
        p["items"] = [{"no": i["no"], "name": i["name"]} for i in items if i["pillar_no"] == p["no"]]
    return pillars
