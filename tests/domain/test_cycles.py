"""The cycle state machine, table-driven: every state × action, who may do it, and the Japanese refusals."""
from __future__ import annotations

import itertools

import pytest

from kpi.domain.cycles import (CycleAction, CycleNotAllowed, CycleReasonRequired, CycleState,
                               CycleTransitionRefused, allowed_cycle_actions, apply_cycle)
from kpi.domain.workflow import Role

P, O, C, F = CycleState.PREPARING, CycleState.OPEN, CycleState.CLOSED, CycleState.FINALIZED
OPEN, CLOSE, FINALIZE, REOPEN = CycleAction.OPEN, CycleAction.CLOSE, CycleAction.FINALIZE, CycleAction.REOPEN
R, A, E, X = Role.REVIEWER, Role.ADMIN, Role.EDITOR, Role.EXECUTIVE

# (state, action) → (new state, roles that may do it); every other pair is refused.
ALLOWED = {
    (P, OPEN): (O, {R, A}),
    (O, CLOSE): (C, {R, A}),
    (C, FINALIZE): (F, {R}),
    (C, REOPEN): (O, {R, A}),
    (F, REOPEN): (C, {R}),
}
STATE_JA = {P: "準備中", O: "受付中", C: "締切済", F: "確定済"}
ACTION_JA = {OPEN: "受付開始", CLOSE: "締切", FINALIZE: "確定", REOPEN: "再開"}


@pytest.mark.parametrize("state,action,role", list(itertools.product(CycleState, CycleAction, Role)))
def test_every_state_action_and_role(state, action, role):
    rule = ALLOWED.get((state, action))
    roles = frozenset({role})
    if rule is None:
        with pytest.raises(CycleTransitionRefused) as err:
            apply_cycle(state, action, roles, label="令和5年度", reason="理由")
        assert str(err.value) == f"令和5年度は{STATE_JA[state]}のため、「{ACTION_JA[action]}」はできません"
    elif role not in rule[1]:
        with pytest.raises(CycleNotAllowed) as err:
            apply_cycle(state, action, roles, label="令和5年度", reason="理由")
        who = "行政改革推進課 審査担当・システム管理者" if rule[1] == {R, A} else "行政改革推進課 審査担当"
        assert str(err.value) == f"令和5年度の「{ACTION_JA[action]}」は{who}だけが行えます"
    else:
        assert apply_cycle(state, action, roles, label="令和5年度", reason="理由") is rule[0]


@pytest.mark.parametrize("state", [C, F])
@pytest.mark.parametrize("reason", [None, "", "  \n"])
def test_reopening_needs_a_reason(state, reason):
    with pytest.raises(CycleReasonRequired, match="令和4年度の「再開」には理由の入力が必要です"):
        apply_cycle(state, REOPEN, frozenset({R}), label="令和4年度", reason=reason)


@pytest.mark.parametrize("action", [OPEN, CLOSE, FINALIZE])
def test_moves_forward_need_no_reason(action):
    source = next(s for (s, a) in ALLOWED if a is action)
    assert apply_cycle(source.value, action, frozenset({R}), label="x") is ALLOWED[(source, action)][0]


def test_a_person_holding_several_roles_may_do_what_any_of_them_may():
    assert apply_cycle(F, REOPEN, frozenset({E, R}), label="x", reason="訂正") is C


@pytest.mark.parametrize("state,roles,expected", [
    (P, {R}, [OPEN]), (O, {A}, [CLOSE]), (C, {R}, [FINALIZE, REOPEN]), (C, {A}, [REOPEN]),
    (F, {R}, [REOPEN]), (F, {A}, []), (O, {E}, []), (C, {X}, []),
])
def test_the_buttons_a_page_shows(state, roles, expected):
    assert allowed_cycle_actions(state, frozenset(roles)) == expected
