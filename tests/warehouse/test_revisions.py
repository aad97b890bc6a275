"""Migration 006: the reporting views evaluate each cycle against the definition in force for its fiscal year."""
from __future__ import annotations

from decimal import Decimal

import pytest

import warehouse
from warehouse import master, revisions

# v_indicator_values' columns, in migration 002's order: the Python readers rely on names and order.
COLUMNS_002 = [
    "cycle_id", "fiscal_year", "cycle_label", "cycle_state", "strategy_id", "strategy_code", "strategy_version",
    "indicator_id", "code", "name", "unit", "pillar_no", "pillar_name", "item_no", "item_name", "department_code",
    "department_name", "target_type", "direction", "baseline_value", "baseline_text", "baseline_fy",
    "baseline_fy_text", "baseline_illustrative", "target_value", "target_text", "target_fy", "indicator_status",
    "stop_reason", "stopped_fy", "illustrative", "seed_section", "sort_order", "stopped_in_cycle", "value_id",
    "value_number", "value_text", "value_kind", "value_label", "period_text", "value_fy", "note",
    "qualitative_achieved", "reason", "reason_category", "reason_category_name", "reason_illustrative", "remark",
    "state", "version", "entered_by", "approved_by", "approved_at", "review_comment",
]


def _columns(con, view: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description]  # constant view names


def _definitions(con, code: str) -> dict[int, tuple]:
    rows = con.execute("SELECT fiscal_year, unit, target_type, direction, baseline_value, target_value, target_text"
                       " FROM v_indicator_values WHERE code = ? ORDER BY fiscal_year", [code]).fetchall()
    return {r[0]: r[1:] for r in rows}


def _revise(con, code: str, fy: int, **changes) -> int:
    ind = master.indicator_id_by_code(con, code)
    base = revisions.definition_in_force(con, ind, fy)
    return revisions.insert_revision(con, ind, fy, {**base, **changes}, reason="テスト", changed_by="reviewer")


def test_the_views_keep_every_column_of_migration_002_in_order(demo_warehouse):
    with warehouse.connect(demo_warehouse) as con:
        assert _columns(con, "v_indicator_values") == COLUMNS_002
        assert _columns(con, "v_approved_values") == COLUMNS_002


def test_without_revisions_every_cycle_reads_the_original_definition(demo_warehouse):
    with warehouse.connect(demo_warehouse) as con:
        defs = _definitions(con, "P1-1-04")  # RPA 削減時間: 0時間 → 6,000時間
    assert set(defs) == {2019, 2020, 2021, 2022}
    assert set(defs.values()) == {("時間", "numeric", "higher", Decimal("0"), Decimal("6000"), "6,000時間")}


def test_each_cycle_reads_the_latest_revision_in_force_for_its_year(demo_warehouse):
    with warehouse.transaction(demo_warehouse) as con:
        _revise(con, "P1-1-04", 2021, target_value=Decimal("7000"), target_text="7,000時間")
        _revise(con, "P1-1-04", 2022, baseline_value=Decimal("100"), target_value=Decimal("9000"))
        _revise(con, "P1-1-04", 2022, target_value=Decimal("9500"))  # the same year again: the later one wins
    with warehouse.connect(demo_warehouse) as con:
        defs = _definitions(con, "P1-1-04")
        other = _definitions(con, "P1-1-01")
        approved = con.execute("SELECT fiscal_year, target_value FROM v_approved_values WHERE code = 'P1-1-04'"
                               " ORDER BY fiscal_year").fetchall()
    assert {fy: d[4] for fy, d in defs.items()} == {2019: Decimal("6000"), 2020: Decimal("6000"),
                                                     2021: Decimal("7000"), 2022: Decimal("9500")}
    assert defs[2022][3] == Decimal("100")  # the whole definition of the revision, not only the changed field
    assert defs[2020][3] == Decimal("0")
    assert approved == [(fy, defs[fy][4]) for fy in sorted(defs)]
    assert set(other.values()) == {("人", "numeric", "higher", None, Decimal("280"), "280人")}  # untouched


def test_a_revision_can_change_unit_direction_and_target_type(demo_warehouse):
    with warehouse.transaction(demo_warehouse) as con:
        _revise(con, "P1-3-02", 2022, target_type="numeric", target_value=Decimal("40"), target_text="40人",
                unit="人")
    with warehouse.connect(demo_warehouse) as con:
        defs = _definitions(con, "P1-3-02")
    assert defs[2021][:3] == ("名", "increase", "higher") and defs[2021][4] is None
    assert defs[2022][:3] == ("人", "numeric", "higher") and defs[2022][4] == Decimal("40")


def test_a_revision_without_a_reason_is_refused_by_the_warehouse(demo_warehouse):
    with warehouse.transaction(demo_warehouse) as con:
        ind = master.indicator_id_by_code(con, "P1-1-04")
        base = revisions.definition_in_force(con, ind, 2022)
    with pytest.raises(Exception, match="(?i)check"):  # DuckDB: CHECK constraint; PostgreSQL: check constraint
        with warehouse.transaction(demo_warehouse) as con:
            revisions.insert_revision(con, ind, 2022, base, reason="  ", changed_by="reviewer")
