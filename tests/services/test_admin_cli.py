"""A division sets up a year through the command line alone (issue #20): the first administrator, departments,
accounts from a personnel list, a strategy with its pillars and indicators, a cycle, values, submission,
approval — then `kpi summary` shows the bands. Every command acts as a named account recorded in the audit."""
from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

import warehouse
from kpi.io.workbook import COLUMNS
from tests.cli_in_process import run_kpi
from tests.io.test_workbook import filled


def kpi(*args: str, stdin: str | None = None, db: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`kpi ARGS --db DB` in this process (tests/cli_in_process.py): about 40 commands here."""
    return run_kpi(*args, "--db", str(db), stdin=stdin, env=env)


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def audit(db: Path) -> list[tuple]:
    with warehouse.connect(db) as con:
        return con.execute("SELECT actor, action, entity, entity_id FROM audit_log ORDER BY audit_id").fetchall()


@pytest.fixture
def fresh(tmp_path) -> Path:
    db = tmp_path / "kpi.duckdb"
    ok(kpi("init", db=db))
    return db


PERSONNEL = [["ログインID", "氏名", "役割", "担当課", "初期パスワード"],
             ["tanaka", "田中 一郎", "入力担当", "KIKAKU", "tanaka-initial-pw"],
             ["sato", "佐藤 花子", "入力担当", "JOHO", ""],
             ["suzuki", "鈴木 次郎", "審査担当", "", "suzuki-initial-pw"],
             ["kacho", "企画課長", "所属長承認者", "KIKAKU", "kacho-initial-pw"],
             ["yamada", "山田 三郎", "幹部", "", "yamada-initial-pw"]]
INDICATORS = [["柱", "項目", "指標名", "単位", "担当課", "現状（基準値）", "目標", "目標の種類", "出典"],
              ["1 くらし", "1 行政手続", "オンライン申請できる手続の数", "件", "KIKAKU", "100件（2023年度）",
               "200件（2026年度）", "", ""],
              ["1", "1", "電子契約の件数", "件", "KIKAKU", "10件（2023年度）", "50件（2026年度）", "", ""],
              ["1", "1", "庁内ペーパーレス会議の割合", "%", "JOHO", "20%（2023年度）", "60%（2026年度）", "", ""]]


def _csv(rows) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()


def test_a_year_is_set_up_entered_submitted_and_approved_through_the_cli_alone(fresh, tmp_path):
    db = fresh
    # the first administrator of an empty warehouse, password from stdin (never an argument)
    ok(kpi("account", "add", "--login", "boss", "--name", "情報政策課長", "--role", "admin", "--password-stdin",
           stdin="boss-initial-password\n", db=db))
    ok(kpi("account", "add", "--login", "boss2", "--name", "二人目", "--role", "admin", "--password-stdin",
           stdin="boss2-initial-password\n", db=db, env={"KPI_OPERATOR": "boss"}))
    # after that, every command names its operator
    refused = kpi("department", "add", "--code", "KIKAKU", "--name", "企画課", db=db)
    assert refused.returncode == 2 and "--as" in refused.stderr
    for code, name in (("KIKAKU", "企画課"), ("JOHO", "情報政策課")):
        ok(kpi("department", "add", "--code", code, "--name", name, "--as", "boss", db=db))
    assert {d["code"] for d in json.loads(ok(kpi("department", "list", "--format", "json", "--as", "boss",
                                                  db=db)))} == {"KIKAKU", "JOHO"}

    staff = tmp_path / "名簿.csv"
    staff.write_text(_csv(PERSONNEL), encoding="utf-8-sig")
    passwords = tmp_path / "pw.csv"
    ok(kpi("accounts", "import", str(staff), "--passwords-out", str(passwords), "--as", "boss", db=db))
    assert passwords.stat().st_mode & 0o777 == 0o600 and "sato," in passwords.read_text(encoding="utf-8")
    listed = {u["login"]: u for u in json.loads(ok(kpi("account", "list", "--format", "json", "--as", "boss", db=db)))}
    assert listed["tanaka"]["roles"] == ["editor"] and listed["tanaka"]["departments"] == ["KIKAKU"]
    assert listed["suzuki"]["roles"] == ["reviewer"]
    assert listed["kacho"]["roles"] == ["dept_head"] and listed["kacho"]["departments"] == ["KIKAKU"]

    # the strategy is master data: the reviewer of the division keeps it
    ok(kpi("strategy", "add", "--code", "dx-plan", "--name", "テスト市DX推進計画", "--from-fy", "2024",
           "--to-fy", "2026", "--publisher", "テスト市", "--as", "suzuki", db=db))
    ok(kpi("pillar", "--strategy", "dx-plan", "--no", "1", "--name", "くらし", "--as", "suzuki", db=db))
    ok(kpi("item", "--strategy", "dx-plan", "--pillar", "1", "--no", "1", "--name", "行政手続", "--as", "suzuki",
           db=db))
    ok(kpi("reason-category", "add", "--code", "delay", "--name", "事業の遅れ", "--as", "suzuki", db=db))
    plan = tmp_path / "指標.csv"
    plan.write_text(_csv(INDICATORS), encoding="utf-8-sig")
    ok(kpi("import-indicators", str(plan), "--strategy", "dx-plan", "--as", "suzuki", db=db))
    ok(kpi("cycle", "create", "--fy", "2024", "--strategy", "dx-plan", "--as", "suzuki", db=db))
    ok(kpi("cycle", "open", "--fy", "2024", "--strategy", "dx-plan", "--as", "suzuki", db=db))

    codes = {r["department"]: r["code"] for r in json.loads(ok(kpi("values", "--cycle", "2024", "--format", "json",
                                                                      db=db)))}
    rows = json.loads(ok(kpi("values", "--cycle", "2024", "--format", "json", db=db)))
    kikaku = [r for r in rows if r["code"] != codes.get("JOHO")]
    assert len(kikaku) == 2
    figures = {kikaku[0]["code"]: "220", kikaku[1]["code"]: "30"}  # 220件 reaches 200件; 30件 is 50% of the way
    book = tmp_path / "kikaku.xlsx"
    book.write_bytes(filled([{"コード": code, "値": v, "区分（実績値／見込値）": "実績値", "時点・期間": "3月末",
                              "要因（100%未満の場合は必須）": "" if v == "220" else "契約事務の見直しが遅れたため",
                              "要因の分類": "" if v == "220" else "事業の遅れ"}
                             for code, v in figures.items()], headers=COLUMNS))
    ok(kpi("collect", str(book), "--department", "KIKAKU", "--cycle", "2024", "--no-flow", db=db))

    other = kpi("submit", "--cycle", "2024", "--department", "KIKAKU", "--as", "sato", db=db)
    assert other.returncode == 1 and "担当外" in other.stderr  # sato is JOHO's editor
    ok(kpi("submit", "--cycle", "2024", "--department", "KIKAKU", "--acknowledge-warnings", "--as", "tanaka",
           db=db))
    by_admin = kpi("approve", "--cycle", "2024", "--code", *figures, "--as", "boss", db=db)
    assert by_admin.returncode == 1 and "権限がありません" in by_admin.stderr
    # the two-level chain: 担当 → 所属長 → 行政改革推進課; the division approves only what the head approved
    assert ok(kpi("approval-chain", "--strategy", "dx-plan", "--as", "suzuki", db=db)).strip() == "担当 → 行政改革推進課"
    ok(kpi("approval-chain", "--strategy", "dx-plan", "--levels", "--as", "suzuki", db=db))
    early = kpi("approve", "--cycle", "2024", "--code", *figures, "--as", "suzuki", db=db)
    assert early.returncode == 1 and "所属長の承認が済んでいない値" in early.stderr
    ok(kpi("approve", "--cycle", "2024", "--code", *figures, "--as", "kacho", db=db))
    ok(kpi("approve", "--cycle", "2024", "--code", *figures, "--as", "suzuki", db=db))
    with warehouse.connect(db) as con:
        levels = con.execute("SELECT actor, role, action FROM audit_log WHERE action IN ('head_approve', 'approve')"
                             " ORDER BY audit_id").fetchall()
    assert levels == [("kacho", "dept_head", "head_approve")] * 2 + [("suzuki", "reviewer", "approve")] * 2

    doc = json.loads(ok(kpi("summary", "--cycle", "2024", "--format", "json", db=db)))
    total = doc["groups"][0]
    assert total["total"] == 2 and total["counts"]["achieved"] == 1 and sum(total["counts"].values()) == 2
    actors = {a[0] for a in audit(db)}
    assert {"local", "boss", "suzuki", "tanaka", "kacho"} <= actors
    assert ("boss", "create_user", "user", "tanaka") in audit(db)


def test_wrong_use_exits_2_and_refusals_exit_1_with_every_problem(fresh, tmp_path):
    db = fresh
    ok(kpi("account", "add", "--login", "boss", "--name", "課長", "--role", "admin", "--password-stdin",
           stdin="boss-initial-password\n", db=db))
    assert kpi("account", "add", "--login", "x", "--as", "boss", db=db).returncode == 2  # no password given (no tty)
    staff = tmp_path / "bad.csv"
    staff.write_text(_csv([PERSONNEL[0], ["system", "なりすまし", "幹部", "", "long-enough-pw"],
                           ["ok1", "正しい人", "審査担当", "", "long-enough-pw"],
                           ["ok2", "誤った役割", "社長", "", "long-enough-pw"]]), encoding="utf-8")
    done = kpi("accounts", "import", str(staff), "--as", "boss", db=db)
    assert done.returncode == 1 and "4行目" in done.stderr and "社長" in done.stderr
    staff.write_text(_csv([PERSONNEL[0], ["system", "なりすまし", "幹部", "", "long-enough-pw"],
                           ["ok1", "正しい人", "審査担当", "", "short"]]), encoding="utf-8")
    done = kpi("accounts", "import", str(staff), "--as", "boss", db=db)
    assert done.returncode == 1 and "2行目" in done.stderr and "3行目" in done.stderr
    assert [u["login"] for u in json.loads(ok(kpi("account", "list", "--format", "json", "--as", "boss",
                                                 db=db)))] == ["boss"]  # every row or none
    self_change = kpi("account", "edit", "--login", "boss", "--role", "executive", "--as", "boss", db=db)
    assert self_change.returncode == 1 and "自分自身" in self_change.stderr


def test_every_subcommand_is_in_the_readme():
    from kpi.cli import build_parser

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    names = next(a for a in parser._actions if a.dest == "command").choices  # noqa: SLF001 - argparse's own API
    missing = [n for n in names if f"kpi {n}" not in readme]
    assert not missing, f"README does not document: {missing}"


def test_collect_without_a_prefect_server_says_in_one_line_what_to_do_and_keeps_the_batch(demo_db, tmp_path):
    book = tmp_path / "book.xlsx"
    ok(kpi("template", "--department", "GYOKAKU", "--cycle", "2022", "--out", str(book), db=demo_db))
    done = kpi("collect", str(book), "--department", "GYOKAKU", "--cycle", "2022", db=demo_db,
               env={"PREFECT_API_URL": "http://127.0.0.1:9/api"})  # nothing listens on the discard port
    assert done.returncode == 3
    [line] = done.stderr.strip().splitlines()
    assert "scripts/run.sh" in line and "--no-flow" in line and "kpi collect-pending" in line
    with warehouse.connect(demo_db) as con:
        assert con.execute("SELECT count(*) FROM intake_batches WHERE status = 'received'").fetchone()[0] == 1


# (command, operator, expected audit (action, entity, entity_id), a text the before and one the after must hold)
AUDITED = [
    (["department", "add", "--code", "NEWDEPT", "--name", "新設課"], "admin",
     ("save_department", "department", "NEWDEPT"), None, "新設課"),
    (["department", "edit", "--code", "NEWDEPT", "--name", "新設推進課"], "admin",
     ("save_department", "department", "NEWDEPT"), "新設課", "新設推進課"),
    (["department", "retire", "--code", "NEWDEPT"], "admin",
     ("save_department", "department", "NEWDEPT"), "新設推進課", "使用停止"),
    (["account", "add", "--login", "kato", "--name", "加藤", "--role", "executive", "--password-stdin"], "admin",
     ("create_user", "user", "kato"), None, "executive"),
    (["account", "edit", "--login", "kato", "--role", "executive", "--role", "editor", "--department", "IRYO"],
     "admin", ("update_user", "user", "kato"), '"roles": ["executive"]', '"roles": ["editor", "executive"]'),
    (["account", "edit", "--login", "kato", "--email", "kato@example.jp"], "admin",
     ("update_user", "user", "kato"), '"email": null', "kato@example.jp"),
    (["account", "disable", "--login", "kato"], "admin", ("update_user", "user", "kato"), '"active": true',
     '"active": false'),
    (["account", "enable", "--login", "kato"], "admin", ("update_user", "user", "kato"), '"active": false',
     '"active": true'),
    (["account", "unlock", "--login", "kato"], "admin", ("unlock_user", "user", "kato"), None, None),
    (["account", "reset-password", "--login", "kato", "--password-stdin"], "admin",
     ("reset_password", "user", "kato"), None, None),
    (["strategy", "add", "--code", "new-plan", "--name", "新計画", "--from-fy", "2025"], "reviewer",
     ("create_strategy", "strategy", None), None, "新計画"),
    (["strategy", "edit", "--code", "new-plan", "--name", "新しい計画"], "reviewer",
     ("update_strategy", "strategy", None), "新計画", "新しい計画"),
    (["pillar", "--strategy", "new-plan", "--no", "1", "--name", "柱一"], "reviewer",
     ("save_pillar", "pillar", None), None, "柱一"),
    (["item", "--strategy", "new-plan", "--pillar", "1", "--no", "1", "--name", "項目一"], "reviewer",
     ("save_item", "item", None), None, "項目一"),
    (["reason-category", "add", "--code", "weather", "--name", "天候"], "reviewer",
     ("save_reason_category", "reason_category", "weather"), None, "天候"),
]


def test_every_administrative_command_writes_an_audit_row_with_before_and_after(demo_db):
    for args, who, (action, entity, entity_id), before, after in AUDITED:
        ok(kpi(*args, "--as", who, db=demo_db, stdin="a-long-enough-password\n"))
        with warehouse.connect(demo_db) as con:
            row = con.execute("SELECT actor, action, entity, entity_id, old_value, new_value FROM audit_log"
                              " ORDER BY audit_id DESC LIMIT 1").fetchone()
        assert row[:3] == (who, action, entity), args
        assert entity_id is None or row[3] == entity_id, args
        assert before is None or before in (row[4] or ""), (args, row)
        assert after is None or after in (row[5] or ""), (args, row)
