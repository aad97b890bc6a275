"""Markup typed by people, stored through the services into a running app's warehouse: an account whose display name
is markup saves values whose reasons are markup; the department's head approves them, the reviewer approves one and
returns another with a markup comment, and a third waits in the reviewer's queue. The every-page sweep
(tests/browser/test_every_page.py) then checks that all of it shows as text and never runs."""
from __future__ import annotations

from pathlib import Path

import warehouse
from kpi.domain.workflow import Role
from kpi.services import admin, intake, workflow
from kpi.services.accounts import authenticate
from kpi.services.actors import Actor
from kpi.services.entries import RawEntry
from kpi.services.workflow import ValueRef

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
NAME = '<img src=x onerror="window.__xss=3">入力担当'
COMMENT = IMG + " 要因を見直してください"
TYPED = (COMMENT, NAME, SCRIPT, IMG)  # longest first: what a person typed, removed whole from a page's text
LOGIN = "xss-editor"
ADMIN = Actor("admin", "管理者", frozenset({Role.ADMIN}), frozenset())
REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}), frozenset())
HEAD1 = Actor("head1", "総務部行政改革推進課長（所属長）", frozenset({Role.DEPT_HEAD}), frozenset({"GYOKAKU"}))


def _ref(db: Path, code: str) -> ValueRef:
    with warehouse.connect(db) as con:
        value_id, version = con.execute(
            "SELECT v.value_id, v.version FROM indicator_values v JOIN indicators i USING (indicator_id)"
            " JOIN cycles c USING (cycle_id) WHERE i.code = ? AND c.fiscal_year = 2022", [code]).fetchone()
    return ValueRef(value_id, version)


def write(db: Path) -> None:
    """Store the hostile text in db: P3-2-01 approved, P3-3-01 returned with a markup comment, P3-2-02 waiting for
    the reviewer (past the head: the demo's chain is 担当 → 所属長 → 行政改革推進課)."""
    admin.create_account(ADMIN, LOGIN, NAME, f"{LOGIN}-pass", ["editor"], ["GYOKAKU"], db=db)
    editor = authenticate(LOGIN, f"{LOGIN}-pass", db=db)
    entries = [RawEntry(code="P3-2-01", value="1", kind="実績値", reason=SCRIPT, reason_category="other", row_no=1,
                        check_version=False),
               RawEntry(code="P3-3-01", value="1", kind="実績値", reason=IMG, reason_category="other", row_no=2,
                        check_version=False)]
    report = intake.process(intake.receive(editor, 2022, "GYOKAKU", entries, db=db), db=db)
    assert report.status == "landed", report.findings
    workflow.submit(editor, [_ref(db, "P3-2-01"), _ref(db, "P3-3-01")], db=db, acknowledge_warnings=True)
    for code in ("P3-2-01", "P3-3-01"):  # the head's level first
        workflow.approve(HEAD1, _ref(db, code), db=db)
    workflow.approve(REVIEWER, _ref(db, "P3-2-01"), db=db)
    workflow.return_value(REVIEWER, _ref(db, "P3-3-01"), COMMENT, db=db)
    queued = [RawEntry(code="P3-2-02", value="1", kind="実績値", reason=SCRIPT, reason_category="other", row_no=1,
                       check_version=False)]  # left in the reviewer's queue
    assert intake.process(intake.receive(editor, 2022, "GYOKAKU", queued, db=db), db=db).status == "landed"
    workflow.submit(editor, [_ref(db, "P3-2-02")], db=db, acknowledge_warnings=True)
    workflow.approve(HEAD1, _ref(db, "P3-2-02"), db=db)  # past the head: waiting in the division's queue


def without_typed(text: str) -> str:
    """A page's text without what the hostile people typed (their text, not the UI's words)."""
    for typed in TYPED:
        text = text.replace(typed, " ")
    return text
