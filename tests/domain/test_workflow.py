"""The value workflow: every (state, action, role) against DOMAIN.md's table, and the errors a person reads."""
from __future__ import annotations

import dataclasses
import itertools
import re

import pytest

from kpi.domain.approval_chain import ONE_LEVEL, TWO_LEVEL
from kpi.domain.audit_events import AuditEvent, FigureChanged, StateChanged
from kpi.domain.cycles import CycleState
from kpi.domain.workflow import (
    TRANSITIONS,
    Action,
    CommentRequired,
    IllegalTransition,
    NotAllowed,
    NotInChain,
    Role,
    SelfApproval,
    State,
    WorkflowError,
    acting_role,
    allowed_actions,
    apply,
    cycle_allows,
)

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
E, H, R = Role.EDITOR, Role.DEPT_HEAD, Role.REVIEWER

# DOMAIN.md: draft → submitted → approved or returned (with a comment) → draft again;
# an approved value is locked, only a reviewer reopens it (承認取消) with a reason.
# One-level chain (担当 → 行政改革推進課): the division approves or returns a submitted value.
EXPECTED: dict[tuple[State | None, Action], tuple[State, frozenset[Role]]] = {
    (None, Action.SAVE): (State.DRAFT, frozenset({E})),
    (State.DRAFT, Action.SAVE): (State.DRAFT, frozenset({E})),
    (State.DRAFT, Action.SUBMIT): (State.SUBMITTED, frozenset({E})),
    (State.SUBMITTED, Action.APPROVE): (State.APPROVED, frozenset({R})),
    (State.SUBMITTED, Action.RETURN): (State.RETURNED, frozenset({R})),
    (State.HEAD_APPROVED, Action.APPROVE): (State.APPROVED, frozenset({R})),
    (State.HEAD_APPROVED, Action.RETURN): (State.RETURNED, frozenset({R})),
    (State.RETURNED, Action.SAVE): (State.DRAFT, frozenset({E})),
    (State.APPROVED, Action.REOPEN): (State.DRAFT, frozenset({R})),
}
# Two-level chain (担当 → 所属長 → 行政改革推進課, issue #22): the head approves or returns a submitted value; the
# division acts only on what the head approved.
EXPECTED_TWO: dict[tuple[State | None, Action], tuple[State, frozenset[Role]]] = {
    **{k: v for k, v in EXPECTED.items() if k[0] is not State.SUBMITTED},
    (State.SUBMITTED, Action.HEAD_APPROVE): (State.HEAD_APPROVED, frozenset({H})),
    (State.SUBMITTED, Action.HEAD_RETURN): (State.RETURNED, frozenset({H})),
}
CHAINS = {"one": (ONE_LEVEL, EXPECTED), "two": (TWO_LEVEL, EXPECTED_TWO)}
NEEDS_COMMENT = {(State.SUBMITTED, Action.RETURN), (State.HEAD_APPROVED, Action.RETURN),
                 (State.SUBMITTED, Action.HEAD_RETURN), (State.APPROVED, Action.REOPEN)}
ACTION_JA = {
    Action.SAVE: "保存",
    Action.SUBMIT: "提出",
    Action.HEAD_APPROVE: "所属長承認",
    Action.HEAD_RETURN: "所属長差戻し",
    Action.APPROVE: "承認",
    Action.RETURN: "差戻し",
    Action.REOPEN: "承認取消",
}

STATES: list[State | None] = [None, *State]
COMBINATIONS = list(itertools.product(CHAINS, STATES, Action, Role))


def _id(chain, state, action, role) -> str:
    return f"{chain}-{state.value if state else 'new'}-{action.value}-{role.value}"


def _expected_outcome(chain, state, action, role):
    """The new state, or the error class DOMAIN.md implies."""
    expected = CHAINS[chain][1]
    other = CHAINS["two" if chain == "one" else "one"][1]
    if (state, action) in expected:
        target, roles = expected[(state, action)]
        return target if role in roles else NotAllowed
    if (state, action) in other:  # a step of the other chain: the role first, then the chain refuses
        return NotInChain if role in other[(state, action)][1] else NotAllowed
    return IllegalTransition


def _apply_properly(state, action, role, chain="one"):
    """apply() with everything a legitimate actor would supply."""
    return apply(state, action, role, comment="数値の根拠を確認してください", actor="reviewer-1", entered_by="editor-1",
                 chain=CHAINS[chain][0])


@pytest.mark.parametrize("chain, state, action, role", COMBINATIONS, ids=[_id(*c) for c in COMBINATIONS])
def test_every_state_action_role_follows_the_table(chain, state, action, role):
    outcome = _expected_outcome(chain, state, action, role)
    if isinstance(outcome, State):
        assert _apply_properly(state, action, role, chain).state is outcome
    else:
        with pytest.raises(outcome) as err:
            _apply_properly(state, action, role, chain)
        assert type(err.value) is outcome
        assert JAPANESE.search(str(err.value))
        assert ACTION_JA[action] in str(err.value)


@pytest.mark.parametrize(
    "chain, state, role", list(itertools.product(CHAINS, STATES, Role)),
    ids=[f"{c}-{s.value if s else 'new'}-{r.value}" for c in CHAINS for s in STATES for r in Role]
)
def test_allowed_actions_agree_with_apply(chain, state, role):
    allowed = allowed_actions(state, role, CHAINS[chain][0])
    succeeding = []
    for action in Action:
        try:
            _apply_properly(state, action, role, chain)
        except WorkflowError:
            continue
        succeeding.append(action)
    assert sorted(allowed) == sorted(succeeding)
    assert len(allowed) == len(set(allowed))
    assert set(allowed) == {a for (s, a), (_, roles) in CHAINS[chain][1].items() if s == state and role in roles}


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.ADMIN])
def test_executive_and_admin_take_no_action_on_values(role):
    assert all(allowed_actions(state, role) == [] for state in STATES)


BLANK = [None, "", " ", "\u3000", " \n\t\u3000"]


@pytest.mark.parametrize("comment", BLANK, ids=["none", "empty", "space", "ideographic-space", "mixed-blanks"])
def test_returned_value_needs_a_comment(comment):
    with pytest.raises(CommentRequired) as err:
        apply(State.SUBMITTED, Action.RETURN, R, comment=comment, actor="reviewer-1", entered_by="editor-1")
    assert JAPANESE.search(str(err.value))
    assert "コメント" in str(err.value)


@pytest.mark.parametrize("comment", BLANK, ids=["none", "empty", "space", "ideographic-space", "mixed-blanks"])
def test_reopening_an_approved_value_needs_a_reason(comment):
    with pytest.raises(CommentRequired) as err:
        apply(State.APPROVED, Action.REOPEN, R, comment=comment, actor="reviewer-1")
    assert JAPANESE.search(str(err.value))


@pytest.mark.parametrize("state, action", sorted(NEEDS_COMMENT, key=str))
def test_return_and_reopen_succeed_with_a_comment(state, action):
    target, (role,) = {**EXPECTED, **EXPECTED_TWO}[(state, action)]
    chain = TWO_LEVEL if action is Action.HEAD_RETURN else ONE_LEVEL
    assert apply(state, action, role, comment="差戻し理由：出典の年度が違います", chain=chain).state is target


def test_a_head_returns_only_with_a_comment():
    with pytest.raises(CommentRequired, match="所属長差戻し"):
        apply(State.SUBMITTED, Action.HEAD_RETURN, H, comment=" ", chain=TWO_LEVEL)


@pytest.mark.parametrize(
    "state, action", [k for k in EXPECTED if k not in NEEDS_COMMENT], ids=lambda v: getattr(v, "value", str(v))
)
def test_other_transitions_need_no_comment(state, action):
    target, roles = EXPECTED[(state, action)]
    (role,) = roles
    assert apply(state, action, role, actor="reviewer-1", entered_by="editor-1").state is target


def test_reviewer_cannot_approve_a_value_they_entered():
    with pytest.raises(SelfApproval) as err:
        apply(State.SUBMITTED, Action.APPROVE, R, actor="sato", entered_by="sato")
    assert JAPANESE.search(str(err.value))


def test_reviewer_approves_a_value_someone_else_entered():
    assert apply(State.SUBMITTED, Action.APPROVE, R, actor="sato", entered_by="suzuki").state is State.APPROVED


def test_a_head_approves_nothing_they_entered_or_submitted():
    with pytest.raises(SelfApproval, match="自分で入力した値"):
        apply(State.SUBMITTED, Action.HEAD_APPROVE, H, actor="kacho", entered_by="kacho", chain=TWO_LEVEL)
    with pytest.raises(SelfApproval, match="自分で提出した値"):
        apply(State.SUBMITTED, Action.HEAD_APPROVE, H, actor="kacho", entered_by="x", submitted_by="kacho",
              chain=TWO_LEVEL)
    assert apply(State.SUBMITTED, Action.HEAD_APPROVE, H, actor="kacho", entered_by="x", submitted_by="x",
                 chain=TWO_LEVEL).state is State.HEAD_APPROVED


def test_nobody_approves_one_value_at_two_levels():
    with pytest.raises(SelfApproval, match="所属長として承認した値"):
        apply(State.HEAD_APPROVED, Action.APPROVE, R, actor="sato", entered_by="x", head_approved_by="sato",
              chain=TWO_LEVEL)


def test_the_chain_refusals_name_the_chain():
    with pytest.raises(NotInChain) as err:
        apply(State.SUBMITTED, Action.APPROVE, R, actor="r", entered_by="e", chain=TWO_LEVEL)
    assert str(err.value) == ("所属長の承認が済んでいない値は「承認」できません"
                              "（承認経路: 担当 → 所属長 → 行政改革推進課）")
    with pytest.raises(NotInChain) as err:
        apply(State.SUBMITTED, Action.HEAD_APPROVE, H, actor="h", entered_by="e")
    assert str(err.value) == "この戦略の承認経路（担当 → 行政改革推進課）には所属長の承認がないため、「所属長承認」はできません"


def test_a_chain_starts_with_the_editor_ends_with_the_division_and_has_at_most_one_head_level():
    from kpi.domain.approval_chain import ApprovalChain, Level

    for levels in ([Level("担当", E)], [Level("所属長", H), Level("行革", R)], [Level("担当", E), Level("所属長", H)],
                   [Level("担当", E), Level("所属長", H), Level("部長", H), Level("行革", R)],
                   [Level("担当", E), Level(" ", R)]):
        with pytest.raises(ValueError):
            ApprovalChain(tuple(levels))
    chain = ApprovalChain.from_rows([(2, "課長", "dept_head"), (1, "係員", "editor"), (3, "企画課", "reviewer")])
    assert (chain.text, chain.has_head) == ("係員 → 課長 → 企画課", True)
    assert ApprovalChain.from_rows(chain.rows()) == chain
    assert ApprovalChain.from_rows([]) == ONE_LEVEL and not ONE_LEVEL.has_head


def test_approved_value_is_locked_and_the_error_says_how_to_unlock_it():
    with pytest.raises(IllegalTransition) as err:
        apply(State.APPROVED, Action.SAVE, E)
    assert "承認取消" in str(err.value)


def test_returned_value_goes_back_to_draft_before_resubmission():
    with pytest.raises(IllegalTransition):
        apply(State.RETURNED, Action.SUBMIT, E)
    assert apply(State.RETURNED, Action.SAVE, E).state is State.DRAFT


def test_role_check_comes_before_comment_check():
    """An editor trying to return gets told about the role, not asked for a comment."""
    with pytest.raises(NotAllowed):
        apply(State.SUBMITTED, Action.RETURN, E, comment=None)


def test_all_refusals_share_one_catchable_error_type():
    for error in (IllegalTransition, NotAllowed, CommentRequired, SelfApproval):
        assert issubclass(error, WorkflowError)


# ---- each transition names its permission and the cycle states it is allowed in ------------------------------------

# Written out independently of kpi.domain.permissions: which permission each action takes, and in which cycle
# states (準備中 preparing, 受付中 open, 締切済 closed, 確定済 finalized) DOMAIN.md allows it.
EXPECTED_GUARDS = {
    Action.SAVE: ("save", {"open"}),
    Action.SUBMIT: ("submit", {"open"}),
    Action.HEAD_APPROVE: ("head_approve", {"open", "closed"}),
    Action.HEAD_RETURN: ("head_return", {"open", "closed"}),
    Action.APPROVE: ("approve", {"open", "closed"}),
    Action.RETURN: ("return", {"open", "closed"}),
    Action.REOPEN: ("reopen", {"open", "closed"}),
}


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: _id("any", t.source, t.action, Role.EDITOR)[:-7])
def test_each_transition_names_its_permission_and_cycle_states(transition):
    permission, cycle_states = EXPECTED_GUARDS[transition.action]
    assert transition.permission.value == permission
    assert set(transition.cycle_states) == cycle_states
    key = (transition.source, transition.action)
    assert transition.roles == {**EXPECTED, **EXPECTED_TWO}[key][1]


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("cycle_state", ["preparing", "open", "closed", "finalized"])
def test_cycle_allows_follows_the_table(action, cycle_state):
    assert cycle_allows(action, cycle_state) is (cycle_state in EXPECTED_GUARDS[action][1])
    assert cycle_allows(action, CycleState(cycle_state)) is (cycle_state in EXPECTED_GUARDS[action][1])


def test_acting_role_is_the_one_role_of_the_transition():
    assert {a: acting_role(a) for a in Action} == {Action.SAVE: E, Action.SUBMIT: E, Action.HEAD_APPROVE: H,
                                                   Action.HEAD_RETURN: H, Action.APPROVE: R,
                                                   Action.RETURN: R, Action.REOPEN: R}


@pytest.mark.parametrize("chain, state, action", sorted(
    [(c, s, a) for c, (_ch, exp) in CHAINS.items() for (s, a) in exp], key=str))
def test_apply_returns_the_change_with_before_and_after(chain, state, action):
    target, roles = CHAINS[chain][1][(state, action)]
    (role,) = roles
    comment = "出典の年度が違います" if (state, action) in NEEDS_COMMENT else None
    moved = apply(state, action, role, comment=comment, actor="reviewer-1", entered_by="editor-1",
                  chain=CHAINS[chain][0])
    new_state, change = moved  # the new state and the typed event
    assert new_state is target
    assert change == StateChanged(action=action, role=role, before=state, after=target, comment=comment)
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.after = State.DRAFT  # type: ignore[misc]


def test_the_change_becomes_an_audit_row_with_every_column_named():
    _, change = apply(State.SUBMITTED, Action.RETURN, R, comment="出典", actor="reviewer-1", entered_by="editor-1")
    event = AuditEvent.of_transition(change, actor="reviewer-1", entity="value", entity_id=7, cycle_id=2,
                                     indicator_id=3, figure=FigureChanged(before="1", after="2"), batch_id=5)
    assert event.row() == {"actor": "reviewer-1", "role": "reviewer", "action": "return", "entity": "value",
                           "entity_id": "7", "cycle_id": 2, "indicator_id": 3, "from_state": "submitted",
                           "to_state": "returned", "old_value": "1", "new_value": "2", "comment": "出典",
                           "batch_id": 5}


def test_an_audit_event_refuses_a_misspelt_or_missing_field():
    with pytest.raises(TypeError):
        AuditEvent(actor="a", role="editor", action="save", entity="value", coment="typo")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        AuditEvent(actor="a", role="editor", action="save")  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        AuditEvent(actor="", role="editor", action="save", entity="value")
