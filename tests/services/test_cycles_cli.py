"""`kpi cycle …`: the division runs a year's cycle from the command line; refusals are Japanese, exit code 2."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.services.workflow_helpers import query

KPI = Path(sys.executable).parent / "kpi"


def _kpi(db, *args):
    return subprocess.run([str(KPI), "cycle", *args, "--db", str(db), "--as", "reviewer"], capture_output=True,
                          text=True, timeout=120)


def test_create_open_close_finalize_and_reopen_from_the_command_line(demo_db):
    out = _kpi(demo_db, "create", "--fy", "2023", "--from", "2022", "--deadline", "2023-12-20")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ("令和5年度のサイクルを作成しました（準備中、対象指標 67件、基準日 2023-11-30、"
                                  "提出期限 2023-12-20）")
    for action, shown in (("open", "受付中"), ("close", "締切済"), ("finalize", "確定済")):
        out = _kpi(demo_db, action, "--fy", "2023")
        assert (out.returncode, out.stdout.strip()) == (0, f"令和5年度のサイクルを「{shown}」にしました")

    out = _kpi(demo_db, "reopen", "--fy", "2023")
    assert out.returncode == 2
    assert out.stderr.strip() == "エラー: 令和5年度の「再開」には理由の入力が必要です"
    out = _kpi(demo_db, "reopen", "--fy", "2023", "--reason", "集計誤りの訂正")
    assert (out.returncode, out.stdout.strip()) == (0, "令和5年度のサイクルを「締切済」にしました")

    rows = query(demo_db, "SELECT action, actor, comment FROM audit_log WHERE entity = 'cycle' ORDER BY audit_id")
    assert [r["action"] for r in rows] == ["create_cycle", "open_cycle", "close_cycle", "finalize_cycle",
                                           "reopen_cycle"]
    assert rows[-1]["comment"] == "集計誤りの訂正" and {r["actor"] for r in rows} == {"reviewer"}  # the named operator


def test_a_second_cycle_for_the_same_year_is_refused(demo_db):
    out = _kpi(demo_db, "create", "--fy", "2021")
    assert out.returncode == 2 and out.stderr.strip() == "エラー: 令和3年度のサイクルは既にあります（確定済）"
