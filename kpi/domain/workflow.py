"""The workflow of a value as a transition table: (state, action) → new state, and who may act."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class State(str, Enum):
    """Workflow state of a value."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class Action(str, Enum):
    """What a person does to a value."""

    SAVE = "save"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REOPEN = "reopen"


class Role(str, Enum):
    """Roles of DOMAIN.md."""

    EDITOR = "editor"  # 担当課 入力担当
    REVIEWER = "reviewer"  # 行政改革推進課 審査担当
    EXECUTIVE = "executive"  # 幹部
    ADMIN = "admin"  # システム管理者


STATE_LABELS_JA = {
    State.DRAFT: "下書き",
    State.SUBMITTED: "提出済",
    State.APPROVED: "承認済",
    State.RETURNED: "差戻し",
}
ACTION_LABELS_JA = {
    Action.SAVE: "保存",
    Action.SUBMIT: "提出",
    Action.APPROVE: "承認",
    Action.RETURN: "差戻し",
    Action.REOPEN: "承認取消",
}
ROLE_LABELS_JA = {
    Role.EDITOR: "担当課 入力担当",
    Role.REVIEWER: "行政改革推進課 審査担当",
    Role.EXECUTIVE: "幹部",
    Role.ADMIN: "システム管理者",
}


@dataclass(frozen=True)
class Transition:
    """One row of the table."""

    source: State | None  # None: the value does not exist yet
    action: Action
    target: State
    roles: frozenset[Role]
    needs_comment: bool = False


_E = frozenset({Role.EDITOR})
_R = frozenset({Role.REVIEWER})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(None, Action.SAVE, State.DRAFT, _E),
    Transition(State.DRAFT, Action.SAVE, State.DRAFT, _E),
    Transition(State.RETURNED, Action.SAVE, State.DRAFT, _E),
    Transition(State.DRAFT, Action.SUBMIT, State.SUBMITTED, _E),
    Transition(State.SUBMITTED, Action.APPROVE, State.APPROVED, _R),
    Transition(State.SUBMITTED, Action.RETURN, State.RETURNED, _R, needs_comment=True),
    Transition(State.APPROVED, Action.REOPEN, State.DRAFT, _R, needs_comment=True),
)
_TABLE = {(t.source, t.action): t for t in TRANSITIONS}


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


def _state_ja(state: State | None) -> str:
    return "未入力" if state is None else STATE_LABELS_JA[state]


def allowed_actions(state: State | None, role: Role) -> list[Action]:
    """Actions the role may take on a value in this state (decides which buttons a page shows)."""
    return [t.action for t in TRANSITIONS if t.source == state and role in t.roles]


def apply(
    state: State | None,
    action: Action,
    role: Role,
    *,
    comment: str | None = None,
    actor: str | None = None,
    entered_by: str | None = None,
    submitted_by: str | None = None,
) -> State:
    """Return the new state, or raise a WorkflowError saying why the transition is refused."""
    t = _TABLE.get((state, action))
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
    if t.needs_comment and not (comment and comment.strip()):
        raise CommentRequired(f"「{ACTION_LABELS_JA[action]}」にはコメント（理由）の入力が必要です")
    if action is Action.APPROVE and actor is not None and actor == entered_by:
        raise SelfApproval("自分で入力した値を承認することはできません")
    if action is Action.APPROVE and actor is not None and actor == submitted_by:
        raise SelfApproval("自分で提出した値を承認することはできません")
    return t.target
