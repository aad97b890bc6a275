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
