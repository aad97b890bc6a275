"""Administrators manage accounts, roles and departments; every change is audited; nobody else can."""
from __future__ import annotations

import pytest

import warehouse
from kpi.domain.workflow import Role
from kpi.services import admin
from kpi.services.accounts import LoginFailed, authenticate
from kpi.services.actors import Actor, Forbidden

ADMIN = Actor("admin", "管理者", frozenset({Role.ADMIN}))


def test_a_new_account_can_log_in_with_its_roles_and_departments(demo_db):
    admin.create_account(ADMIN, "Tanaka.H", "田中 花子", "long-enough-pw", ["editor"], ["IRYO"], db=demo_db)
    actor = authenticate("tanaka.h", "long-enough-pw", db=demo_db)
    assert actor.roles == {Role.EDITOR} and actor.departments == {"IRYO"}
    with warehouse.connect(demo_db) as con:
        audit = con.execute("SELECT actor, action, entity_id FROM audit_log WHERE entity = 'user'").fetchall()
    assert audit == [("admin", "create_user", "tanaka.h")]


@pytest.mark.parametrize(("login", "name", "pw", "roles", "depts", "fragment"), [
    ("ok-user", "名前", "short", ["executive"], [], "10文字以上"),
    ("bad login!", "名前", "long-enough-pw", ["executive"], [], "ログインID"),
    ("ok-user", "", "long-enough-pw", ["executive"], [], "氏名"),
    ("ok-user", "名前", "long-enough-pw", [], [], "役割"),
    ("ok-user", "名前", "long-enough-pw", ["editor"], [], "担当課"),
    ("ok-user", "名前", "long-enough-pw", ["editor"], ["NOPE"], "不明な担当課"),
    ("reviewer", "名前", "long-enough-pw", ["reviewer"], [], "既に使われています"),
])
def test_bad_account_input_is_refused_in_japanese_and_nothing_is_created(demo_db, login, name, pw, roles, depts, fragment):
    with warehouse.connect(demo_db) as con:
        before = con.execute("SELECT count(*) FROM users").fetchone()[0]
    with pytest.raises(admin.AdminError, match=fragment):
        admin.create_account(ADMIN, login, name, pw, roles, depts, db=demo_db)
    with warehouse.connect(demo_db) as con:
        assert con.execute("SELECT count(*) FROM users").fetchone()[0] == before


@pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER, Role.EXECUTIVE])
def test_only_administrators_manage_accounts(demo_db, role):
    someone = Actor("x", "x", frozenset({role}), frozenset({"GYOKAKU"}))
    with pytest.raises(Forbidden):
        admin.create_account(someone, "new-user", "名前", "long-enough-pw", ["executive"], [], db=demo_db)
    with pytest.raises(Forbidden):
        admin.reset_password(someone, "editor1", "long-enough-pw", db=demo_db)
    with pytest.raises(Forbidden):
        admin.save_department(someone, "NEWDEPT", "新しい課", db=demo_db)


def test_a_disabled_account_cannot_log_in(demo_db):
    admin.update_account(ADMIN, "editor2", roles=["editor"], departments=["IRYO"], active=False, db=demo_db)
    with pytest.raises(LoginFailed):
        authenticate("editor2", "editor2-pass", db=demo_db)


def test_a_reset_password_replaces_the_old_one(demo_db):
    admin.reset_password(ADMIN, "editor1", "a-new-password-1", db=demo_db)
    assert authenticate("editor1", "a-new-password-1", db=demo_db).login == "editor1"
    with pytest.raises(LoginFailed):
        authenticate("editor1", "editor1-pass", db=demo_db)


def test_an_administrator_cannot_lock_themselves_out(demo_db):
    with pytest.raises(admin.AdminError, match="自分自身"):
        admin.update_account(ADMIN, "admin", roles=["reviewer"], departments=[], active=True, db=demo_db)


def test_departments_are_created_and_renamed_with_an_audit_row(demo_db):
    admin.save_department(ADMIN, "dx", "デジタル改革推進課", db=demo_db)
    admin.save_department(ADMIN, "DX", "デジタル改革課", db=demo_db)
    with warehouse.connect(demo_db) as con:
        assert con.execute("SELECT name FROM departments WHERE department_code = 'DX'").fetchone() == ("デジタル改革課",)
        rows = con.execute("SELECT old_value, new_value FROM audit_log WHERE entity = 'department'").fetchall()
    assert rows == [(None, "デジタル改革推進課"), ("デジタル改革推進課", "デジタル改革課")]


def test_an_openid_identity_maps_to_the_local_account_with_that_email(demo_db):
    from kpi.services.accounts import actor_for_identity
    from warehouse import users

    with warehouse.transaction(demo_db) as con:
        users.set_email(con, "reviewer", "Gyokaku.Shinsa@pref.example.lg.jp")
    assert actor_for_identity("gyokaku.shinsa@pref.example.lg.jp", db=demo_db).login == "reviewer"
    with pytest.raises(LoginFailed, match="登録されていません"):
        actor_for_identity("stranger@example.com", db=demo_db)


def test_repeated_wrong_passwords_slow_the_login_down_and_a_reset_lets_the_person_in_at_once(demo_db, monkeypatch):
    from kpi.services import accounts

    monkeypatch.setattr(accounts, "clock", lambda: 1000.0)  # time stands still: the wait never runs out here
    admin.create_account(ADMIN, "lock-me", "試験", "right-password", ["executive"], [], db=demo_db)
    for _ in range(accounts.BY_SOURCE_AND_LOGIN.free + 1):
        with pytest.raises(LoginFailed, match="正しくありません"):
            authenticate("lock-me", "wrong-password", db=demo_db)
    with pytest.raises(accounts.LoginThrottled, match="秒待ってから"):
        authenticate("lock-me", "right-password", db=demo_db)  # even the right password, for a moment
    assert authenticate("reviewer", "reviewer-pass", db=demo_db).login == "reviewer"  # others are not affected
    admin.reset_password(ADMIN, "lock-me", "another-right-password", db=demo_db)
    assert authenticate("lock-me", "another-right-password", db=demo_db).login == "lock-me"
