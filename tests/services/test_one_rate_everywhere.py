"""One rate everywhere (issue #17): a strict target (「93%超」) met exactly and a relative target (全国平均を上回る)
without the year's reference value are judged the same way by `kpi summary`, the dashboard's frame
(summaries.load_frame), the drill-down, the trends, the report data, its workbook and open data, and a published
edition (its workbook and its frozen rows):
exactly on a strict target is not achieved (60–100%), and the relative target is 判定不能 — a count of its own, in
no band and not unrated — until its reference value is entered; then it is judged, in every view alike."""
from __future__ import annotations

import csv
import io
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import polars as pl

import warehouse
from kpi.domain.bands import Band
from kpi.domain.workflow import Role
from kpi.publish import opendata, report_data
from kpi.publish.workbook_report import HEADER_ROW, write_report_workbook
from kpi.services import cycles, publishing, queries, summaries, workflow
from kpi.services.actors import Actor
from kpi.services.workflow import DraftInput, ValueRef
from tests.cli_in_process import run_kpi

FY = 2022
HEADER = ["柱", "項目", "指標名", "単位", "担当課", "現状（基準値）", "目標"]
STRICT = "就業率（一つの率の検証）"
RELATIVE = "授業がよく分かると答えた児童の割合（一つの率の検証）"
ROWS = [["基本目標1　しごとをつくる", "1-3 産業の振興", STRICT, "", "KEIZAI", "89%(28年度)", "93%超(32年度)"],
        ["施策の柱2", "2-1 学び", RELATIVE, "%", "GAKUSHU", "62.4%（H28）", "全国平均を上回る"]]
EDITORS = {"KEIZAI": Actor("editor-keizai", "経済政策課 入力担当", frozenset({Role.EDITOR}), frozenset({"KEIZAI"})),
           "GAKUSHU": Actor("editor-gakushu", "学習指導課 入力担当", frozenset({Role.EDITOR}), frozenset({"GAKUSHU"}))}
REVIEWER = Actor("reviewer", "行政改革推進課 審査担当", frozenset({Role.REVIEWER}))
EXECUTIVE = Actor("executive", "幹部", frozenset({Role.EXECUTIVE}))
BANDS = [b.value for b in Band]


def kpi(*args: str) -> subprocess.CompletedProcess:
    return run_kpi(*args)  # in this process (tests/cli_in_process.py)


def summary_cli(db: Path) -> dict:
    done = kpi("summary", "--cycle", str(FY), "--format", "json", "--db", str(db))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["groups"][0]


def figures(counts: dict, undecidable: int, unrated: int) -> tuple:
    return tuple(counts[b] for b in BANDS) + (undecidable, unrated)


def every_view(db: Path) -> dict[str, tuple]:
    """(band counts…, undecidable, unrated) of the whole cycle as each reader sees it."""
    out = {}
    cli = summary_cli(db)
    out["kpi summary"] = figures(cli["counts"], cli["undecidable"], cli["unrated"])
    frame_view = summaries.load_frame(FY, db=db)
    g = summaries.band_groups(frame_view)[0].as_dict()
    out["load_frame"] = figures(g["counts"], g["undecidable"], g["unrated"])
    counted = dict(frame_view.frame.select(
        pl.when(pl.col("rate_status") == "missing_reference").then(pl.lit("undecidable"))
        .otherwise(pl.col("band")).alias("k")).group_by("k").len().iter_rows())
    out["dashboard frame rows"] = figures({b: counted.get(b, 0) for b in BANDS}, counted.get("undecidable", 0),
                                          counted.get(None, 0))
    page = queries.drilldown_page(EXECUTIVE, FY, db=db)
    out["drill-down"] = figures(page["counts"], page["undecidable"], page["total"] - sum(page["counts"].values())
                                - page["undecidable"])
    trend = next(c for c in queries.trends_document(db=db)["cycles"] if c["fiscal_year"] == FY)
    out["trends"] = figures(trend["counts"], trend["undecidable"], trend["unrated"])
    data = report_data.build(summaries.load_cycle(FY, db=db))
    r = data.overall.as_dict()
    out["report data"] = figures(r["counts"], r["undecidable"], r["unrated"])
    lines = {b: sum(1 for ln in data.lines if ln.band is not None and ln.band.value == b) for b in BANDS}
    out["report lines"] = figures(lines, sum(1 for s in data.sections for _ in s.undecidable),
                                  sum(1 for s in data.sections for _ in s.unrated))
    sheet = pl.read_excel(io.BytesIO(write_report_workbook(data)), sheet_name="概要",
                          read_options={"header_row": HEADER_ROW})
    whole = sheet.filter(pl.col("範囲") == "全体").row(0, named=True)
    out["workbook"] = figures({b.value: whole[f"{b.label_ja}（件数）"] for b in Band},
                              whole["判定不能（比較する値が未入力）"], whole["未評価"])
    od = next(rec for rec in opendata.summary_records(data) if rec["scope"] == "全体")
    out["open data"] = figures({b: od[f"count_{b}"] for b in BANDS}, od["undecidable"], od["unrated"])
    edition = publishing.publish(REVIEWER, FY, db=db)  # the published edition: its workbook and its frozen rows
    book = next(content for name, content in edition.files.items() if name.endswith(".xlsx"))
    whole = pl.read_excel(io.BytesIO(book), sheet_name="概要", read_options={"header_row": HEADER_ROW}).filter(
        pl.col("範囲") == "全体").row(0, named=True)
    out["published workbook"] = figures({b.value: whole[f"{b.label_ja}（件数）"] for b in Band},
                                        whole["判定不能（比較する値が未入力）"], whole["未評価"])
    frozen = summaries.band_groups(publishing.edition_view(REVIEWER, edition.edition_id, db=db))[0].as_dict()
    out["published edition"] = figures(frozen["counts"], frozen["undecidable"], frozen["unrated"])
    return out


def enter_and_approve(db: Path, values: dict[str, tuple[str, Decimal]]) -> None:
    """name → (department, figure): saved by the department's editor, submitted, approved by the reviewer."""
    with warehouse.connect(db) as con:
        cycle = con.execute("SELECT cycle_id FROM cycles WHERE fiscal_year = ?", [FY]).fetchall()[0][0]
        ids = {n: con.execute("SELECT indicator_id FROM indicators WHERE name = ?", [n]).fetchall()[0][0]
               for n in values}
    for name, (dept, figure) in values.items():
        with warehouse.transaction(db) as con:
            workflow.save_drafts_in(con, EDITORS[dept], cycle, [DraftInput(ids[name], {
                "value_number": figure, "value_kind": "actual", "value_fy": FY})], batch_id=None)
        with warehouse.connect(db) as con:
            value_id, version = con.execute("SELECT value_id, version FROM indicator_values"
                                            " WHERE indicator_id = ? AND cycle_id = ?", [ids[name], cycle]).fetchall()[0]
        [version] = workflow.submit(EDITORS[dept], [ValueRef(value_id, version)], db, acknowledge_warnings=True)
        head = Actor(f"head-{dept.lower()}", "所属長", frozenset({Role.DEPT_HEAD}), frozenset({dept}))  # the demo's
        version = workflow.approve(head, ValueRef(value_id, version), db)  # 所属長承認, then the division's
        workflow.approve(REVIEWER, ValueRef(value_id, version), db)


def test_a_strict_target_met_exactly_and_an_undecidable_relative_target_agree_in_every_view(demo_db, tmp_path):
    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER, *ROWS])
    listing = tmp_path / "list.csv"
    listing.write_text(buf.getvalue(), encoding="utf-8")
    done = kpi("import-indicators", "--as", "reviewer", str(listing), "--strategy", "chiba-ict", "--era", "平成", "--db", str(demo_db))
    assert done.returncode == 0, done.stdout + done.stderr
    enter_and_approve(demo_db, {STRICT: ("KEIZAI", Decimal("93")), RELATIVE: ("GAKUSHU", Decimal("70.0"))})
    cycles.close_cycle(FY, actor=REVIEWER, db=demo_db)  # trends read closed cycles only

    views = every_view(demo_db)
    assert len(set(views.values())) == 1, views  # figure by figure, every reader agrees
    before = views["kpi summary"]
    # the strict target met exactly is 100% but not achieved: it is in 60–100%; the relative one is 判定不能
    frame = summaries.load_frame(FY, db=demo_db).frame
    with warehouse.connect(demo_db) as con:
        names = dict(con.execute("SELECT indicator_id, name FROM indicators WHERE name IN (?, ?)",
                                 [STRICT, RELATIVE]).fetchall())
    by_name = {names[r["indicator_id"]]: r for r in frame.filter(pl.col("indicator_id").is_in(list(names)))
               .iter_rows(named=True)}
    strict = by_name[STRICT]
    assert strict["comparison"] == "gt" and strict["rate_num"] == strict["rate_den"]  # exactly 100%
    assert strict["on_strict_target"] and strict["band"] == Band.B60_100.value
    assert by_name[RELATIVE]["target_type"] == "relative" and by_name[RELATIVE]["band"] is None
    assert before[len(BANDS)] == 1  # one undecidable
    data = report_data.build(summaries.load_cycle(FY, db=demo_db))
    lines = {ln.name: ln for ln in data.lines}
    assert lines[STRICT].band is Band.B60_100 and lines[STRICT].band_ja == Band.B60_100.label_ja
    assert lines[RELATIVE].undecidable and lines[RELATIVE].band_ja == "判定不能"

    # the year's 全国平均 entered: the relative target is judged (70.0 > 64.0: achieved) — in every view alike
    code = by_name[RELATIVE]["code"]
    entered = kpi("set-reference", "--as", "reviewer", code, "--strategy", "chiba-ict", "--cycle", str(FY), "--value", "64.0",
                  "--source", "文部科学省 全国学力・学習状況調査", "--db", str(demo_db))
    assert entered.returncode == 0, entered.stderr
    after = every_view(demo_db)
    assert len(set(after.values())) == 1, after
    moved = after["kpi summary"]
    achieved = BANDS.index(Band.ACHIEVED.value)
    assert moved[achieved] == before[achieved] + 1 and moved[len(BANDS)] == 0
    assert moved[BANDS.index(Band.B60_100.value)] == before[BANDS.index(Band.B60_100.value)]  # strict: still 60–100


def test_the_nightly_sweep_asks_for_a_reason_when_a_strict_target_is_met_exactly(demo_db, tmp_path):
    from kpi.services.sweep import validate_cycle

    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER, ROWS[0]])
    listing = tmp_path / "list.csv"
    listing.write_text(buf.getvalue(), encoding="utf-8")
    done = kpi("import-indicators", "--as", "reviewer", str(listing), "--strategy", "chiba-ict", "--era", "平成", "--db", str(demo_db))
    assert done.returncode == 0, done.stdout + done.stderr
    with warehouse.connect(demo_db) as con:
        cycle = con.execute("SELECT cycle_id FROM cycles WHERE fiscal_year = ?", [FY]).fetchall()[0][0]
        ind = con.execute("SELECT indicator_id FROM indicators WHERE name = ?", [STRICT]).fetchall()[0][0]

    def reason_required(figure: str) -> bool:
        with warehouse.transaction(demo_db) as con:
            seen = con.execute("SELECT version FROM indicator_values WHERE indicator_id = ? AND cycle_id = ?",
                               [ind, cycle]).fetchall()
            workflow.save_drafts_in(con, EDITORS["KEIZAI"], cycle, [DraftInput(ind, {
                "value_number": Decimal(figure), "value_kind": "actual", "value_fy": FY},
                expected_version=seen[0][0] if seen else None)], batch_id=None)
        found = validate_cycle(FY, db=demo_db).findings
        return found.filter((pl.col("indicator_id") == ind) & (pl.col("rule") == "reason_required")).height == 1

    assert reason_required("93")  # exactly on 「93%超」: not achieved, a reason is asked for
    assert not reason_required("93.1")
