"""Logins, slowed logins, unlocks and restores leave audit rows; an administrator sees a slowed login and lifts
it at once, in every app process (issue #20)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import warehouse
from kpi.domain.workflow import Role
from kpi.services import accounts, admin, directory
from kpi.services.accounts import LoginFailed, LoginThrottled, authenticate
from kpi.services.actors import Actor
from tests.services.test_login_throttle import Clock

ADMIN = Actor("admin", "管理者", frozenset({Role.ADMIN}))
KPI = Path(sys.executable).parent / "kpi"


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(accounts, "clock", c)
    monkeypatch.setattr(accounts, "check_password", lambda h, p: p == "reviewer-pass" and h.startswith("$argon2"))
    return c


def _sessions_audit(db) -> list[tuple]:
    with warehouse.connect(db) as con:
        return con.execute("SELECT actor, action, entity_id, new_value FROM audit_log WHERE entity = 'session'"
                           " ORDER BY audit_id").fetchall()


def test_logins_failures_and_slowed_logins_are_audited_but_unknown_names_leave_no_row(demo_db, clock):
    authenticate("reviewer", "reviewer-pass", db=demo_db, source="10.0.0.7")
    for _ in range(4):
        with pytest.raises(LoginFailed):
            authenticate("reviewer", "wrong", db=demo_db, source="10.0.0.9")
    with pytest.raises(LoginFailed):
        authenticate("no-such-person", "wrong", db=demo_db, source="10.0.0.9")
    rows = _sessions_audit(demo_db)
    assert [r[1] for r in rows] == ["login", "login_failed", "login_failed", "login_failed", "lockout"]
    assert {r[0] for r in rows} == {"reviewer"} and rows[0][3] == "接続元 10.0.0.7"


def test_an_administrator_sees_a_slowed_login_and_lifts_it_at_once(demo_db, clock):
    for _ in range(12):  # from many places: the login itself is slowed
        try:
            authenticate("reviewer", "wrong", db=demo_db, source=f"10.0.1.{_}")
        except LoginFailed:
            pass
    with pytest.raises(LoginThrottled):
        authenticate("reviewer", "reviewer-pass", db=demo_db, source="10.0.9.9")
    listed = {u["login"]: u for u in directory.list_accounts(ADMIN, db=demo_db)}
    assert listed["reviewer"]["wait_s"] > 0 and listed["editor1"]["wait_s"] == 0
    admin.unlock_account(ADMIN, "reviewer", db=demo_db)
    assert {u["login"]: u for u in directory.list_accounts(ADMIN, db=demo_db)}["reviewer"]["wait_s"] == 0
    assert authenticate("reviewer", "reviewer-pass", db=demo_db, source="10.0.9.9").login == "reviewer"
    with warehouse.connect(demo_db) as con:
        assert con.execute("SELECT actor FROM audit_log WHERE action = 'unlock_user' AND entity_id = 'reviewer'"
                           ).fetchall() == [("admin",)]


def test_only_administrators_unlock(demo_db):
    reviewer = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}))
    with pytest.raises(Exception, match="権限がありません"):
        admin.unlock_account(reviewer, "editor1", db=demo_db)


def test_a_restore_is_recorded_in_the_restored_audit_trail(demo_db, tmp_path):
    backup = tmp_path / "kpi-backup.duckdb"
    for args in (["backup", "--out", str(backup)], ["restore", str(backup)]):
        done = subprocess.run([str(KPI), *args, "--db", str(demo_db)], capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
    with warehouse.connect(demo_db) as con:
        row = con.execute("SELECT actor, action, entity, entity_id, comment FROM audit_log ORDER BY audit_id DESC"
                          " LIMIT 1").fetchone()
    assert row[:4] == ("local", "restore", "warehouse", "kpi-backup.duckdb") and row[4].startswith("OSユーザー")
    verified = subprocess.run([str(KPI), "audit", "verify", "--db", str(demo_db)], capture_output=True, text=True,
                              timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr  # the chain runs on through the restore


def test_a_login_slowed_from_one_browser_is_shown_to_the_administrator_too(demo_db, clock):
    for _ in range(4):  # one browser: 3 free tries, then a wait
        with pytest.raises(LoginFailed):
            authenticate("editor1", "wrong", db=demo_db, source="10.0.0.5")
    assert {u["login"]: u["wait_s"] for u in directory.list_accounts(ADMIN, db=demo_db)}["editor1"] == 1
    admin.unlock_account(ADMIN, "editor1", db=demo_db)
    assert {u["login"]: u["wait_s"] for u in directory.list_accounts(ADMIN, db=demo_db)}["editor1"] == 0
