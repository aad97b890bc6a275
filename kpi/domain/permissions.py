"""Who may do or see what: the one permission table (role × permission × own/other department × cycle state).

Every "may this person do or see X in department D / cycle C" in the product is answered by `permits` over this
table (kpi.services.permissions puts an Actor in front of it and raises Forbidden). The workflow's transitions
(kpi.domain.workflow) name their permission here, so their roles and cycle states come from this table too.
"""
from __future__ import annotations

from enum import Enum

from kpi.domain.roles import Role


class Permission(str, Enum):
    """What a person may do or see."""

    VIEW_APPROVED = "view"
    VIEW_UNAPPROVED = "view_unapproved"
    VIEW_UNAPPROVED_ALL = "view_unapproved_all"
    SAVE = "save"
    SUBMIT = "submit"
    RETURN = "return"
    HEAD_APPROVE = "head_approve"
    HEAD_RETURN = "head_return"
    APPROVE = "approve"
    REOPEN = "reopen"
    MANAGE_MASTER = "manage_master"
    MANAGE_USERS = "manage_users"
    PUBLISH = "publish"
    VIEW_AUDIT = "view_audit"
    WRITE_NARRATIVE = "write_narrative"
    VIEW_CYCLES = "view_cycles"
    VIEW_DEPARTMENTS = "view_departments"
    VIEW_ACCOUNTS = "view_accounts"
    REMIND = "remind"
    CONFIRM = "confirm"  # enter and submit the 確定値 of a projection of a closed year (見込 → 確定)
    CONFIRM_HEAD_APPROVE = "confirm_head_approve"
    CONFIRM_APPROVE = "confirm_approve"


E, H, R, X, A = Role.EDITOR, Role.DEPT_HEAD, Role.REVIEWER, Role.EXECUTIVE, Role.ADMIN

TABLE: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_APPROVED: frozenset({E, H, R, X, A}),
    Permission.VIEW_UNAPPROVED: frozenset({E, H, R}),  # editors and heads: their own departments only
    Permission.VIEW_UNAPPROVED_ALL: frozenset({R}),  # every department's unapproved figures at once
    Permission.SAVE: frozenset({E}),
    Permission.SUBMIT: frozenset({E}),
    Permission.HEAD_APPROVE: frozenset({H}),  # their own departments only (一次承認)
    Permission.HEAD_RETURN: frozenset({H}),
    Permission.RETURN: frozenset({R}),
    Permission.APPROVE: frozenset({R}),
    Permission.REOPEN: frozenset({R}),
    Permission.MANAGE_MASTER: frozenset({R, A}),
    Permission.MANAGE_USERS: frozenset({A}),
    Permission.PUBLISH: frozenset({R}),
    Permission.VIEW_AUDIT: frozenset({R, A}),
    Permission.WRITE_NARRATIVE: frozenset({R}),  # strategy outline and a cycle's conclusions
    Permission.VIEW_CYCLES: frozenset({E, H, R, X, A}),
    Permission.VIEW_DEPARTMENTS: frozenset({R, A}),
    Permission.VIEW_ACCOUNTS: frozenset({A}),
    Permission.REMIND: frozenset({R, A}),  # reminder status, settings and sending
    Permission.CONFIRM: frozenset({E}),  # their own departments only
    Permission.CONFIRM_HEAD_APPROVE: frozenset({H}),  # the head's level of a confirmation (their departments)
    Permission.CONFIRM_APPROVE: frozenset({R}),  # the division's level of a confirmation
}

LABELS_JA = {
    Permission.VIEW_APPROVED: "承認済の集計の閲覧",
    Permission.VIEW_UNAPPROVED: "未承認の値の閲覧",
    Permission.VIEW_UNAPPROVED_ALL: "全所属の未承認の値の閲覧",
    Permission.SAVE: "値の保存",
    Permission.SUBMIT: "値の提出",
    Permission.HEAD_APPROVE: "所属長承認",
    Permission.HEAD_RETURN: "所属長差戻し",
    Permission.RETURN: "差戻し",
    Permission.APPROVE: "承認",
    Permission.REOPEN: "承認取消",
    Permission.MANAGE_MASTER: "指標・所属などのマスタ管理",
    Permission.MANAGE_USERS: "利用者の管理",
    Permission.PUBLISH: "報告書の公表",
    Permission.VIEW_AUDIT: "監査ログの閲覧",
    Permission.WRITE_NARRATIVE: "戦略の概要・まとめの編集",
    Permission.VIEW_CYCLES: "集計サイクルの閲覧",
    Permission.VIEW_DEPARTMENTS: "所属の一覧の閲覧",
    Permission.VIEW_ACCOUNTS: "利用者の一覧の閲覧",
    Permission.REMIND: "督促",
    Permission.CONFIRM: "確定値の入力・提出",
    Permission.CONFIRM_HEAD_APPROVE: "確定値の所属長承認・差戻し",
    Permission.CONFIRM_APPROVE: "確定値の承認・差戻し",
}

# Permissions bounded by the actor's departments when the actor holds them only through department-bound roles
# (an editor, a department head).
DEPARTMENT_BOUND = frozenset({Permission.VIEW_UNAPPROVED, Permission.SAVE, Permission.SUBMIT,
                              Permission.HEAD_APPROVE, Permission.HEAD_RETURN, Permission.CONFIRM,
                              Permission.CONFIRM_HEAD_APPROVE})
DEPARTMENT_ROLES = frozenset({E, H})

# The cycle states (kpi.domain.cycles.CycleState values) a permission is limited to; absent: any state.
# Figures are entered in an open cycle only; the division reviews them until the cycle is finalized.
OPEN = frozenset({"open"})
OPEN_OR_CLOSED = frozenset({"open", "closed"})
# A confirmed actual (確定値) is entered and approved once the year is over: closed or finalized.
CLOSED_OR_FINALIZED = frozenset({"closed", "finalized"})
CYCLE_STATES: dict[Permission, frozenset[str]] = {
    Permission.SAVE: OPEN,
    Permission.SUBMIT: OPEN,
    Permission.HEAD_APPROVE: OPEN_OR_CLOSED,
    Permission.HEAD_RETURN: OPEN_OR_CLOSED,
    Permission.RETURN: OPEN_OR_CLOSED,
    Permission.APPROVE: OPEN_OR_CLOSED,
    Permission.REOPEN: OPEN_OR_CLOSED,
    Permission.CONFIRM: CLOSED_OR_FINALIZED,
    Permission.CONFIRM_HEAD_APPROVE: CLOSED_OR_FINALIZED,
    Permission.CONFIRM_APPROVE: CLOSED_OR_FINALIZED,
}


def granting_roles(roles: frozenset[Role], permission: Permission) -> frozenset[Role]:
    """The roles among these that grant the permission."""
    return TABLE[permission] & roles


def within_department(roles: frozenset[Role], departments: frozenset[str], permission: Permission,
                      department: str | None) -> bool:
    """False when the permission is held only through department-bound roles (editor, department head) and the
    department is not one of the person's."""
    if (permission in DEPARTMENT_BOUND and department is not None
            and granting_roles(roles, permission) <= DEPARTMENT_ROLES):
        return department in departments
    return True


def in_cycle_state(permission: Permission, cycle_state: str | None) -> bool:
    """True when the permission applies in the cycle's state (or no cycle state is asked about)."""
    states = CYCLE_STATES.get(permission)
    return cycle_state is None or states is None or str(getattr(cycle_state, "value", cycle_state)) in states


def permits(roles: frozenset[Role], departments: frozenset[str], permission: Permission,
            department: str | None = None, cycle_state: str | None = None) -> bool:
    """May a person with these roles and departments do/see this (in the department, in a cycle in this state)?"""
    return (bool(granting_roles(roles, permission)) and within_department(roles, departments, permission, department)
            and in_cycle_state(permission, cycle_state))
