"""The approved basis blanks the figures of values that are not approved; the 'all' basis shows them."""
from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

import warehouse
from warehouse import reporting

NOT_APPROVED = ("draft", "submitted", "returned")
BLANKED = ("value_number", "value_text", "value_kind", "value_label", "period_text", "value_fy", "note",
           "qualitative_achieved", "reason", "reason_category", "reason_category_name", "remark")


def _cycle_id(con) -> int:
    # fetchall, not fetchone, out of habit: a pending result once blocked con.sql() (see the test at the end)
    [(cycle_id,)] = con.execute("SELECT cycle_id FROM cycles WHERE fiscal_year = 2021").fetchall()
    return cycle_id


def _numeric_value(con) -> tuple[int, int, Decimal]:
    """(value_id, indicator_id, number) of the first demo value that has a number and a reason."""
    return con.execute(
        "SELECT value_id, indicator_id, value_number FROM indicator_values"
        " WHERE value_number IS NOT NULL AND reason IS NOT NULL ORDER BY value_id LIMIT 1").fetchall()[0]


def _composite(con) -> tuple[int, int]:
    """(indicator_id, value_id) of the composite 森林クラウド indicator."""
    return con.execute(
        "SELECT i.indicator_id, v.value_id FROM indicators i JOIN indicator_values v USING (indicator_id)"
        " WHERE i.name LIKE '%森林クラウド%' AND i.target_type = 'composite'").fetchall()[0]


def _row(frame, indicator_id: int) -> dict:
    rows = frame.filter(frame["indicator_id"] == indicator_id).to_dicts()
    assert len(rows) == 1
    return rows[0]


def test_on_the_fully_approved_demo_both_bases_show_the_same_rows(wh_demo_template):
    with warehouse.connect(wh_demo_template) as con:
        cycle_id = _cycle_id(con)
        approved = reporting.cycle_rows(con, cycle_id, "approved")
        everything = reporting.cycle_rows(con, cycle_id, "all")
        parts_approved = reporting.cycle_parts(con, cycle_id, "approved")
        parts_all = reporting.cycle_parts(con, cycle_id, "all")
    assert approved.height == 68
    assert approved.equals(everything)
    assert parts_approved.equals(parts_all)
    assert approved["value_number"].null_count() < approved.height


def test_cycle_rows_are_in_report_order(wh_demo_template):
    with warehouse.connect(wh_demo_template) as con:
        rows = reporting.cycle_rows(con, _cycle_id(con), "all")
    keys = list(zip(rows["pillar_no"], rows["item_no"], rows["sort_order"], rows["code"]))
    assert keys == sorted(keys)


@pytest.mark.parametrize("state", NOT_APPROVED)
def test_approved_basis_blanks_the_figures_of_a_value_that_is_not_approved(wh_demo_copy, state):
    with warehouse.connect(wh_demo_copy) as con:
        cycle_id = _cycle_id(con)
        value_id, indicator_id, number = _numeric_value(con)
        con.execute("UPDATE indicator_values SET state = ? WHERE value_id = ?", [state, value_id])

        approved = reporting.cycle_rows(con, cycle_id, "approved")
        everything = reporting.cycle_rows(con, cycle_id, "all")

    blanked = _row(approved, indicator_id)
    shown = _row(everything, indicator_id)
    assert blanked["value_number"] is None
    assert shown["value_number"] == number
    assert shown["reason"] is not None
    assert {c: blanked[c] for c in BLANKED} == dict.fromkeys(BLANKED)
    # the row itself stays, with its definition and its state, so a report can say "not yet approved"
    assert blanked["state"] == state
    assert blanked["target_value"] == shown["target_value"]
    # every other value is untouched
    others = approved.filter(approved["indicator_id"] != indicator_id)
    assert others.equals(everything.filter(everything["indicator_id"] != indicator_id))


@pytest.mark.parametrize("state", NOT_APPROVED)
def test_approved_basis_blanks_the_parts_of_a_composite_value_that_is_not_approved(wh_demo_copy, state):
    with warehouse.connect(wh_demo_copy) as con:
        cycle_id = _cycle_id(con)
        indicator_id, value_id = _composite(con)
        con.execute("UPDATE indicator_values SET state = ? WHERE value_id = ?", [state, value_id])

        parts_approved = reporting.cycle_parts(con, cycle_id, "approved")
        parts_all = reporting.cycle_parts(con, cycle_id, "all")
        row_approved = _row(reporting.cycle_rows(con, cycle_id, "approved"), indicator_id)
        row_all = _row(reporting.cycle_rows(con, cycle_id, "all"), indicator_id)

    mine_approved = parts_approved.filter(parts_approved["indicator_id"] == indicator_id)
    mine_all = parts_all.filter(parts_all["indicator_id"] == indicator_id)
    assert mine_approved["part_no"].to_list() == [1, 2, 3]
    assert mine_approved["value_number"].to_list() == [None, None, None]
    assert mine_all["value_number"].to_list() == [Decimal(1), Decimal(52), Decimal(2)]
    # the targets are definitions, not figures: shown on both bases
    assert mine_approved["target_value"].to_list() == mine_all["target_value"].to_list()
    assert mine_all["target_value"].to_list() == [Decimal(1), Decimal(52), Decimal(13)]
    # the composite's own row (its figure is text) is blanked the same way
    assert row_approved["value_text"] is None
    assert row_all["value_text"] is not None


def test_an_approved_value_shows_its_figure_again_on_the_approved_basis(wh_demo_copy):
    with warehouse.connect(wh_demo_copy) as con:
        cycle_id = _cycle_id(con)
        value_id, indicator_id, number = _numeric_value(con)
        con.execute("UPDATE indicator_values SET state = 'submitted' WHERE value_id = ?", [value_id])
        assert _row(reporting.cycle_rows(con, cycle_id, "approved"), indicator_id)["value_number"] is None
        con.execute("UPDATE indicator_values SET state = 'approved' WHERE value_id = ?", [value_id])
        assert _row(reporting.cycle_rows(con, cycle_id, "approved"), indicator_id)["value_number"] == number


@pytest.mark.parametrize("query", [reporting.cycle_rows, reporting.cycle_parts], ids=["cycle_rows", "cycle_parts"])
def test_an_unknown_basis_is_refused(wh_demo_template, query):
    with warehouse.connect(wh_demo_template) as con:
        with pytest.raises(ValueError, match="basis"):
            query(con, _cycle_id(con), "approved; DROP TABLE indicators")


def test_cycle_rows_and_parts_work_right_after_find_cycle_on_the_same_connection(wh_demo_template):
    from warehouse import master

    with warehouse.connect(wh_demo_template) as con:
        cycle = master.find_cycle(con, 2021)
        rows = reporting.cycle_rows(con, cycle["cycle_id"], "approved")
        master.count_strategies(con)
        parts = reporting.cycle_parts(con, cycle["cycle_id"], "approved")
    assert rows.height == 68
    assert parts.height == 3
