"""The dry run (`kpi import-indicators FILE --strategy CODE --dry-run --format json`) and relative targets end to
end: a relative target (全国平均を上回る) is 判定不能（比較する値が未入力） in `kpi summary` — a separate count, never a
band — until the cycle's reference value is entered (`kpi set-reference`), then it is judged."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import warehouse
from kpi.services import workflow
from kpi.services.actors import Actor
from kpi.domain.workflow import Role
from kpi.services.workflow import DraftInput

KPI = Path(sys.executable).parent / "kpi"
STRATEGY = "chiba-ict"
HEADER = ["柱", "項目", "指標名", "単位", "担当課", "現状（基準値）", "目標"]
ROWS = [
    ["基本目標1　しごとをつくる", "1-3 産業の振興", "県内のDX推進企業数", "", "KEIZAI", "710社※ (平成28年度)",
     "720社※1 (32年度)"],
    ["基本目標1　しごとをつくる", "1-3 産業の振興", "就業率", "", "KEIZAI", "89%(28年度)", "93%超(32年度)"],
    ["施策の柱2", "2-1 学び", "授業がよく分かると答えた児童の割合", "%", "GAKUSHU", "62.4%（H28）", "全国平均を上回る"],
    ["施策の柱2", "2-1 学び", "観光入込客数", "", "KEIZAI", "1億6,593万人（26年）", "1億9,665万人（31年）"],
    ["施策の柱2", "2-1 学び", "壊れた行", "", "KEIZAI", "令和0年度 3人", "5万人くらい"],
]


def csv_file(tmp_path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER, *rows])
    path = tmp_path / "list.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def kpi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(KPI), *args], capture_output=True, text=True, timeout=120)


def count_indicators(db: Path) -> int:
    with warehouse.connect(db) as con:
        return con.execute("SELECT count(*) FROM indicators").fetchall()[0][0]


def test_the_dry_run_prints_every_row_and_every_problem_and_writes_nothing(demo_db, tmp_path):
    before = count_indicators(demo_db)
    done = kpi("import-indicators", "--as", "reviewer", str(csv_file(tmp_path, ROWS)), "--strategy", STRATEGY, "--dry-run",
               "--format", "json", "--era", "平成", "--db", str(demo_db))
    assert done.returncode == 1, done.stderr  # a refused row: nothing could be imported
    doc = json.loads(done.stdout)
    assert count_indicators(demo_db) == before
    assert (doc["rows"], doc["read"], doc["refused"]) == (5, 4, 1)
    assert set(doc) >= {"rows", "read", "refused", "problems", "indicators"}
    # every problem of the broken row at once: its refused target does not hide its refused baseline
    assert {(p["row"], p["column"]) for p in doc["problems"]} == {(6, "目標"), (6, "現状（基準値）")}
    assert all(set(p) == {"row", "column", "text", "message"} and p["message"] for p in doc["problems"])
    assert {p["text"] for p in doc["problems"]} == {"5万人くらい", "令和0年度 3人"}
    by_name = {i["name"]: i for i in doc["indicators"]}
    keys = {"row", "name", "target_type", "comparison", "direction", "target", "target_period", "baseline",
            "baseline_period", "unit", "parts", "note"}
    assert all(keys <= set(i) for i in doc["indicators"])
    dx = by_name["県内のDX推進企業数"]
    assert (dx["target"], dx["unit"], dx["note"], dx["comparison"]) == ("720", "社", "※1 ※", "ge")
    assert dx["target_period"].startswith("2020年度") and "32年度" in dx["target_period"]  # 平成32年度 = FY2020
    strict = by_name["就業率"]
    assert (strict["comparison"], strict["target"], strict["unit"]) == ("gt", "93", "%")
    relative = by_name["授業がよく分かると答えた児童の割合"]
    assert (relative["target_type"], relative["comparison"], relative["reference"], relative["baseline"]) == (
        "relative", "gt", "全国平均", "62.4")
    tourists = by_name["観光入込客数"]
    assert (tourists["target"], tourists["baseline"], tourists["unit"]) == ("196650000", "165930000", "人")
    assert "暦年" in tourists["target_period"] and tourists["target_period"].startswith("2019年")


def test_a_relative_target_is_undecidable_in_kpi_summary_until_its_reference_value_is_entered(demo_db, tmp_path):
    rows = [r for r in ROWS if r[2] != "壊れた行"]
    done = kpi("import-indicators", "--as", "reviewer", str(csv_file(tmp_path, rows)), "--strategy", STRATEGY, "--era", "平成",
               "--db", str(demo_db))
    assert done.returncode == 0, done.stdout + done.stderr

    def summary() -> dict:
        out = kpi("summary", "--cycle", "2022", "--basis", "all", "--format", "json", "--db", str(demo_db))
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)["groups"][0]

    first = summary()
    assert first["undecidable"] == 1  # the relative target: counted apart, in no band
    table = kpi("summary", "--cycle", "2022", "--basis", "all", "--db", str(demo_db)).stdout
    assert "判定不能（比較する値が未入力）の指標 1 件" in table

    with warehouse.connect(demo_db) as con:
        code, ind = con.execute("SELECT code, indicator_id FROM indicators WHERE name = ?",
                                ["授業がよく分かると答えた児童の割合"]).fetchall()[0]
    entered = kpi("set-reference", "--as", "reviewer", code, "--strategy", STRATEGY, "--cycle", "2022", "--value", "64.0",
                  "--source", "文部科学省 全国学力・学習状況調査", "--db", str(demo_db))
    assert entered.returncode == 0, entered.stderr
    second = summary()
    assert second["undecidable"] == 0 and second["unrated"] == first["unrated"] + 1  # judged now, but no value yet

    editor = Actor("editor-gakushu", "学習指導課", frozenset({Role.EDITOR}), frozenset({"GAKUSHU"}))
    with warehouse.transaction(demo_db) as con:
        cycle = con.execute("SELECT cycle_id FROM cycles WHERE fiscal_year = 2022").fetchall()[0][0]
        workflow.save_drafts_in(con, editor, cycle, [DraftInput(ind, {
            "value_number": Decimal("64.0"), "value_kind": "actual", "value_fy": 2022})], batch_id=None)
    third = summary()
    # 64.0 against a 全国平均 of 64.0 with 「上回る」 (strictly greater): judged, and not achieved
    assert third["undecidable"] == 0 and third["unrated"] == first["unrated"]
    assert third["total"] == first["total"] + 1
    assert third["counts"]["band_under_30"] == second["counts"]["band_under_30"] + 1


def test_a_short_department_name_matches_when_unique_and_lists_the_candidates_when_not(demo_db):
    from kpi.services.indicator_import import preview_indicator_file

    reviewer = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}))
    rows = [["1 産業", "1 振興", "県内のDX推進企業数", "社", "経済政策課", "710社 (2022年度)", "720社 (2027年度)"],
            ["1 産業", "1 振興", "新規就農者数", "人", "政策課", "30人 (2022年度)", "40人 (2027年度)"]]
    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER, *rows])
    report = preview_indicator_file(reviewer, buf.getvalue().encode("utf-8"), filename="x.csv", strategy=STRATEGY,
                                    db=demo_db)
    assert report.status == "refused"
    assert [(d["row"], d["column"]) for d in report.details] == [(3, "担当課")]  # row 2 matched KEIZAI
    message = report.details[0]["message"]
    assert "KEIZAI" in message and "NOSEI" in message and "2つ" in message
