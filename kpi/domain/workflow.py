"""The workflow of a value as a transition table: (state, action) → new state, the permission it takes and the
cycle states it is allowed in; `apply` answers the new state and the change to record."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from kpi.domain.approval_chain import ONE_LEVEL, ApprovalChain
from kpi.domain.audit_events import StateChanged
from kpi.domain.permissions import CYCLE_STATES, TABLE, Permission
from kpi.domain.roles import ROLE_LABELS_JA, Role
from kpi.domain.value_states import ACTION_LABELS_JA, STATE_LABELS_JA, Action, State


# Role, State, Action and their labels (imported above) are still imported from here by many modules.


@dataclass(frozen=True)
class Transition:
    """One row of the table: its permission decides who may take it and in which cycle states."""

    source: State | None  # None: the value does not exist yet
    action: Action
    target: State
    permission: Permission
    needs_comment: bool = False
    head_level: bool | None = None  # True: only in a chain with the head level; False: only without; None: any

    @property
    def roles(self) -> frozenset[Role]:
        """The roles that may take the transition (the permission table's row)."""
        return TABLE[self.permission]

    @property
    def cycle_states(self) -> frozenset[str]:
        """The cycle states (CycleState values) the transition is allowed in."""
        return CYCLE_STATES[self.permission]


_P = Permission
TRANSITIONS: tuple[Transition, ...] = (
    Transition(None, Action.SAVE, State.DRAFT, _P.SAVE),
    Transition(State.DRAFT, Action.SAVE, State.DRAFT, _P.SAVE),
    Transition(State.RETURNED, Action.SAVE, State.DRAFT, _P.SAVE),
    Transition(State.DRAFT, Action.SUBMIT, State.SUBMITTED, _P.SUBMIT),
    # the department's head (一次), in a chain with the head level
    Transition(State.SUBMITTED, Action.HEAD_APPROVE, State.HEAD_APPROVED, _P.HEAD_APPROVE, head_level=True),
    Transition(State.SUBMITTED, Action.HEAD_RETURN, State.RETURNED, _P.HEAD_RETURN, needs_comment=True,
               head_level=True),
    # the division: straight from 提出済 in a one-level chain, after the head in a two-level one
    Transition(State.SUBMITTED, Action.APPROVE, State.APPROVED, _P.APPROVE, head_level=False),
    Transition(State.SUBMITTED, Action.RETURN, State.RETURNED, _P.RETURN, needs_comment=True, head_level=False),
    # a value the head approved stays the division's to decide even if the chain lost its head level since
    Transition(State.HEAD_APPROVED, Action.APPROVE, State.APPROVED, _P.APPROVE),
    Transition(State.HEAD_APPROVED, Action.RETURN, State.RETURNED, _P.RETURN, needs_comment=True),
    Transition(State.APPROVED, Action.REOPEN, State.DRAFT, _P.REOPEN, needs_comment=True),
)
_TABLE = {(t.source, t.action): t for t in TRANSITIONS}
# Each action takes one permission (whatever the state it starts from), held by one role.
PERMISSION_OF: dict[Action, Permission] = {t.action: t.permission for t in TRANSITIONS}


class WorkflowError(Exception):
    """A refused transition; str() is a Japanese sentence a person can act on."""


class IllegalTransition(WorkflowError):
    """The action does not apply to the value's state."""


class NotAllowed(WorkflowError):
    """The actor's role may not take this action."""


class CommentRequired(WorkflowError):
    """Returning or reopening needs a comment."""


class SelfApproval(WorkflowError):
    """Nobody approves a value they entered or submitted."""


class NotInChain(WorkflowError):
    """The strategy's approval chain does not take this step (the head has not approved yet, or has no level)."""


class CycleNotOpen(WorkflowError):
    """The cycle's state does not allow this action."""


class Moved(NamedTuple):
    """What `apply` answers: the new state and the change to record in the audit trail."""

    state: State
    change: StateChanged


def acting_role(action: Action) -> Role:
    """The role in which a person takes the action (the one role its permission names)."""
    (role,) = TABLE[PERMISSION_OF[action]]
    return role


def cycle_allows(action: Action, cycle_state: str) -> bool:
    """True when the action may be taken on a value of a cycle in this state (the table's cycle states)."""
    return str(getattr(cycle_state, "value", cycle_state)) in CYCLE_STATES[PERMISSION_OF[action]]


def _state_ja(state: State | None) -> str:
    return "未入力" if state is None else STATE_LABELS_JA[state]


def in_chain(t: Transition, chain: ApprovalChain) -> bool:
    """True when the strategy's chain takes this transition."""
    return t.head_level is None or t.head_level is chain.has_head


def allowed_actions(state: State | None, role: Role, chain: ApprovalChain = ONE_LEVEL,
                    transitions: tuple[Transition, ...] = TRANSITIONS) -> list[Action]:
    """Actions the role may take on a value in this state under the chain (decides which buttons a page shows);
    transitions: another table of the same shape (a confirmation's, kpi.domain.confirmations)."""
    return [t.action for t in transitions if t.source == state and role in t.roles and in_chain(t, chain)]


def _not_in_chain(t: Transition, chain: ApprovalChain) -> NotInChain:
    if t.head_level:
        return NotInChain(f"この戦略の承認経路（{chain.text}）には所属長の承認がないため、"
                          f"「{ACTION_LABELS_JA[t.action]}」はできません")
    return NotInChain(f"{chain.name_of(Role.DEPT_HEAD)}の承認が済んでいない値は「{ACTION_LABELS_JA[t.action]}」"
                      f"できません（承認経路: {chain.text}）")


def apply(
    state: State | None,
    action: Action,
    role: Role,
    *,
    comment: str | None = None,
    actor: str | None = None,
    entered_by: str | None = None,
    submitted_by: str | None = None,
    head_approved_by: str | None = None,
    chain: ApprovalChain = ONE_LEVEL,
    transitions: tuple[Transition, ...] | None = None,
) -> Moved:
    """Return the new state and the change to record, or raise a WorkflowError saying why it is refused.

    chain: the strategy's approval chain (the one-level chain when not given); head_approved_by: who approved the
    value at the head level (nobody approves a value twice, at two levels); transitions: another table of the
    same shape (a confirmation's), the value's table when not given."""
    t = (_TABLE if transitions is None else {(x.source, x.action): x for x in transitions}).get((state, action))
    if t is None:
        raise IllegalTransition(
            f"{_state_ja(state)}の値は「{ACTION_LABELS_JA[action]}」できません"
            + (
                "（承認済の値はロックされています。修正するには審査担当が承認取消を行ってください）"
                if state is State.APPROVED
                else ""
            )
        )
    if role not in t.roles:
        raise NotAllowed(f"{ROLE_LABELS_JA[role]}は「{ACTION_LABELS_JA[action]}」を行えません")
    if not in_chain(t, chain):
        raise _not_in_chain(t, chain)
    if t.needs_comment and not (comment and comment.strip()):
        raise CommentRequired(f"「{ACTION_LABELS_JA[action]}」にはコメント（理由）の入力が必要です")
    approving = action in (Action.APPROVE, Action.HEAD_APPROVE)
    if approving and actor is not None and actor == entered_by:
        raise SelfApproval("自分で入力した値を承認することはできません")
    if approving and actor is not None and actor == submitted_by:
        raise SelfApproval("自分で提出した値を承認することはできません")
    if action is Action.APPROVE and actor is not None and actor == head_approved_by:
        raise SelfApproval("所属長として承認した値を行政改革推進課として重ねて承認することはできません")
    return Moved(t.target, StateChanged(action=action, role=role, before=state, after=t.target, comment=comment))
