"""A changed account cannot act with what it was read as: the workflow re-checks the account in its transaction."""
from __future__ import annotations

import pytest

from kpi.services import admin, workflow
from kpi.services.accounts import authenticate
from kpi.services.actors import Forbidden
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    ADMIN, FRESH, OWN, REVIEWER, fields, head_approve, save, stage, value, wf_db,
)

REVOKED = "アカウントの権限が変更されたため"


@pytest.mark.parametrize("change", [
    lambda db: admin.reset_password(ADMIN, "reviewer", "a-brand-new-password", db=db),
    lambda db: admin.update_account(ADMIN, "reviewer", roles=["executive"], departments=[], active=True, db=db),
    lambda db: admin.update_account(ADMIN, "reviewer", roles=["reviewer"], departments=[], active=False, db=db),
], ids=["password reset", "role change", "disabled"])
def test_a_reviewer_read_before_the_account_changed_cannot_approve(wf_db, stage, change):
    reviewer = authenticate("reviewer", "reviewer-pass", db=wf_db)
    ref = stage.ref(OWN, "submitted")
    change(wf_db)
    with pytest.raises(Forbidden, match=REVOKED):
        workflow.approve(reviewer, ref, wf_db)
    with pytest.raises(Forbidden, match=REVOKED):
        workflow.approve_many(reviewer, [ref], wf_db)
    assert value(wf_db, ref.value_id)["state"] == "submitted"


def test_an_editor_moved_to_another_department_cannot_save_with_the_old_actor(wf_db, stage):
    editor = authenticate("editor1", "editor1-pass", db=wf_db)
    admin.update_account(ADMIN, "editor1", roles=["editor"], departments=["IRYO"], active=True, db=wf_db)
    with pytest.raises(Forbidden, match=REVOKED):
        save(wf_db, editor, stage.fy2022, stage.ind(FRESH[0]), fields(300))


def test_an_unchanged_account_still_acts_and_so_do_the_command_line_and_jobs(wf_db, stage):
    reviewer = authenticate("reviewer", "reviewer-pass", db=wf_db)
    assert reviewer.version is not None and REVIEWER.version is None
    [ref] = head_approve(wf_db, OWN, stage.ref(OWN, "submitted"))  # the head first (the demo's chain)
    workflow.approve(reviewer, ref, wf_db)
    assert value(wf_db, stage.ref(OWN, "submitted").value_id)["state"] == "approved"
