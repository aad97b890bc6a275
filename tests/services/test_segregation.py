"""Segregation of duties and an audit trail that says what changed (issue #20), each failing before its fix."""
from __future__ import annotations

import json

import pytest

import warehouse
from kpi.domain.workflow import Role, SelfApproval
from kpi.services import admin, review, summaries, workflow
from kpi.services.actors import Actor, Forbidden
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    EDITOR1, OWN, REVIEWER_EDITOR, head_approve, stage, wf_db,
)

ADMIN = Actor("admin", "管理者", frozenset({Role.ADMIN}))
REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}))


def _audit_rows(db, entity: str) -> list[dict]:
    with warehouse.connect(db) as con:
        cur = con.execute("SELECT actor, action, entity_id, old_value, new_value FROM audit_log WHERE entity = ?"
                          " ORDER BY audit_id", [entity])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def test_nobody_changes_their_own_roles_or_departments(demo_db):
    admin.create_account(ADMIN, "second-admin", "二人目の管理者", "long-enough-pw", ["admin"], [], db=demo_db)
    me = Actor("second-admin", "二人目の管理者", frozenset({Role.ADMIN}))
    for change in ({"roles": ["admin", "executive"], "departments": []},
                   {"roles": ["admin", "editor"], "departments": ["IRYO"]}):
        with pytest.raises(admin.AdminError, match="自分自身の役割"):
            admin.update_account(me, "second-admin", active=True, db=demo_db, **change)
    admin.update_account(me, "second-admin", roles=["admin"], departments=[], active=True,
                         email="second@example.jp", db=demo_db)  # the e-mail is not a duty
    with warehouse.connect(demo_db) as con:
        assert [r[0] for r in con.execute("SELECT role FROM user_roles WHERE login = 'second-admin'").fetchall()] == ["admin"]


@pytest.mark.parametrize("roles", [["reviewer", "admin"], ["admin", "reviewer", "executive"]])
def test_reviewer_and_administrator_are_not_one_account_by_default(demo_db, roles, monkeypatch):
    monkeypatch.delenv(admin.ALLOW_REVIEWER_ADMIN_ENV, raising=False)
    with pytest.raises(admin.AdminError, match="職務の分離"):
        admin.create_account(ADMIN, "both", "兼務", "long-enough-pw", roles, [], db=demo_db)
    with pytest.raises(admin.AdminError, match="職務の分離"):
        admin.update_account(ADMIN, "reviewer", roles=roles, departments=[], active=True, db=demo_db)
    monkeypatch.setenv(admin.ALLOW_REVIEWER_ADMIN_ENV, "1")  # a very small body may allow it, documented
    admin.create_account(ADMIN, "both", "兼務", "long-enough-pw", roles, [], db=demo_db)


def test_granting_the_reviewer_role_is_recorded_with_who_granted_it_and_before_after(demo_db):
    admin.update_account(ADMIN, "editor2", roles=["editor", "reviewer"], departments=["IRYO"], active=True, db=demo_db)
    row = _audit_rows(demo_db, "user")[-1]
    assert row["actor"] == "admin" and row["action"] == "update_user" and row["entity_id"] == "editor2"
    assert json.loads(row["old_value"]) == {"roles": ["editor"]}
    assert json.loads(row["new_value"]) == {"roles": ["editor", "reviewer"]}


def test_an_email_change_records_the_old_and_the_new_address(demo_db):
    admin.update_account(ADMIN, "editor1", roles=["editor"], departments=["GYOKAKU"], active=True,
                         email="first@example.jp", db=demo_db)
    admin.update_account(ADMIN, "editor1", roles=["editor"], departments=["GYOKAKU"], active=True,
                         email="second@example.jp", db=demo_db)
    row = _audit_rows(demo_db, "user")[-1]
    assert json.loads(row["old_value"]) == {"email": "first@example.jp"}
    assert json.loads(row["new_value"]) == {"email": "second@example.jp"}


@pytest.mark.parametrize("login", ["system", "scheduler", "cli", "reader", "local"])
def test_the_names_of_automated_actors_are_reserved(demo_db, login):
    with pytest.raises(admin.AdminError, match="自動処理"):
        admin.create_account(ADMIN, login, "なりすまし", "long-enough-pw", ["executive"], [], db=demo_db)


def test_nobody_approves_a_value_they_submitted_even_if_someone_else_entered_it(wf_db, stage):
    """The reviewer's account also holding the editor role submits editor1's draft: it may not then approve it."""
    ref = stage.ref(OWN, "draft")  # entered by editor1
    [version] = workflow.submit(REVIEWER_EDITOR, [ref], db=wf_db, acknowledge_warnings=True)
    [ref] = head_approve(wf_db, OWN, workflow.ValueRef(ref.value_id, version))  # 所属長承認 first
    version = ref.version
    with pytest.raises(SelfApproval, match="自分で提出した値"):
        workflow.approve(REVIEWER_EDITOR, workflow.ValueRef(ref.value_id, version), db=wf_db)
    other = Actor("reviewer2", "審査担当2", frozenset({Role.REVIEWER}))
    workflow.approve(other, workflow.ValueRef(ref.value_id, version), db=wf_db)  # someone else may


def test_the_administrator_sees_who_did_what_but_no_unapproved_figure(wf_db):
    demo_db = wf_db
    seen_by_admin = [r for r in review.audit_trail(ADMIN, db=demo_db) if r["entity"] == "value"]
    seen_by_reviewer = [r for r in review.audit_trail(REVIEWER, db=demo_db) if r["entity"] == "value"]
    assert seen_by_admin and len(seen_by_admin) == len(seen_by_reviewer)
    assert any(r["new_value"] not in (None, review.HIDDEN) for r in seen_by_reviewer)
    assert all(r["new_value"] in (None, review.HIDDEN) and r["old_value"] in (None, review.HIDDEN)
               for r in seen_by_admin)
    with pytest.raises(Forbidden):
        summaries.department_view(2022, actor=ADMIN, db=demo_db)
    with pytest.raises(Forbidden):
        summaries.load_cycle(2022, basis="all", actor=ADMIN, db=demo_db)
    assert summaries.department_view(2022, actor=REVIEWER, db=demo_db).rows
