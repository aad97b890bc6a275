"""Migration 009: the cycle-scoped table macros read exactly the rows of the reporting views of migrations 006/008.

The reference is the views' SQL as migrations 006 and 008 shipped it (read from those files and created as
temporary views), so the macros (and the views now built on them) are checked against the original semantics:
definitions in force per cycle, indicators in force (valid_from_fy), stopped_in_cycle, approved-basis blanking,
the same columns in the same order. Checked on the demo as loaded, and on the demo with revisions, an indicator
imported later, a stopped indicator and unapproved values.
"""
from __future__ import annotations

import re
from decimal import Decimal

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import warehouse
from tests.warehouse.test_revisions import COLUMNS_002
from warehouse import master, reporting, revisions, values
from warehouse.migrations import MIGRATIONS_DIR

BASES = {"approved": ("cycle_approved_values", "ref_approved_values"),
         "all": ("cycle_indicator_values", "ref_indicator_values")}
REPORT_ORDER = ["pillar_no", "item_no", "sort_order", "code"]


def _view_statement(migration: str, view: str) -> str:
    """The CREATE VIEW statement of `view` as the migration file wrote it."""
    text = (MIGRATIONS_DIR / migration).read_text(encoding="utf-8")
    found = re.search(rf"CREATE OR REPLACE VIEW {view} AS.*?;", text, re.S)
    assert found, f"{migration} defines {view}"
    return found.group(0)


def _create_reference_views(con) -> None:
    """The 006/008 views as temporary ref_* views (their text unchanged but for the names)."""
    statements = [_view_statement("006_master_revisions.sql", "v_definitions_in_force"),
                  _view_statement("008_indicator_valid_from.sql", "v_indicator_values"),
                  _view_statement("008_indicator_valid_from.sql", "v_approved_values")]
    for sql in statements:
        sql = sql.replace("CREATE OR REPLACE VIEW", "CREATE OR REPLACE TEMP VIEW")
        for name in ("v_definitions_in_force", "v_indicator_values", "v_approved_values"):
            sql = sql.replace(name, "ref_" + name[2:])
        con.execute(sql)


def _rows(con, sql: str, params: list) -> list[tuple]:
    return con.execute(sql, params).fetchall()


def _changed_demo(path) -> dict:
    """Revisions (two in one year: the later wins), an indicator imported for FY2022 on, one stopped from FY2020,
    and unapproved values in the open FY2022 cycle (draft, submitted, returned) next to an approved one."""
    with warehouse.transaction(path) as con:
        cycles = {c["fiscal_year"]: c["cycle_id"] for c in master.list_cycles(con)}
        revised = master.indicator_id_by_code(con, "P1-1-04")
        base = revisions.definition_in_force(con, revised, 2021)
        revisions.insert_revision(con, revised, 2021, {**base, "target_value": Decimal("7000"),
                                                        "target_text": "7,000時間"}, reason="目標上方修正",
                                  changed_by="reviewer")
        revisions.insert_revision(con, revised, 2022, {**base, "unit": "件", "target_type": "increase",
                                                        "target_value": None}, reason="単位変更", changed_by="reviewer")
        revisions.insert_revision(con, revised, 2022, {**base, "target_value": Decimal("9500")}, reason="再修正",
                                  changed_by="reviewer")
        template = master.get_indicator(con, master.indicator_id_by_code(con, "P1-1-01"))
        imported = master.insert_indicator(con, {**template, "code": "P1-1-99", "name": "後から追加した指標",
                                                 "sort_order": 99, "valid_from_fy": 2022})
        stopped = master.indicator_id_by_code(con, "P1-1-02")
        master.set_indicator_status(con, stopped, "stopped", "事業終了", 2020)
        for code, state, number in (("P1-1-01", "approved", "10"), ("P1-1-03", "draft", "20"),
                                    ("P1-1-04", "submitted", "30"), ("P1-1-99", "returned", "40")):
            values.insert_value(con, {
                "indicator_id": master.indicator_id_by_code(con, code), "cycle_id": cycles[2022],
                "value_number": Decimal(number), "value_text": f"{number}件", "value_kind": "actual",
                "reason": f"{code} の要因", "reason_category": None, "state": state, "entered_by": "editor1"})
    return {"cycles": cycles, "revised": revised, "imported": imported, "stopped": stopped}


@pytest.fixture(params=["demo", "changed"])
def scenario(request, wh_demo_copy):
    """(path, what changed or None): the demo as loaded, or with every case the views handle."""
    return wh_demo_copy, (_changed_demo(wh_demo_copy) if request.param == "changed" else None)


def test_macros_keep_every_column_of_migration_002_in_order(wh_demo_copy):
    with warehouse.connect(wh_demo_copy) as con:
        for macro, _ in BASES.values():
            cols = [d[0] for d in con.execute(f"SELECT * FROM {macro}([1]) LIMIT 0").description]
            assert cols == COLUMNS_002
        for view in ("v_indicator_values", "v_approved_values"):
            assert [r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()] == COLUMNS_002


# DuckDB only: the reference is the 006/008 views' DuckDB text run as temporary views; on PostgreSQL the three
# reads are functions over those very views (warehouse/migrations/postgres/009_cycle_reads.sql).
@pytest.mark.parametrize("backend", ["duckdb"])
@pytest.mark.parametrize("basis", sorted(BASES))
def test_each_cycle_read_first_equals_the_original_view_row_for_row(scenario, basis):
    path, _ = scenario
    macro, ref = BASES[basis]
    with warehouse.connect(path) as con:
        _create_reference_views(con)
        cycle_ids = [c["cycle_id"] for c in master.list_cycles(con)]
        order = " ORDER BY cycle_id, indicator_id"
        for cid in cycle_ids:
            expected = _rows(con, f"SELECT * FROM {ref} WHERE cycle_id = ?{order}", [cid])
            assert expected, f"cycle {cid} has indicators"
            assert _rows(con, f"SELECT * FROM {macro}(?::INTEGER[]){order}", [[cid]]) == expected
        everything = _rows(con, f"SELECT * FROM {ref}{order}", [])
        assert _rows(con, f"SELECT * FROM {macro}(?::INTEGER[]){order}", [cycle_ids]) == everything
        assert _rows(con, f"SELECT * FROM {macro}(NULL::INTEGER[]){order}", []) == everything
        view = "v_approved_values" if basis == "approved" else "v_indicator_values"
        assert _rows(con, f"SELECT * FROM {view}{order}", []) == everything
        assert _rows(con, f"SELECT * FROM {macro}(?::INTEGER[])", [[]]) == []
        defs = "SELECT * FROM {} ORDER BY cycle_id, indicator_id"
        assert _rows(con, defs.format("definitions_in_force(NULL::INTEGER[])"), []) \
            == _rows(con, defs.format("ref_definitions_in_force"), [])


def test_the_changed_demo_exercises_each_rule_of_the_view(wh_demo_copy):
    """The cases above are real: the macro's rows show each rule (so equality with the view means something)."""
    changed = _changed_demo(wh_demo_copy)
    cycles = changed["cycles"]
    with warehouse.connect(wh_demo_copy) as con:
        def one(macro: str, fy: int, indicator_id: int):
            row = con.execute(f"SELECT target_value, unit, stopped_in_cycle, value_number, reason, state"
                              f" FROM {macro}(?::INTEGER[]) WHERE indicator_id = ?",
                              [[cycles[fy]], indicator_id]).fetchone()
            return row

        assert one("cycle_indicator_values", 2020, changed["revised"])[0] == Decimal("6000")
        assert one("cycle_indicator_values", 2021, changed["revised"])[0] == Decimal("7000")
        assert one("cycle_indicator_values", 2022, changed["revised"])[:2] == (Decimal("9500"), "時間")
        assert one("cycle_indicator_values", 2021, changed["imported"]) is None
        assert one("cycle_indicator_values", 2022, changed["imported"])[3:] == (Decimal("40"), "P1-1-99 の要因",
                                                                               "returned")
        assert one("cycle_approved_values", 2022, changed["imported"])[3:] == (None, None, "returned")
        assert one("cycle_indicator_values", 2019, changed["stopped"])[2] is False
        assert one("cycle_indicator_values", 2020, changed["stopped"])[2] is True


def _with_targets(ref: str) -> str:
    """The original view's rows with each target's comparison and the cycle's reference value (migration 010),
    relative targets typed 'relative' — what every rating read carries."""
    return (f"(SELECT r.* REPLACE (CASE WHEN t.relative_reference IS NOT NULL THEN 'relative' ELSE r.target_type"
            f" END AS target_type), t.comparison, rv.reference_value FROM {ref} r"
            " LEFT JOIN indicator_targets t ON t.indicator_id = r.indicator_id"
            " LEFT JOIN relative_reference_values rv ON rv.indicator_id = r.indicator_id AND rv.cycle_id = r.cycle_id)")


# DuckDB only: the reference is the 006/008 views' DuckDB text run as temporary views; on PostgreSQL the three
# reads are functions over those very views (warehouse/migrations/postgres/009_cycle_reads.sql).
@pytest.mark.parametrize("backend", ["duckdb"])
def test_reporting_reads_equal_the_original_view(scenario):
    """What the dashboard, lists and trends read (warehouse.reporting) is the original view's rows."""
    path, _ = scenario
    with warehouse.transaction(path) as con:  # a strict target, and a relative one with one cycle's reference value
        first, second = [r[0] for r in con.execute("SELECT indicator_id FROM indicators WHERE target_type = 'numeric'"
                                                   " ORDER BY indicator_id LIMIT 2").fetchall()]
        con.execute("INSERT INTO indicator_targets (indicator_id, comparison) VALUES (?, 'gt')", [first])
        con.execute("INSERT INTO indicator_targets (indicator_id, comparison, relative_reference)"
                    " VALUES (?, 'gt', '全国平均')", [second])
        con.execute("INSERT INTO relative_reference_values (indicator_id, cycle_id, reference_value, source, entered_by)"
                    " SELECT ?, min(cycle_id), 64.0, '全国調査', 'test' FROM cycles", [second])
    with warehouse.connect(path) as con:
        _create_reference_views(con)
        cycle_ids = [c["cycle_id"] for c in master.list_cycles(con)]
        assert reporting.frame(con, f"SELECT count(*) AS n FROM {_with_targets('v_indicator_values')}"
                                    " WHERE target_type = 'relative' AND reference_value IS NOT NULL", [])["n"][0] == 1
        for basis, (_, plain) in BASES.items():
            ref = _with_targets(plain)
            for cid in cycle_ids:
                expected = reporting.frame(con, f"SELECT * FROM {ref} WHERE cycle_id = ? ORDER BY "
                                                + ", ".join(REPORT_ORDER), [cid])
                assert_frame_equal(reporting.cycle_rows(con, cid, basis), expected)
                some = expected["indicator_id"].to_list()[::3]
                assert_frame_equal(reporting.rows_of(con, cid, some, basis),
                                   expected.filter(pl.col("indicator_id").is_in(some)))
                assert_frame_equal(reporting.texts(con, cid, basis, ordered=True),
                                   expected.select("indicator_id", "code", "name", "reason"))
            cols = ", ".join(reporting.EVAL_COLUMNS + reporting.TARGET_COLUMNS)
            key = ["cycle_id", "indicator_id"]
            expected = reporting.frame(con, f"SELECT {cols} FROM {ref} ORDER BY cycle_id, indicator_id", [])
            assert_frame_equal(reporting.evaluation_frame(con, cycle_ids, basis).sort(key), expected)
            batches = pl.concat(list(reporting.evaluation_batches(con, cycle_ids, basis,
                                                                  columns=reporting.EVAL_COLUMNS, batch_rows=50)))
            assert_frame_equal(batches.sort(key), expected)
            with_milestones = reporting.evaluation_frame(con, cycle_ids, basis, milestones=True).sort(key)
            assert_frame_equal(with_milestones.select(reporting.EVAL_COLUMNS + reporting.TARGET_COLUMNS), expected)
        for cid in cycle_ids:
            missing = reporting.frame(con, """
                SELECT department_code, department_name, count(*) AS total,
                       count(*) FILTER (WHERE value_id IS NULL) AS missing
                FROM ref_indicator_values WHERE cycle_id = ? AND NOT coalesce(stopped_in_cycle, false)
                GROUP BY ALL HAVING count(*) FILTER (WHERE value_id IS NULL) > 0 ORDER BY department_code""", [cid])
            assert_frame_equal(reporting.missing_by_department(con, cid), missing)
            composite = reporting.frame(con, "SELECT * FROM ref_indicator_values WHERE cycle_id = ?"
                                             " AND target_type = 'composite' ORDER BY indicator_id", [cid])
            assert_frame_equal(reporting.composite_rows(con, cid).sort("indicator_id"), composite)


def test_reads_run_after_a_result_left_pending_and_see_their_own_transaction(wh_demo_copy):
    """reporting.frame and evaluation_batches read as relations, which cannot start while an execute()'s result is
    pending (a fetchone leaves one): they finish it first, on the same connection, so a read inside a transaction
    sees that transaction's own writes."""
    with warehouse.connect(wh_demo_copy) as con:
        con.execute("SELECT cycle_id FROM cycles ORDER BY cycle_id").fetchone()  # left pending
        ids = reporting.frame(con, "SELECT cycle_id FROM cycles ORDER BY cycle_id")["cycle_id"].to_list()
        con.execute("SELECT cycle_id FROM cycles").fetchone()
        rows = sum(b.height for b in reporting.evaluation_batches(con, ids[:1], "all"))
        expected = con.execute("SELECT count(*) FROM cycle_indicator_values(?::INTEGER[])", [ids[:1]]).fetchall()
    assert len(ids) >= 2 and rows == expected[0][0] > 0
    with warehouse.transaction(wh_demo_copy) as con:
        changed = con.execute("UPDATE cycles SET label = label || '（改）' WHERE cycle_id = ? RETURNING cycle_id",
                              [ids[0]]).fetchone()
        seen = reporting.frame(con, "SELECT label FROM cycles WHERE cycle_id = ?", [ids[0]])["label"].to_list()
    assert changed == (ids[0],) and seen[0].endswith("（改）")
