"""Role × action × department: exactly the allowed combinations succeed; the rest are Forbidden and write nothing."""
from __future__ import annotations

import itertools

import pytest

import warehouse
from kpi.domain.workflow import Role
from kpi.services import workflow
from kpi.services.actors import Actor, Forbidden
from kpi.services.permissions import Permission, allowed, check
from kpi.services.workflow import DraftInput
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    ADMIN, EDITOR1, EXECUTIVE, HEAD1, JAPANESE, OTHER, OWN, REVIEWER, REVIEWER_EDITOR, STAGED, audit_since, fields,
    head_approve, last_audit_id, save, snapshot, stage, value, wf_db,
)

# the head of the editor's department (所属長承認者, head1); the demo strategy has the two-level chain 担当 → 所属長 →
# 行政改革推進課, so the head approves and returns the department's submitted values (所属長承認／所属長差戻し) and the
# division acts on what the head approved (more: tests/services/test_workflow_chain.py)
HEAD = HEAD1
ACTORS = {"editor": EDITOR1, "dept_head": HEAD, "reviewer": REVIEWER, "executive": EXECUTIVE, "admin": ADMIN}
DEPTS = {"own": OWN, "other": OTHER}  # "own" is the editor's department (GYOKAKU); "other" is IRYO

# ---- the workflow actions, through kpi.services.workflow ----------------------------------------------------------

# (role, action) → the departments where it succeeds; everything not listed is refused
WORKFLOW_ALLOWED: dict[tuple[str, str], set[str]] = {
    ("editor", "save"): {"own"},
    ("editor", "submit"): {"own"},
    ("dept_head", "return"): {"own"},
    ("dept_head", "approve"): {"own"},
    ("reviewer", "return"): {"own", "other"},
    ("reviewer", "approve"): {"own", "other"},
    ("reviewer", "reopen"): {"own", "other"},
}
ACTIONS = {  # action → (the staged state it acts on, the state it leads to, its label in refusals)
    "save": ("draft", "draft", "値の保存"),
    "submit": ("draft", "submitted", "値の提出"),
    "return": ("submitted", "returned", "差戻し"),
    "approve": ("submitted", "approved", "承認"),
    "reopen": ("approved", "draft", "承認取消"),
}
WORKFLOW_CASES = list(itertools.product(ACTORS, ACTIONS, DEPTS))
HEAD_ACTIONS = {"approve": ("head_approve", "head_approved"), "return": ("head_return", "returned")}


def _ref(db, stage, role: str, action: str, dept: str):
    """The value the action is taken on: the division approves and returns what the head approved."""
    department = DEPTS[dept]
    ref = stage.ref(department, ACTIONS[action][0])
    if role == "reviewer" and action in HEAD_ACTIONS:
        [ref] = head_approve(db, department, ref)
    return ref


def _do(db, stage, actor: Actor, action: str, dept: str, ref):
    department = DEPTS[dept]
    if action == "save":
        ind = stage.ind(STAGED[(department, "draft")])
        return save(db, actor, stage.fy2022, ind, fields(123456), expected_version=ref.version)
    if action == "submit":
        return workflow.submit(actor, [ref], db)
    if action == "return":
        return workflow.return_value(actor, ref, "確認してください", db)
    if action == "approve":
        return workflow.approve(actor, ref, db)
    return workflow.reopen(actor, ref, "訂正のため", db)


# DuckDB only: who may act where is decided before any SQL runs; the write of every allowed action (save, submit,
# 所属長承認／差戻し, approve, return, reopen) and its audit row run on both backends in test_workflow_transitions.py.
@pytest.mark.parametrize("backend", ["duckdb"])
@pytest.mark.parametrize(("role", "action", "dept"), WORKFLOW_CASES, ids=["-".join(c) for c in WORKFLOW_CASES])
def test_a_workflow_action_succeeds_exactly_where_the_role_and_department_allow_it(wf_db, stage, role, action, dept):
    actor = ACTORS[role]
    department = DEPTS[dept]
    source, target, label = ACTIONS[action]
    ref = _ref(wf_db, stage, role, action, dept)
    if dept in WORKFLOW_ALLOWED.get((role, action), set()):
        start = last_audit_id(wf_db)
        _do(wf_db, stage, actor, action, dept, ref)
        done, target = HEAD_ACTIONS[action] if role == "dept_head" else (action, target)
        row = value(wf_db, ref.value_id)
        assert (row["state"], row["version"]) == (target, ref.version + 1)
        [audit] = audit_since(wf_db, start)
        assert (audit["actor"], audit["role"], audit["action"], audit["to_state"]) == (
            actor.login, role, done, target)
    else:
        with pytest.raises(Forbidden) as caught:
            _do(wf_db, stage, actor, action, dept, ref)
        message = str(caught.value)
        if role == "editor" and action in ("save", "submit"):  # the editor's own kind of action, wrong department
            assert message == f"担当外の所属（{department}）の{label}はできません"
        elif role == "dept_head" and action in HEAD_ACTIONS:  # the head's own kind of action, another department
            assert message == f"担当外の所属（{department}）の所属長{label}はできません"
        else:
            assert message == f"{label}の権限がありません"
        assert snapshot(wf_db) == stage.snapshot


# ---- the other permissions, through permissions.allowed / check ----------------------------------------------

PERMISSION_ALLOWED: dict[tuple[str, Permission], set[str]] = {
    ("editor", Permission.VIEW_UNAPPROVED): {"own"},
    ("dept_head", Permission.VIEW_UNAPPROVED): {"own"},
    ("dept_head", Permission.HEAD_APPROVE): {"own"},  # 一次承認: their own departments only
    ("dept_head", Permission.HEAD_RETURN): {"own"},
    ("reviewer", Permission.VIEW_UNAPPROVED): {"own", "other"},
    ("reviewer", Permission.VIEW_UNAPPROVED_ALL): {"own", "other"},  # never the administrator (segregation)
    ("reviewer", Permission.MANAGE_MASTER): {"own", "other"},
    ("admin", Permission.MANAGE_MASTER): {"own", "other"},
    ("admin", Permission.MANAGE_USERS): {"own", "other"},
    ("reviewer", Permission.PUBLISH): {"own", "other"},
    ("reviewer", Permission.VIEW_AUDIT): {"own", "other"},
    ("reviewer", Permission.WRITE_NARRATIVE): {"own", "other"},  # outline and conclusions: the division only
    ("admin", Permission.VIEW_AUDIT): {"own", "other"},
    # the workflow permissions agree with the service-level matrix above
    ("editor", Permission.SAVE): {"own"},
    ("editor", Permission.SUBMIT): {"own"},
    ("reviewer", Permission.RETURN): {"own", "other"},
    ("reviewer", Permission.APPROVE): {"own", "other"},
    ("reviewer", Permission.REOPEN): {"own", "other"},
    # directories and reminders (once checked with actors.require, now rows of the one table)
    ("reviewer", Permission.VIEW_DEPARTMENTS): {"own", "other"},
    ("admin", Permission.VIEW_DEPARTMENTS): {"own", "other"},
    ("admin", Permission.VIEW_ACCOUNTS): {"own", "other"},
    ("reviewer", Permission.REMIND): {"own", "other"},
    ("admin", Permission.REMIND): {"own", "other"},
    # 見込 → 確定: the 確定値 of a finished year, entered by the department, approved through the chain
    ("editor", Permission.CONFIRM): {"own"},
    ("dept_head", Permission.CONFIRM_HEAD_APPROVE): {"own"},
    ("reviewer", Permission.CONFIRM_APPROVE): {"own", "other"},
    # everyone sees approved figures and the list of cycles
    **{(r, Permission.VIEW_APPROVED): {"own", "other"} for r in ACTORS},
    **{(r, Permission.VIEW_CYCLES): {"own", "other"} for r in ACTORS},
}
PERMISSION_CASES = list(itertools.product(ACTORS, Permission, DEPTS))


@pytest.mark.parametrize(("role", "permission", "dept"), PERMISSION_CASES,
                         ids=[f"{r}-{p.value}-{d}" for r, p, d in PERMISSION_CASES])
def test_a_permission_is_granted_exactly_where_the_role_and_department_allow_it(role, permission, dept):
    actor = ACTORS[role]
    expected = dept in PERMISSION_ALLOWED.get((role, permission), set())
    assert allowed(actor, permission, DEPTS[dept]) is expected
    if expected:
        check(actor, permission, DEPTS[dept])
    else:
        with pytest.raises(Forbidden) as caught:
            check(actor, permission, DEPTS[dept])
        message = str(caught.value)
        assert JAPANESE.search(message) and message.endswith(("権限がありません", "はできません")), message


# ---- an editor and another department's indicators ----------------------------------------------------------------

def test_an_editor_can_save_no_indicator_of_another_department_whatever_id_it_sends(wf_db, stage):
    others = [r["indicator_id"] for r in stage.indicators.values() if r["department_code"] != OWN]
    assert len(others) == 60
    with_values = {stage.ind(code) for (dept, _state), code in STAGED.items() if dept == OTHER}
    with warehouse.transaction(wf_db) as con:  # each refusal comes before any write, so one transaction will do
        for ind in others:
            for version in ((None, 1) if ind in with_values else (None,)):
                with pytest.raises(Forbidden, match="担当外の所属"):
                    workflow.save_drafts_in(con, EDITOR1, stage.fy2022, [DraftInput(ind, fields(1), {}, version)],
                                            batch_id=None)
    assert snapshot(wf_db) == stage.snapshot


def test_a_refused_batch_saves_not_even_the_editors_own_indicators(wf_db, stage):
    with pytest.raises(Forbidden):
        with warehouse.transaction(wf_db) as con:
            workflow.save_drafts_in(con, EDITOR1, stage.fy2022,
                                    [DraftInput(stage.ind("P1-1-01"), fields(300)),
                                     DraftInput(stage.ind("P2-1-04"), fields(1), {}, 1)], batch_id=None)
    assert snapshot(wf_db) == stage.snapshot


@pytest.mark.parametrize("state", ["draft", "submitted", "approved", "returned"])
def test_an_editor_can_submit_no_value_of_another_department_whatever_its_state(wf_db, stage, state):
    with pytest.raises(Forbidden) as caught:
        workflow.submit(EDITOR1, [stage.ref(OWN, "draft"), stage.ref(OTHER, state)], wf_db)
    assert str(caught.value) == "担当外の所属（IRYO）の値の提出はできません"
    assert snapshot(wf_db) == stage.snapshot


def test_a_reviewer_who_also_edits_one_department_edits_no_other(wf_db, stage):
    with pytest.raises(Forbidden, match="担当外の所属（IRYO）"):
        save(wf_db, REVIEWER_EDITOR, stage.fy2022, stage.ind("P2-1-04"), fields(1),
             expected_version=stage.ref(OTHER, "draft").version)
    with pytest.raises(Forbidden, match="担当外の所属（IRYO）"):
        workflow.submit(REVIEWER_EDITOR, [stage.ref(OTHER, "draft")], wf_db)
    assert snapshot(wf_db) == stage.snapshot


def test_an_editor_without_departments_can_save_nothing(wf_db, stage):
    nobody = Actor("editor1", "総務部 入力担当", frozenset({Role.EDITOR}), frozenset())
    with pytest.raises(Forbidden, match="担当外の所属（GYOKAKU）"):
        save(wf_db, nobody, stage.fy2022, stage.ind("P1-1-01"), fields(300))
    assert snapshot(wf_db) == stage.snapshot
