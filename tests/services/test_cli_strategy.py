"""`--strategy CODE` on every command that takes a cycle (issue #20): required — exit 2, naming the strategies —
when two strategies share the fiscal year, and then each command acts on the cycle of the strategy it names."""
from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

import warehouse
from kpi import cli

OTHER = "other-plan"
LISTING = [["柱", "項目", "指標名", "単位", "担当課", "現状（基準値）", "目標", "目標の種類", "出典"],
           ["1 くらし", "1 行政手続", "別計画のオンライン申請件数", "件", "GYOKAKU", "100件（2020年度）",
            "200件（2025年度）", "", ""],
           ["1", "1", "別計画の電子契約件数", "件", "GYOKAKU", "10件（2020年度）", "50件（2025年度）", "", ""]]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, out + err
    return out


@pytest.fixture
def two_strategies(demo_db, tmp_path, capsys):
    """The demo (chiba-ict, FY2021 finalized) plus a second strategy with its own FY2021 cycle (準備中)."""
    db = str(demo_db)
    as_reviewer = ("--as", "reviewer", "--db", db)
    ok(capsys, "strategy", "add", "--code", OTHER, "--name", "別の計画", "--from-fy", "2021", "--to-fy", "2025",
       "--publisher", "千葉県", *as_reviewer)
    ok(capsys, "pillar", "--strategy", OTHER, "--no", "1", "--name", "くらし", *as_reviewer)
    ok(capsys, "item", "--strategy", OTHER, "--pillar", "1", "--no", "1", "--name", "行政手続", *as_reviewer)
    listing = tmp_path / "listing.csv"
    buf = io.StringIO()
    csv.writer(buf).writerows(LISTING)
    listing.write_text(buf.getvalue(), encoding="utf-8-sig")
    ok(capsys, "import-indicators", str(listing), "--strategy", OTHER, *as_reviewer)
    ok(capsys, "cycle", "create", "--fy", "2021", "--strategy", OTHER, *as_reviewer)
    return demo_db


def commands(tmp_path) -> list[list[str]]:
    """Every command that takes a cycle, addressed to FY2021 without --strategy."""
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"not read: the year is refused first")
    return [["summary", "--cycle", "2021"], ["values", "--cycle", "2021"], ["validate", "--cycle", "2021"],
            ["template", "--department", "GYOKAKU", "--cycle", "2021", "--out", str(tmp_path / "t.xlsx")],
            ["collect", str(book), "--department", "GYOKAKU", "--cycle", "2021", "--no-flow"],
            ["publish", "--cycle", "2021", "--out", str(tmp_path / "out"), "--no-flow", "--as", "reviewer"],
            ["cycle", "open", "--fy", "2021", "--as", "reviewer"],
            ["remind", "--fy", "2021", "--as", "reviewer"],
            ["submit", "--cycle", "2021", "--department", "GYOKAKU", "--as", "editor1"],
            ["approve", "--cycle", "2021", "--code", "X", "--as", "reviewer"],
            ["return", "--cycle", "2021", "--code", "X", "--comment", "c", "--as", "reviewer"],
            ["reopen", "--cycle", "2021", "--code", "X", "--reason", "r", "--as", "reviewer"]]


def test_every_cycle_command_refuses_an_ambiguous_year_naming_both_strategies(two_strategies, tmp_path, capsys):
    counted = "SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM intake_batches)"
    with warehouse.connect(two_strategies) as con:
        before = con.execute(counted).fetchone()
    for args in commands(tmp_path):
        code, _out, err = run(capsys, *args, "--db", str(two_strategies))
        assert code == 2, (args, err)
        assert "chiba-ict" in err and OTHER in err and "--strategy" in err, (args, err)
    with warehouse.connect(two_strategies) as con:
        assert con.execute(counted).fetchone() == before  # nothing was done, no batch stored
    assert not (tmp_path / "t.xlsx").exists() and not (tmp_path / "out").exists()


def test_every_cycle_command_documents_strategy():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")  # noqa: SLF001 - argparse's own API
    for name, p in sub.choices.items():
        options = {o for a in p._actions for o in a.option_strings}  # noqa: SLF001
        if options & {"--cycle", "--fy"}:
            assert "--strategy" in options, f"kpi {name} takes a cycle but no --strategy"


def test_with_strategy_each_command_acts_on_the_named_one(two_strategies, tmp_path, capsys):
    db = ("--db", str(two_strategies))
    ok(capsys, "cycle", "open", "--fy", "2021", "--strategy", OTHER, "--as", "reviewer", *db)
    with warehouse.connect(two_strategies) as con:
        states = dict(con.execute("SELECT s.code, c.state FROM cycles c JOIN strategies s USING (strategy_id)"
                                  " WHERE c.fiscal_year = 2021").fetchall())
        actor = con.execute("SELECT actor FROM audit_log WHERE action = 'open_cycle'").fetchall()
    assert states == {"chiba-ict": "finalized", OTHER: "open"} and actor == [("reviewer",)]

    rows = json.loads(ok(capsys, "values", "--cycle", "2021", "--strategy", OTHER, "--format", "json", *db))
    assert sorted(r["name"] for r in rows) == ["別計画のオンライン申請件数", "別計画の電子契約件数"]
    demo_rows = json.loads(ok(capsys, "values", "--cycle", "2021", "--strategy", "chiba-ict", "--format", "json",
                              *db))
    assert len(demo_rows) > 60 and not {r["name"] for r in demo_rows} & {r["name"] for r in rows}

    assert json.loads(ok(capsys, "summary", "--cycle", "2021", "--strategy", OTHER, "--format", "json",
                         *db))["strategy"] == OTHER
    assert json.loads(ok(capsys, "summary", "--cycle", "2021", "--strategy", "chiba-ict", "--format", "json",
                         *db))["groups"][0]["total"] == len(demo_rows)

    book = tmp_path / "other.xlsx"
    ok(capsys, "template", "--department", "GYOKAKU", "--cycle", "2021", "--strategy", OTHER, "--out", str(book),
       *db)
    with zipfile.ZipFile(book) as z:
        text = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert "別計画の電子契約件数" in text and "RPA" not in text

    assert "2指標中2指標が未入力" in ok(capsys, "validate", "--cycle", "2021", "--strategy", OTHER, *db)
    reminded = ok(capsys, "remind", "--fy", "2021", "--strategy", OTHER, "--as", "reviewer", *db)
    # the open year's values, and the 確定値 owed for the demo's finalized FY2021 (the year that accepts them)
    assert "0課に督促しました" not in reminded and "確定値の督促（令和3年度・担当者あて）" in reminded
    # the demo's FY2021 itself: only its owed 確定値, already reminded today
    reminded = ok(capsys, "remind", "--fy", "2021", "--strategy", "chiba-ict", "--as", "reviewer", *db)
    assert reminded.startswith("確定値（見込 → 確定）: 0件") and "令和3年度の確定値は本日督促済みです" in reminded

    out = tmp_path / "out"
    ok(capsys, "publish", "--cycle", "2021", "--strategy", "chiba-ict", "--out", str(out), "--no-flow",
       "--as", "reviewer", *db)
    with warehouse.connect(two_strategies) as con:
        published = con.execute("SELECT s.code, e.published_by FROM editions e JOIN cycles c USING (cycle_id)"
                                " JOIN strategies s USING (strategy_id)").fetchall()
    assert published == [("chiba-ict", "reviewer")] and (out / "2021_report_v1.pptx").exists()
