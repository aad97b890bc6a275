"""Who may do what, for an actor: the one permission table (kpi.domain.permissions) with the actor in front of it.

`allowed`/`check` answer every "may this actor do or see X in department D / cycle C"; `check_transition` adds
the workflow's own guard (the transition table's permission and cycle states) for an action on a value or an
initiative; `check_current` refuses an account changed since it was read.
"""
from __future__ import annotations

from kpi.domain.approval_chain import ONE_LEVEL, ApprovalChain
from kpi.domain.cycles import CYCLE_STATE_LABELS_JA, CycleState
from kpi.domain.permissions import (CYCLE_STATES, DEPARTMENT_BOUND, LABELS_JA, TABLE, Permission,  # noqa: F401
                                    granting_roles, in_cycle_state, permits)
from kpi.domain.workflow import (ACTION_LABELS_JA, PERMISSION_OF, Action, CycleNotOpen, Role, State, acting_role,
                                 allowed_actions, cycle_allows)
from kpi.services.actors import Actor, Forbidden
from warehouse import users


def allowed(actor: Actor, permission: Permission, department: str | None = None,
            cycle_state: str | None = None) -> bool:
    """True when one of the actor's roles grants the permission (within the department when bounded, in a cycle
    of this state when the permission is limited to some)."""
    return permits(actor.roles, actor.departments, permission, department, cycle_state)


def check(actor: Actor, permission: Permission, department: str | None = None, cycle_state: str | None = None, *,
          what: str | None = None) -> None:
    """Raise Forbidden (in Japanese) unless allowed; what: the thing refused, when the permission's label is
    too broad a name for it."""
    if allowed(actor, permission, department):
        if not in_cycle_state(permission, cycle_state):
            raise Forbidden(f"{CYCLE_STATE_LABELS_JA[CycleState(cycle_state)]}の集計サイクルでは"
                            f"{what or LABELS_JA[permission]}はできません")
        return
    if department is not None and granting_roles(actor.roles, permission):
        raise Forbidden(f"担当外の所属（{department}）の{what or LABELS_JA[permission]}はできません")
    raise Forbidden(f"{what or LABELS_JA[permission]}の権限がありません")


def check_transition(actor: Actor, action: Action, department: str, cycle_state: str, cycle_label: str, *,
                     subject: str = "") -> Role:
    """Check an action on a value (or, subject "取組の", an initiative) of a department in a cycle: the actor's
    permission and department, then the cycle state the transition table allows; return the acting role."""
    check(actor, PERMISSION_OF[action], department)
    if not cycle_allows(action, cycle_state):
        raise CycleNotOpen(f"{cycle_label}は{CYCLE_STATE_LABELS_JA[CycleState(cycle_state)]}のため、"
                           f"{subject}「{ACTION_LABELS_JA[action]}」はできません")
    return acting_role(action)


def actions_for(actor: Actor, state: State | str | None, department: str | None = None,
                cycle_state: str | None = None, chain: ApprovalChain = ONE_LEVEL) -> list[Action]:
    """The workflow actions the actor may take on a value or initiative in this state, of this department, in a
    cycle of this state (None: not asked), under the strategy's approval chain (one level when not given): the
    transition table's allowed_actions for each of the actor's roles, within the permission table. Pages show
    exactly these buttons."""
    state = State(state) if state else None
    out: list[Action] = []
    for role in sorted(actor.roles, key=lambda r: r.value):
        for action in allowed_actions(state, role, chain):
            if action not in out and allowed(actor, PERMISSION_OF[action], department, cycle_state):
                out.append(action)
    return [a for a in Action if a in out]


def check_current(con, actor: Actor) -> None:
    """Raise Forbidden when the actor's account changed since it was read (disabled, roles, departments, password).

    Called inside a writing transaction, so a revoked account cannot act whatever path it takes; actors that are
    not accounts (version None: the command line, scheduled jobs) pass."""
    if actor.version is None:
        return
    now = users.account_state(con, actor.login)
    if now is None or not now[0] or now[1] != actor.version:
        raise Forbidden("アカウントの権限が変更されたため、この操作はできません。もう一度ログインしてください")
