"""The lifecycle of a reporting cycle as a transition table: 準備中 → 受付中 → 締切済 → 確定済, and back with a reason."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from kpi.domain.workflow import ROLE_LABELS_JA, Role, WorkflowError


class CycleState(str, Enum):
    """State of a cycle (the `cycles.state` column)."""

    PREPARING = "preparing"
    OPEN = "open"
    CLOSED = "closed"
    FINALIZED = "finalized"


class CycleAction(str, Enum):
    """What the division does to a cycle."""

    OPEN = "open_cycle"
    CLOSE = "close_cycle"
    FINALIZE = "finalize_cycle"
    REOPEN = "reopen_cycle"


CYCLE_STATE_LABELS_JA = {
    CycleState.PREPARING: "準備中",
    CycleState.OPEN: "受付中",
    CycleState.CLOSED: "締切済",
    CycleState.FINALIZED: "確定済",
}
CYCLE_ACTION_LABELS_JA = {
    CycleAction.OPEN: "受付開始",
    CycleAction.CLOSE: "締切",
    CycleAction.FINALIZE: "確定",
    CycleAction.REOPEN: "再開",
}


@dataclass(frozen=True)
class CycleTransition:
    """One row of the table."""

    source: CycleState
    action: CycleAction
    target: CycleState
    roles: frozenset[Role]
    needs_reason: bool = False


_RA = frozenset({Role.REVIEWER, Role.ADMIN})
_R = frozenset({Role.REVIEWER})

TRANSITIONS: tuple[CycleTransition, ...] = (
    CycleTransition(CycleState.PREPARING, CycleAction.OPEN, CycleState.OPEN, _RA),
    CycleTransition(CycleState.OPEN, CycleAction.CLOSE, CycleState.CLOSED, _RA),
    CycleTransition(CycleState.CLOSED, CycleAction.FINALIZE, CycleState.FINALIZED, _R),
    CycleTransition(CycleState.CLOSED, CycleAction.REOPEN, CycleState.OPEN, _RA, needs_reason=True),
    CycleTransition(CycleState.FINALIZED, CycleAction.REOPEN, CycleState.CLOSED, _R, needs_reason=True),
)
_TABLE = {(t.source, t.action): t for t in TRANSITIONS}


class CycleTransitionRefused(WorkflowError):
    """The cycle cannot make this move in its state; str() is Japanese."""


class CycleNotAllowed(WorkflowError):
    """None of the actor's roles may make this move."""


class CycleReasonRequired(WorkflowError):
    """Reopening a cycle needs a reason."""


def allowed_cycle_actions(state: CycleState | str, roles: frozenset[Role]) -> list[CycleAction]:
    """Moves the roles may make on a cycle in this state (decides which buttons the page shows)."""
    s = CycleState(state)
    return [t.action for t in TRANSITIONS if t.source is s and t.roles & roles]


def apply_cycle(state: CycleState | str, action: CycleAction, roles: frozenset[Role], *, label: str,
                reason: str | None = None) -> CycleState:
    """Return the cycle's new state, or raise a WorkflowError in Japanese naming the cycle (label) and why."""
    s = CycleState(state)
    t = _TABLE.get((s, action))
    if t is None:
        raise CycleTransitionRefused(
            f"{label}は{CYCLE_STATE_LABELS_JA[s]}のため、「{CYCLE_ACTION_LABELS_JA[action]}」はできません")
    if not t.roles & roles:
        who = "・".join(ROLE_LABELS_JA[r] for r in sorted(t.roles, key=lambda r: r.value, reverse=True))
        raise CycleNotAllowed(f"{label}の「{CYCLE_ACTION_LABELS_JA[action]}」は{who}だけが行えます")
    if t.needs_reason and not (reason and reason.strip()):
        raise CycleReasonRequired(f"{label}の「{CYCLE_ACTION_LABELS_JA[action]}」には理由の入力が必要です")
    return t.target
