"""The read side on PostgreSQL runs in DuckDB over Arrow tables read with adbc (warehouse/pg_reads.py): every
reporting read gives the same rows as on the DuckDB file, a repeated read is served from the kept snapshot (only
the change counter is read), a write moves the counter and the next read reads PostgreSQL again, and a read inside
a transaction sees that transaction's own writes."""
from __future__ import annotations

import polars as pl
import pytest

import warehouse
from kpi.services import workflow
from kpi.services.workflow import DraftInput, ValueRef
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    EDITOR1, FRESH, HEAD1, OWN, REVIEWER, achieving_number, fields, stage, wf_db)
from warehouse import change_counter, insights, pg_reads, report_sections, reporting
from warehouse.pg_arrow import APPLICATION


def _cycle(con, fiscal_year: int) -> int:
    return con.execute("SELECT cycle_id FROM cycles WHERE fiscal_year = ?", [fiscal_year]).fetchone()[0]


def _reads(db) -> dict:
    """Every reporting read of FY2021 (and over its indicators) on the warehouse `db`."""
    with warehouse.connect(db) as con:
        cid = _cycle(con, 2021)
        all_cycles = [r[0] for r in con.execute("SELECT cycle_id FROM cycles ORDER BY cycle_id").fetchall()]
        rows = reporting.cycle_rows(con, cid)
        composite = rows.filter(pl.col("target_type") == "composite")["indicator_id"].to_list()
        some = rows["indicator_id"].to_list()[:7]
        return {
            "cycle_rows": rows,
            "cycle_rows_all": reporting.cycle_rows(con, cid, "all"),
            "cycle_parts": reporting.cycle_parts(con, cid),
            "composite_rows": reporting.composite_rows(con, cid),
            "missing": reporting.missing_by_department(con, cid),
            "evaluation": reporting.evaluation_frame(con, [cid], milestones=True, text=True, ordered=True),
            "batches": pl.concat(list(reporting.evaluation_batches(con, all_cycles, milestones=True))).sort(
                "cycle_id", "indicator_id"),
            "texts": reporting.texts(con, cid, "all", ordered=True),
            "parts_of_cycles": reporting.parts_of_cycles(con, all_cycles, "all"),
            "rows_of": reporting.rows_of(con, cid, some),
            "over_cycles": insights.indicator_over_cycles(con, some[0], "approved"),
            "parts_over_cycles": insights.indicator_parts_over_cycles(con, composite[0], "all"),
            "collection_counts": insights.collection_counts(con, cid),
            "coverage": report_sections.coverage_by_pillar(con, cid),
            "composites": composite,
        }


def _untimed(frame: pl.DataFrame) -> pl.DataFrame:
    """Without the clock columns (each demo was loaded at its own time)."""
    return frame.select([c for c, t in frame.schema.items() if not isinstance(t, pl.Datetime)])


def test_every_reporting_read_on_postgresql_runs_in_duckdb_and_equals_the_duckdb_file(demo_db, pg_demo_url):
    on_file = _reads(demo_db)
    before = pg_reads.loads()
    on_postgresql = _reads(pg_demo_url)
    assert pg_reads.loads() > before  # read from PostgreSQL as Arrow, into DuckDB
    assert on_file["composites"], "the demo has composite indicators (their parts are read too)"
    for name, got in on_postgresql.items():
        want = on_file[name]
        if isinstance(want, pl.DataFrame):
            assert want.height > 0 or name == "missing", name
            assert _untimed(got).equals(_untimed(want)), name
            assert got.schema == want.schema, name
        else:
            assert got == want, name


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_repeated_read_on_postgresql_reads_only_the_counter_and_an_approval_reads_again(wf_db, stage):
    ref = stage.ref(OWN, "submitted")
    code = next(c for c, r in stage.indicators.items() if r["indicator_id"] == _indicator_of(wf_db, ref))
    with warehouse.connect(wf_db) as con:
        first = reporting.cycle_rows(con, stage.fy2022)
        counted = change_counter.read(con)
    loads = pg_reads.loads()
    with warehouse.connect(wf_db) as con:
        again = reporting.cycle_rows(con, stage.fy2022)
        assert change_counter.read(con) == counted
    assert pg_reads.loads() == loads  # served from the snapshot: one query (the counter), nothing read again
    assert again.equals(first)
    assert _figure(first, code) is None  # submitted, not approved: blank on the approved basis

    version = workflow.approve(HEAD1, ref, wf_db)
    workflow.approve(REVIEWER, ValueRef(ref.value_id, version), wf_db)
    with warehouse.connect(wf_db) as con:
        assert change_counter.read(con) != counted
        after = reporting.cycle_rows(con, stage.fy2022)
    assert pg_reads.loads() == loads + 1
    assert _figure(after, code) is not None


@pytest.mark.parametrize("backend", ["postgresql"])
def test_after_an_approval_only_the_tables_it_wrote_are_read_again(wf_db, stage):
    """An approval writes values and the audit trail: the next read fetches the values again, not the catalogue."""
    ref = stage.ref(OWN, "submitted")
    with warehouse.connect(wf_db) as con:
        reporting.cycle_rows(con, stage.fy2022)
    before = pg_reads.tables_read()
    workflow.approve(HEAD1, ref, wf_db)
    with warehouse.connect(wf_db) as con:
        reporting.cycle_rows(con, stage.fy2022)
    after = pg_reads.tables_read()
    again = {t for t in after if after[t] != before.get(t, 0)}
    assert "indicator_values" in again
    assert not again & {"indicators", "cycles", "departments", "pillars", "items", "strategies"}, again
    with warehouse.transaction(wf_db) as con:  # a write to the catalogue moves its mark, and it is read again
        con.execute("UPDATE departments SET name = name || '（改）' WHERE department_code ="
                    " (SELECT min(department_code) FROM departments)")
    with warehouse.connect(wf_db) as con:
        rows = reporting.cycle_rows(con, stage.fy2022)
    assert pg_reads.tables_read()["departments"] == after["departments"] + 1
    assert rows.filter(pl.col("department_name").str.ends_with("（改）")).height > 0


def test_the_values_of_several_small_cycles_stay_and_a_national_sized_one_replaces_them(pg_demo_url):
    """The demo's cycles (≈ 200 values each) all stay in the snapshot, so a second pass over the years reads nothing;
    MAX_VALUE_ROWS is what keeps a national cycle (178,800 values) to one at a time."""
    with warehouse.connect(pg_demo_url) as con:
        years = [r[0] for r in con.execute("SELECT cycle_id FROM cycles ORDER BY fiscal_year").fetchall()]
        assert len(years) >= 3
        for cycle_id in years:
            reporting.cycle_rows(con, cycle_id)
        loads = pg_reads.loads()
        for cycle_id in years:
            reporting.cycle_rows(con, cycle_id)
        assert pg_reads.loads() == loads  # every year's values were still there
    assert 178_800 <= pg_reads.MAX_VALUE_ROWS < 2 * 178_800


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_read_inside_a_transaction_on_postgresql_sees_its_own_uncommitted_write(wf_db, stage):
    indicator_id = stage.ind(FRESH[0])
    with warehouse.connect(wf_db) as con:
        assert _figure(reporting.cycle_rows(con, stage.fy2022, "all"), FRESH[0]) is None
    with warehouse.transaction(wf_db) as con:
        draft = DraftInput(indicator_id, fields(achieving_number(stage.indicators[FRESH[0]])))
        workflow.save_drafts_in(con, EDITOR1, stage.fy2022, [draft], None)
        inside = reporting.cycle_rows(con, stage.fy2022, "all")
        con.execute("ROLLBACK")
        con.execute("BEGIN TRANSACTION")  # what transaction() commits at the end: nothing
    assert _figure(inside, FRESH[0]) == achieving_number(stage.indicators[FRESH[0]])
    with warehouse.connect(wf_db) as con:
        assert _figure(reporting.cycle_rows(con, stage.fy2022, "all"), FRESH[0]) is None


def _backends_reading(url: str) -> set[int]:
    """The server processes of the read snapshots' sessions on the database."""
    with warehouse.connect(url) as con:
        return {r[0] for r in con.native("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                                         " AND application_name = %s", (APPLICATION,))}


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_snapshot_keeps_its_connection_and_replaces_one_the_server_ended(wf_db, stage):
    """A load after a write reuses the snapshot's connection (a new one costs ≈ 50 ms); when the server has ended it
    (a restart, an idle timeout), the read still answers, through a new connection."""
    ref = stage.ref(OWN, "submitted")
    with warehouse.connect(wf_db) as con:
        first = reporting.cycle_rows(con, stage.fy2022)
    before = _backends_reading(wf_db)
    assert len(before) == 1, before
    version = workflow.approve(HEAD1, ref, wf_db)
    with warehouse.connect(wf_db) as con:
        reporting.cycle_rows(con, stage.fy2022)
    assert _backends_reading(wf_db) == before  # read again, on the same connection
    with warehouse.connect(wf_db) as con:
        con.native("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY(%s)", (sorted(before),))
    workflow.approve(REVIEWER, ValueRef(ref.value_id, version), wf_db)
    with warehouse.connect(wf_db) as con:
        after = reporting.cycle_rows(con, stage.fy2022)
    assert after.height == first.height
    now = _backends_reading(wf_db)
    assert len(now) == 1 and not now & before


def test_a_read_on_postgresql_naming_a_table_outside_the_reporting_tables_is_refused(pg_demo_url):
    with warehouse.connect(pg_demo_url) as con:
        with pytest.raises(ValueError, match="使わない表"):
            pg_reads.frame(con, "SELECT count(*) FROM audit_log")  # not an empty answer from an empty table
    assert pg_reads.tables_of("SELECT * FROM cycle_approved_values(?::INTEGER[]) v") >= {"indicator_values",
                                                                                          "cycles", "indicators"}
    assert "value_parts" in pg_reads.tables_of("SELECT * FROM v_value_parts")
    assert "audit_log" not in pg_reads.TABLES and "login_sessions" not in pg_reads.TABLES
    assert pg_reads.TABLES["users"] == ("login", "display_name")  # never the password hashes


def _indicator_of(db, ref: ValueRef) -> int:
    with warehouse.connect(db) as con:
        return con.execute("SELECT indicator_id FROM indicator_values WHERE value_id = ?",
                           [ref.value_id]).fetchone()[0]


def _figure(rows: pl.DataFrame, code: str):
    return rows.filter(pl.col("code") == code)["value_number"].item()
