"""Optimistic locking: a stale version is refused with Conflict, races have one winner, nothing is silently lost."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from kpi.domain.workflow import WorkflowError
from kpi.services import workflow
from kpi.services.workflow import Conflict
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    EDITOR1, EDITOR2_ALSO_GYOKAKU, FRESH, JAPANESE, OWN, REVIEWER, STALE, audit_since, fields, head_approve,
    last_audit_id, save,
    snapshot, stage, value, wf_db,
)

ROOT = Path(__file__).resolve().parents[2]


# ---- a stale version ------------------------------------------------------------------------------------------

class _AtDivision:
    """The stage with GYOKAKU's submitted value approved by its head (所属長承認): what the division acts on."""

    def __init__(self, db, stage):
        self.stage = stage
        [self.submitted] = head_approve(db, OWN, stage.ref(OWN, "submitted"))

    def ref(self, department, state):
        return self.submitted if (department, state) == (OWN, "submitted") else self.stage.ref(department, state)

    def __getattr__(self, name):
        return getattr(self.stage, name)


def _first_then_stale(action):
    """(what another person does first, what the stale person then tries) for each action."""
    def save_first(db, s):
        save(db, EDITOR2_ALSO_GYOKAKU, s.fy2022, s.ind("P1-1-04"), fields(7777),
             expected_version=s.ref(OWN, "draft").version)

    first = {
        "save": save_first,
        "submit": save_first,
        "approve": lambda db, s: workflow.return_value(REVIEWER, s.ref(OWN, "submitted"), "確認してください", db),
        "return": lambda db, s: workflow.approve(REVIEWER, s.ref(OWN, "submitted"), db),
        "reopen": lambda db, s: workflow.reopen(REVIEWER, s.ref(OWN, "approved"), "訂正のため", db),
    }[action]
    stale = {
        "save": lambda db, s: save(db, EDITOR1, s.fy2022, s.ind("P1-1-04"), fields(1234),
                                   expected_version=s.ref(OWN, "draft").version),
        "submit": lambda db, s: workflow.submit(EDITOR1, [s.ref(OWN, "draft")], db),
        "approve": lambda db, s: workflow.approve(REVIEWER, s.ref(OWN, "submitted"), db),
        "return": lambda db, s: workflow.return_value(REVIEWER, s.ref(OWN, "submitted"), "要確認", db),
        "reopen": lambda db, s: workflow.reopen(REVIEWER, s.ref(OWN, "approved"), "別の訂正", db),
    }[action]
    return first, stale


CODE_OF = {"save": "P1-1-04", "submit": "P1-1-04", "approve": "P3-2-01", "return": "P3-2-01", "reopen": "P2-1-03"}


@pytest.mark.parametrize("action", ["save", "submit", "approve", "return", "reopen"])
def test_acting_on_a_version_someone_else_already_changed_raises_conflict_and_changes_nothing(wf_db, stage, action):
    first, stale = _first_then_stale(action)
    stage = _AtDivision(wf_db, stage) if action in ("approve", "return") else stage
    first(wf_db, stage)
    before = snapshot(wf_db)
    with pytest.raises(Conflict) as caught:
        stale(wf_db, stage)
    message = str(caught.value)
    assert STALE in message and stage.indicators[CODE_OF[action]]["name"] in message, message
    assert "あなたが表示した後に" in message and "保存されている値" in message  # who, when and what is stored
    assert snapshot(wf_db) == before


def test_a_stale_save_keeps_the_other_persons_figure(wf_db, stage):
    first, stale = _first_then_stale("save")
    first(wf_db, stage)
    with pytest.raises(Conflict):
        stale(wf_db, stage)
    row = value(wf_db, stage.ref(OWN, "draft").value_id)
    assert (row["value_number"], row["entered_by"], row["version"]) == (Decimal("7777"), "editor2", 2)


def test_saving_a_form_after_a_colleague_submitted_the_value_says_someone_updated_it(wf_db, stage):
    """The stale form's news is that someone moved the value on, not that submitted values cannot be saved."""
    draft = stage.ref(OWN, "draft")
    workflow.submit(EDITOR2_ALSO_GYOKAKU, [draft], wf_db)
    before = snapshot(wf_db)
    with pytest.raises(Conflict, match=STALE):
        save(wf_db, EDITOR1, stage.fy2022, stage.ind("P1-1-04"), fields(1234), expected_version=draft.version)
    assert snapshot(wf_db) == before
    assert value(wf_db, draft.value_id)["state"] == "submitted"


def test_saving_with_a_version_for_a_value_that_does_not_exist_is_a_conflict(wf_db, stage):
    before = snapshot(wf_db)
    with pytest.raises(Conflict, match=STALE):
        save(wf_db, EDITOR1, stage.fy2022, stage.ind(FRESH[0]), fields(300), expected_version=3)
    assert snapshot(wf_db) == before


# ---- races between threads --------------------------------------------------------------------------------------

def _race(*actions):
    """Run the actions in threads released together; return each one's ("ok", result) or ("error", exception)."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(i, action):
        barrier.wait(timeout=30)
        try:
            outcomes[i] = ("ok", action())
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[i] = ("error", exc)

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(o is not None for o in outcomes), "a racing thread never finished"
    return outcomes


def _one_winner(outcomes, loser_error=Conflict):
    wins = [o for o in outcomes if o[0] == "ok"]
    losses = [o[1] for o in outcomes if o[0] == "error"]
    assert len(wins) == 1 and len(losses) == len(outcomes) - 1, outcomes
    for exc in losses:
        assert isinstance(exc, loser_error), repr(exc)
        assert JAPANESE.search(str(exc)), str(exc)
    return wins[0][1], losses


def test_two_reviewers_approving_the_same_value_at_once_one_succeeds_the_other_gets_conflict(wf_db, stage):
    [ref] = head_approve(wf_db, OWN, stage.ref(OWN, "submitted"))
    start = last_audit_id(wf_db)
    version, [loss] = _one_winner(_race(lambda: workflow.approve(REVIEWER, ref, wf_db),
                                        lambda: workflow.approve(REVIEWER, ref, wf_db)))
    assert STALE in str(loss)
    row = value(wf_db, ref.value_id)
    assert (row["state"], row["version"], version) == ("approved", ref.version + 1, ref.version + 1)
    assert [r["action"] for r in audit_since(wf_db, start)] == ["approve"]


def test_approve_and_return_of_the_same_value_at_once_one_wins_and_the_other_gets_conflict(wf_db, stage):
    [ref] = head_approve(wf_db, OWN, stage.ref(OWN, "submitted"))
    start = last_audit_id(wf_db)
    outcomes = _race(lambda: workflow.approve(REVIEWER, ref, wf_db),
                     lambda: workflow.return_value(REVIEWER, ref, "差し戻します", wf_db))
    _one_winner(outcomes)
    winner = "approved" if outcomes[0][0] == "ok" else "returned"
    row = value(wf_db, ref.value_id)
    assert (row["state"], row["version"]) == (winner, ref.version + 1)
    assert [r["to_state"] for r in audit_since(wf_db, start)] == [winner]


def test_two_editors_saving_the_same_draft_at_once_one_wins_and_the_other_is_not_silently_overwritten(wf_db, stage):
    ref = stage.ref(OWN, "draft")
    ind = stage.ind("P1-1-04")
    start = last_audit_id(wf_db)
    outcomes = _race(lambda: save(wf_db, EDITOR1, stage.fy2022, ind, fields(1111), expected_version=ref.version),
                     lambda: save(wf_db, EDITOR2_ALSO_GYOKAKU, stage.fy2022, ind, fields(2222),
                                  expected_version=ref.version))
    _one_winner(outcomes)
    kept = Decimal(1111) if outcomes[0][0] == "ok" else Decimal(2222)
    row = value(wf_db, ref.value_id)
    assert (row["value_number"], row["version"]) == (kept, ref.version + 1)
    assert [Decimal(r["new_value"]) for r in audit_since(wf_db, start)] == [kept]


@pytest.mark.parametrize("state", ["submitted", "draft"])
def test_an_editor_saving_while_a_reviewer_approves_never_overwrites_silently(wf_db, stage, state):
    """Both read the same version; whoever goes first, one wins and the other is told why."""
    ref = stage.ref(OWN, state)
    if state == "submitted":  # the head approved it: it waits for the division
        [ref] = head_approve(wf_db, OWN, ref)
    row = value(wf_db, ref.value_id)
    start = last_audit_id(wf_db)
    outcomes = _race(lambda: save(wf_db, EDITOR1, stage.fy2022, row["indicator_id"], fields(4321),
                                  expected_version=ref.version),
                     lambda: workflow.approve(REVIEWER, ref, wf_db))
    _one_winner(outcomes, loser_error=WorkflowError)
    after = value(wf_db, ref.value_id)
    assert after["version"] == ref.version + 1
    if state == "submitted":  # a value on its way up the chain is not the editor's to change: the approval stands
        assert outcomes[1][0] == "ok"
        assert (after["state"], after["value_number"]) == ("approved", row["value_number"])
    else:  # a draft is not the reviewer's to approve: the editor's figure stands
        assert outcomes[0][0] == "ok"
        assert (after["state"], after["value_number"]) == ("draft", Decimal(4321))
    assert len(audit_since(wf_db, start)) == 1


def test_two_editors_entering_the_first_figure_at_once_one_wins_when_they_say_they_saw_version_zero(wf_db, stage):
    ind = stage.ind(FRESH[0])
    outcomes = _race(lambda: save(wf_db, EDITOR1, stage.fy2022, ind, fields(300), expected_version=0),
                     lambda: save(wf_db, EDITOR2_ALSO_GYOKAKU, stage.fy2022, ind, fields(301), expected_version=0))
    _one_winner(outcomes)


def test_two_editors_entering_the_first_figure_at_once_one_wins_when_neither_saw_a_value(wf_db, stage):
    ind = stage.ind(FRESH[0])
    outcomes = _race(lambda: save(wf_db, EDITOR1, stage.fy2022, ind, fields(300), expected_version=None),
                     lambda: save(wf_db, EDITOR2_ALSO_GYOKAKU, stage.fy2022, ind, fields(301), expected_version=None))
    _one_winner(outcomes)


# ---- a race between two OS processes -----------------------------------------------------------------------------

APPROVER = r"""
import json, sys, time
from pathlib import Path
from kpi.domain.workflow import Role
from kpi.services import workflow
from kpi.services.actors import Actor

db, value_id, version, folder, who = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), sys.argv[5]
reviewer = Actor("reviewer", "行政改革推進課 審査担当", frozenset({Role.REVIEWER}))
(folder / f"ready-{who}").touch()
deadline = time.monotonic() + 60
while not (folder / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("no start signal")
    time.sleep(0.002)
try:
    print(json.dumps({"ok": workflow.approve(reviewer, workflow.ValueRef(value_id, version), db)}))
except workflow.Conflict as exc:
    print(json.dumps({"conflict": str(exc)}, ensure_ascii=False))
"""


def test_two_processes_approving_the_same_value_at_once_exactly_one_succeeds(wf_db, stage, tmp_path):
    [ref] = head_approve(wf_db, OWN, stage.ref(OWN, "submitted"))
    signals = tmp_path / "signals"
    signals.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    procs = [subprocess.Popen([sys.executable, "-c", APPROVER, str(wf_db), str(ref.value_id), str(ref.version),
                               str(signals), who], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, encoding="utf-8")
             for who in ("a", "b")]
    try:
        deadline = time.monotonic() + 60
        while not all((signals / f"ready-{w}").exists() for w in ("a", "b")):
            for p in procs:
                if p.poll() is not None:
                    pytest.fail(f"approver process ended early: {p.communicate()[1]}")
            assert time.monotonic() < deadline, "approver processes never got ready"
            time.sleep(0.01)
        (signals / "go").touch()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()

    assert sorted(next(iter(r)) for r in results) == ["conflict", "ok"], results
    assert [r["ok"] for r in results if "ok" in r] == [ref.version + 1]
    assert all(STALE in r["conflict"] for r in results if "conflict" in r)
    row = value(wf_db, ref.value_id)
    assert (row["state"], row["version"], row["approved_by"]) == ("approved", ref.version + 1, "reviewer")
