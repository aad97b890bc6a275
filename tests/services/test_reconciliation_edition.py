"""The reconciliation test (見込 → 確定, issue #22): a finalized year's projection confirmed lower through the
command line; the 確定値反映版's table (deck, PDF, workbook read back) and the dashboard's trends show the change;
the first edition stays as it was published, file for file and row for row. Real DuckDB file, real CLI runs."""
from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import polars as pl
from pptx import Presentation

from kpi.domain.roles import Role
from kpi.services import publishing, queries
from kpi.services.actors import Actor
from tests.cli_in_process import run_kpi

REVIEWER = Actor("reviewer", "行政改革推進課 審査担当", frozenset({Role.REVIEWER}))
EXECUTIVE = Actor("executive", "幹部", frozenset({Role.EXECUTIVE}))
CODE = "P2-2-07"  # JINZAI: 基準値 210人, 目標 300人, R3年度末見込値 326人 (達成)


def kpi(*args: str) -> subprocess.CompletedProcess:
    return run_kpi(*args)  # in this process (tests/cli_in_process.py)


def ok(*args: str) -> str:
    done = kpi(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def summary(db: Path, basis: str) -> dict:
    return json.loads(ok("summary", "--cycle", "2021", "--format", "json", "--basis", basis, "--db", str(db)))


def _tables(pptx: bytes) -> list[list[list[str]]]:
    deck = Presentation(io.BytesIO(pptx))
    return [[[c.text for c in r.cells] for r in sh.table.rows] for s in deck.slides for sh in s.shapes if sh.has_table]


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    src = tmp_path / "confirmed.pdf"
    src.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(src), "-"], check=True, capture_output=True, text=True).stdout


def test_a_projection_confirmed_lower_shows_in_the_new_edition_and_the_trends(demo_db, seed_figures, tmp_path):
    db = str(demo_db)
    first = publishing.publish(REVIEWER, 2021, db=demo_db)
    first_files = dict(first.files)
    approved = summary(demo_db, "approved")
    seed_all = next(t for t in seed_figures["published_tables"] if t["scope"] == "all (pillars 1+2+3)")
    assert approved["groups"][0]["counts"]["achieved"] == seed_all["counts"]["achieved"]
    before = summary(demo_db, "confirmed")["groups"][0]["counts"]

    # the department enters the 確定値 (lower: 250人, 44.4%) and the division approves it, on the command line
    ok("confirm", "enter", "--cycle", "2021", "--code", CODE, "--value", "２５０人", "--date", "2022-07-20",
       "--source", "令和3年度 人材育成事業報告", "--as", "editor-jinzai", "--db", db)
    assert kpi("confirm", "approve", "--cycle", "2021", "--code", CODE, "--as", "reviewer", "--db", db).returncode == 1
    ok("confirm", "submit", "--cycle", "2021", "--code", CODE, "--as", "editor-jinzai", "--db", db)
    # the demo's chain is 担当 → 所属長 → 行政改革推進課: the department's head approves first
    assert kpi("confirm", "approve", "--cycle", "2021", "--code", CODE, "--as", "reviewer", "--db", db).returncode == 1
    ok("confirm", "approve", "--cycle", "2021", "--code", CODE, "--as", "head-jinzai", "--db", db)
    assert "確定値を承認しました" in ok("confirm", "approve", "--cycle", "2021", "--code", CODE, "--as", "reviewer",
                                    "--db", db)
    listed = json.loads(ok("confirm", "list", "--cycle", "2021", "--format", "json", "--as", "reviewer", "--db", db))
    mine = next(ln for ln in listed if ln["code"] == CODE)
    assert (mine["projection_text"], mine["confirmed_text"], mine["state_ja"]) == ("326人", "250人", "承認済")

    # kpi summary: the approved basis is the published one; the confirmed basis moves one indicator down
    assert summary(demo_db, "approved") == approved
    confirmed = summary(demo_db, "confirmed")
    assert confirmed["confirmed"] == 6
    assert confirmed["groups"][0]["counts"] == {**before, "achieved": before["achieved"] - 1,
                                                "band_30_60": before["band_30_60"] + 1}
    assert "確定値反映" in ok("summary", "--cycle", "2021", "--basis", "confirmed", "--db", db)

    # the 確定値反映版, published from the command line and read back
    out = tmp_path / "out"
    printed = ok("publish", "--cycle", "2021", "--confirmed", "--no-flow", "--as", "reviewer", "--out", str(out),
                 "--db", db)
    assert "確定値反映版 第2版を公表しました" in printed
    sheet = pl.read_excel(out / "2021_confirmed_v2.xlsx", sheet_name="見込 → 確定", read_options={"header_row": 3})
    rows = {r["指標"].split(" ")[0]: r for r in sheet.iter_rows(named=True)}
    assert set(rows) == {"P1-1-03", "P2-1-06", "P2-1-15", "P2-3-07", "P3-2-01", CODE}
    assert (rows[CODE]["見込値（公表時）"], rows[CODE]["確定値"], rows[CODE]["達成率（見込 → 確定）"]) == (
        "326人（R3年度末見込値）", "250人", "128.8% → 44.4%")
    assert rows[CODE]["達成区分"] == "★ 100%（達成） → 30%以上60%未満（変更）"
    assert rows["P2-1-15"]["達成区分"] == "★ 60%以上100%未満 → 30%未満（変更）"
    assert rows["P1-1-03"]["達成区分"] == "100%（達成）（変更なし）"
    assert rows[CODE]["確定日・出典"] == "2022-07-20 令和3年度 人材育成事業報告"
    overview = pl.read_excel(out / "2021_confirmed_v2.xlsx", sheet_name="概要", read_options={"header_row": 3})
    assert overview.row(0, named=True)["100%（達成）（件数）"] == confirmed["groups"][0]["counts"]["achieved"]
    recon = [t for t in _tables((out / "2021_confirmed_v2.pptx").read_bytes()) if t[0][0] == "指標"]
    assert any(r[0].startswith(CODE) and r[4].startswith("★") for t in recon for r in t[1:])
    text = _pdf_text((out / "2021_confirmed_v2.pdf").read_bytes(), tmp_path)
    assert "見込 → 確定" in text and "250人" in text and "（確定値反映）" in text

    # the first edition stays as published: its files byte for byte, its frozen rows with the projection
    stored = {f["name"]: f["content"] for f in publishing.edition_files(REVIEWER, first.edition_id, db=demo_db)}
    assert stored == first_files
    frozen = {e.row["code"]: e for e in publishing.edition_view(REVIEWER, first.edition_id, db=demo_db).rows}
    assert (frozen[CODE].row["value_text"], frozen[CODE].band.value) == ("326人", "achieved")
    second = publishing.list_editions(REVIEWER, 2021, db=demo_db)[0]
    assert second["edition_label"] == "確定値反映版 第2版"
    changes = {c["コード"]: c for c in publishing.diff_editions(REVIEWER, first.edition_id, second["edition_id"],
                                                              db=demo_db)}
    assert (changes[CODE]["変更前の値"], changes[CODE]["変更後の値"]) == ("326人", "250人")

    # the dashboard's trends: FY2021 on the confirmed basis, and say so
    trends = queries.trends(EXECUTIVE, db=demo_db)
    fy2021 = next(c for c in trends["cycles"] if c["fiscal_year"] == 2021)
    assert (trends["basis_label"], fy2021["confirmed"], fy2021["counts"]) == (
        "確定値反映", 6, confirmed["groups"][0]["counts"])
