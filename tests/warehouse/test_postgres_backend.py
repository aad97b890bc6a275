"""The warehouse on PostgreSQL (issue #19): `kpi demo` then `kpi summary` give the same JSON as on DuckDB (the
seed's figures), `kpi publish` writes the same deck and workbook, the audit table refuses UPDATE/DELETE in
PostgreSQL itself, and an optimistic version check refuses a stale write made through a second connection."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import polars as pl
import psycopg
import pytest

import warehouse
from kpi.cli import main
from kpi.publish.workbook_report import HEADER_ROW
from warehouse import values as values_repo


def _summary(db, capsys) -> dict:
    capsys.readouterr()
    assert main(["summary", "--cycle", "2021", "--format", "json", "--db", str(db)]) == 0
    return json.loads(capsys.readouterr().out)


def test_demo_then_summary_gives_the_same_json_on_postgresql_as_on_duckdb(demo_db, pg_demo_url, seed_figures,
                                                                          capsys):
    on_duckdb = _summary(demo_db, capsys)
    on_postgresql = _summary(pg_demo_url, capsys)
    assert on_postgresql == on_duckdb
    table = next(t for t in seed_figures["published_tables"] if t["scope"] == "all (pillars 1+2+3)")
    everything = next(g for g in on_postgresql["groups"] if g["key"] == "all")
    assert (everything["total"], everything["counts"], everything["percent"]) == (
        table["total"], table["counts"], table["percent"])


def test_the_postgresql_warehouse_holds_the_demo_in_postgresql(pg_demo_url):
    """Not a DuckDB file in disguise: the rows are in PostgreSQL's tables, read back with psycopg alone."""
    with psycopg.connect(pg_demo_url) as pg:
        counts = {t: pg.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("indicators", "indicator_values", "audit_log", "users", "intake_batches")}
        migrations = [r[0] for r in pg.execute("SELECT number FROM schema_migrations ORDER BY number")]
    assert counts["indicators"] >= 68 and counts["indicator_values"] >= 68 and counts["audit_log"] > 0
    assert counts["users"] >= 5 and counts["intake_batches"] > 0
    assert migrations == [m.number for m in warehouse.migrations.discover()]


# ---- publishing -------------------------------------------------------------------------------------------------

_CLOCK = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?\S*|\d{1,2}:\d{2}|令和\d+年\d+月\d+日")


def _publish(db, out: Path) -> dict[str, bytes]:
    assert main(["publish", "--cycle", "2021", "--db", str(db), "--as", "reviewer", "--no-flow",
                 "--out", str(out)]) == 0
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def _deck_texts(content: bytes) -> list[list[str]]:
    from pptx import Presentation

    slides = []
    for slide in Presentation(io.BytesIO(content)).slides:
        texts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
        slides.append([_CLOCK.sub("<time>", t) for t in texts])
    return slides


def _workbook(content: bytes) -> dict[str, list[dict]]:
    sheets = {}
    for name in ("概要", "全指標"):
        rows = pl.read_excel(io.BytesIO(content), sheet_name=name, read_options={"header_row": HEADER_ROW},
                             infer_schema_length=0).to_dicts()
        sheets[name] = rows
    return sheets


def test_publish_writes_the_same_deck_and_workbook_figures_on_postgresql(demo_db, pg_demo_url, tmp_path):
    on_duckdb = _publish(demo_db, tmp_path / "duckdb")
    on_postgresql = _publish(pg_demo_url, tmp_path / "postgresql")
    assert sorted(on_duckdb) == sorted(on_postgresql)
    deck = next(n for n in on_duckdb if n.endswith(".pptx"))
    book = next(n for n in on_duckdb if n.endswith(".xlsx"))
    slides = _deck_texts(on_postgresql[deck])
    assert slides == _deck_texts(on_duckdb[deck])
    assert any("73.5" in t for s in slides for t in s)  # the seed's 達成 share is on a slide
    sheets = _workbook(on_postgresql[book])
    assert sheets == _workbook(on_duckdb[book])
    assert len(sheets["全指標"]) >= 68
    with warehouse.connect(pg_demo_url) as con:
        assert con.execute("SELECT count(*) FROM editions").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM edition_files").fetchone()[0] >= 3


# ---- the audit trail and the version checks, in PostgreSQL itself ---------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'someone' WHERE audit_id = (SELECT min(audit_id) FROM audit_log)",
    "UPDATE audit_log SET row_hash = 'x', prev_hash = 'y' WHERE audit_id = (SELECT min(audit_id) FROM audit_log)",
    "DELETE FROM audit_log WHERE audit_id = (SELECT max(audit_id) FROM audit_log)",
    "TRUNCATE audit_log",
])
def test_postgresql_itself_refuses_to_change_or_remove_audit_rows(pg_demo_url, statement):
    """Through psycopg directly, past the application's own guard: the trigger refuses, nothing changes."""
    with psycopg.connect(pg_demo_url) as pg:
        before = pg.execute("SELECT * FROM audit_log ORDER BY audit_id").fetchall()
    with psycopg.connect(pg_demo_url) as pg, pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
        pg.execute(statement)
    assert "監査ログは追記のみです" in str(caught.value)
    with psycopg.connect(pg_demo_url) as pg:
        assert pg.execute("SELECT * FROM audit_log ORDER BY audit_id").fetchall() == before
        pg.execute("INSERT INTO audit_log (actor, role, action, entity) VALUES ('t', 'system', 'test', 'x')")


def test_the_application_guard_refuses_audit_rewrites_on_postgresql_too(pg_demo_url):
    with warehouse.connect(pg_demo_url) as con, pytest.raises(warehouse.AuditIsAppendOnly):
        con.execute("DELETE FROM audit_log")


def test_a_stale_version_through_a_second_connection_changes_nothing(pg_demo_url):
    """Two units of work (two PostgreSQL sessions, as two processes would have) read the same version; the first
    commits its change, the second's optimistic UPDATE … WHERE version = ? finds no row and its transaction
    writes nothing."""
    with warehouse.connect(pg_demo_url) as con:
        value_id, version = con.execute("SELECT value_id, version FROM indicator_values WHERE state = 'approved'"
                                        " ORDER BY value_id LIMIT 1").fetchone()
    with warehouse.transaction(pg_demo_url) as first:
        assert values_repo.update_state(first, value_id, version, "returned", actor="reviewer",
                                        comment="確認") == version + 1
    with warehouse.transaction(pg_demo_url) as second:
        assert values_repo.update_state(second, value_id, version, "draft", actor="editor1") is None
    with warehouse.connect(pg_demo_url) as con:
        state, now = con.execute("SELECT state, version FROM indicator_values WHERE value_id = ?",
                                 [value_id]).fetchone()
    assert (state, now) == ("returned", version + 1)


def test_concurrent_units_of_work_one_wins_the_row_the_other_finds_it_changed(pg_demo_url):
    """The second session's UPDATE blocks on the first's row lock; after the first commits it matches 0 rows."""
    import threading

    with warehouse.connect(pg_demo_url) as con:
        value_id, version = con.execute("SELECT value_id, version FROM indicator_values WHERE state = 'approved'"
                                        " ORDER BY value_id LIMIT 1").fetchone()
    results: dict[str, int | None] = {}
    first_wrote = threading.Event()
    release = threading.Event()

    def first():
        with warehouse.transaction(pg_demo_url) as con:
            results["first"] = values_repo.update_state(con, value_id, version, "returned", actor="reviewer")
            first_wrote.set()
            release.wait(30)

    def second():
        first_wrote.wait(30)
        with warehouse.transaction(pg_demo_url) as con:
            results["second"] = values_repo.update_state(con, value_id, version, "draft", actor="editor1")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_wrote.wait(30)
    release.set()
    for t in threads:
        t.join(60)
    assert results == {"first": version + 1, "second": None}


# ---- a new DuckDB migration runs on PostgreSQL without a second copy ----------------------------------------------

def test_a_new_duckdb_migration_is_translated_and_applied_on_postgresql(pg_fresh_url, tmp_path):
    """The next numbered file, written for DuckDB only (sequence default, VARCHAR, BLOB, a CHECK, a view with
    GROUP BY ALL), applies on PostgreSQL after the shipped ones, translated; a second run applies nothing."""
    import shutil

    from warehouse.migrations import MIGRATIONS_DIR, applied, discover, migrate

    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    n = len(discover()) + 1
    (folder / f"{n:03d}_phone_checks_example.sql").write_text(
        "CREATE SEQUENCE seq_phone_check START 1;\n"
        "CREATE TABLE phone_checks (\n"
        "    check_id INTEGER PRIMARY KEY DEFAULT nextval('seq_phone_check'),\n"
        "    value_id INTEGER NOT NULL, note VARCHAR, scan BLOB,\n"
        "    kind VARCHAR NOT NULL CHECK (kind IN ('phone', 'mail')),\n"
        "    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp);\n"
        "CREATE VIEW v_phone_check_counts AS SELECT value_id, kind, count(*) AS n FROM phone_checks GROUP BY ALL;\n",
        encoding="utf-8")
    with warehouse.connect(pg_fresh_url) as con:
        assert migrate(con, folder) == list(range(1, n + 1))
        con.execute("INSERT INTO phone_checks (value_id, note, scan, kind) VALUES (?, ?, ?, ?)",
                    [7, "電話で確認 100%", b"\x00\x01", "phone"])
        assert con.execute("SELECT value_id, kind, n FROM v_phone_check_counts").fetchall() == [(7, "phone", 1)]
        with pytest.raises(Exception, match="(?i)check"):
            con.execute("INSERT INTO phone_checks (value_id, kind) VALUES (?, ?)", [8, "fax"])
        assert migrate(con, folder) == [] and applied(con)[-1] == n


# ---- kpi export-warehouse ------------------------------------------------------------------------------------------

def _all_rows(db) -> dict[str, list]:
    from collections import Counter

    with warehouse.connect(db) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            " AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name").fetchall()]
        return {t: Counter(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables}  # catalog names


def test_export_warehouse_copies_duckdb_into_postgresql_and_back_row_for_row(demo_db, pg_fresh_url, tmp_path,
                                                                           capsys):
    from kpi.services import audit_trail

    original = _all_rows(demo_db)
    assert main(["export-warehouse", "--db", str(demo_db), "--to", pg_fresh_url]) == 0
    said = capsys.readouterr().out
    assert "1行ずつ照合済み" in said and "postgresql://kpi@" in said and pg_fresh_url.split("@")[0] not in said
    assert _all_rows(pg_fresh_url) == original
    assert audit_trail.verify(db=pg_fresh_url).ok

    back = tmp_path / "back.duckdb"
    assert main(["export-warehouse", "--db", pg_fresh_url, "--to", str(back)]) == 0
    assert _all_rows(back) == original
    assert audit_trail.verify(db=back).ok

    for db in (pg_fresh_url, back):  # the sequences continue after the copied ids
        with warehouse.transaction(db) as con:
            top = con.execute("SELECT max(audit_id) FROM audit_log").fetchone()[0]
            from kpi.domain.audit_events import AuditEvent
            from warehouse import audit

            audit.record(con, AuditEvent(actor="reviewer", role="reviewer", action="save", entity="value",
                                         entity_id="1", new_value="1件"))
            assert con.execute("SELECT max(audit_id) FROM audit_log").fetchone()[0] == top + 1
        assert audit_trail.verify(db=db).ok


def test_export_warehouse_refuses_a_destination_that_holds_data_and_changes_nothing(demo_db, pg_demo_url, capsys):
    before = _all_rows(pg_demo_url)
    assert main(["export-warehouse", "--db", str(demo_db), "--to", pg_demo_url]) == 2
    assert "すでにデータがあります" in capsys.readouterr().err
    assert _all_rows(pg_demo_url) == before


def test_kpi_validate_reports_the_same_findings_on_both(demo_db, pg_demo_url, capsys):
    """The cycle sweep: `$name` parameters, a second connection for a second thread, lists of codes bound."""
    said = []
    for db in (demo_db, pg_demo_url):
        capsys.readouterr()
        main(["validate", "--cycle", "2022", "--db", str(db)])
        said.append(capsys.readouterr().out)
    assert said[0] == said[1] and "未入力" in said[1]


def test_two_writers_at_once_keep_the_audit_chain_whole_on_postgresql(pg_demo_url):
    """A transaction appends an audit row and has not committed; a second one appends and commits meanwhile. The
    second must chain onto the first's row (it waits for the chain's lock), not onto the row both saw as last."""
    import threading

    from kpi.domain.audit_events import AuditEvent
    from kpi.services import audit_trail
    from warehouse import audit

    def event(actor: str) -> AuditEvent:
        return AuditEvent(actor=actor, role="editor", action="save", entity="value", entity_id="1", new_value="1件")

    first_appended = threading.Event()
    second_done = threading.Event()
    errors: list[BaseException] = []

    def second():
        first_appended.wait(30)
        try:
            with warehouse.transaction(pg_demo_url) as con:
                audit.record(con, event("editor2"))
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)
        second_done.set()

    t = threading.Thread(target=second)
    t.start()
    with warehouse.transaction(pg_demo_url) as con:
        audit.record(con, event("editor1"))
        first_appended.set()
        # Without the lock the second commits now, chained onto the same last row; with it, it waits for us.
        assert not second_done.wait(1.0)
    t.join(60)
    assert not errors
    verdict = audit_trail.verify(db=pg_demo_url)
    assert verdict.ok, verdict
    with warehouse.connect(pg_demo_url) as con:
        actors = [r[0] for r in con.execute("SELECT actor FROM audit_log ORDER BY audit_id DESC LIMIT 2").fetchall()]
    assert actors == ["editor2", "editor1"]
