"""Who may do what: the role × action table every service checks, and the department boundary."""
from __future__ import annotations

from enum import Enum

from kpi.domain.workflow import Role
from kpi.services.actors import Actor, Forbidden
from warehouse import users


class Permission(str, Enum):
    """Service-level actions (the workflow's own transitions are checked again by the domain table)."""

    VIEW_APPROVED = "view"
    VIEW_UNAPPROVED = "view_unapproved"
    VIEW_UNAPPROVED_ALL = "view_unapproved_all"
    SAVE = "save"
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"
    REOPEN = "reopen"
    MANAGE_MASTER = "manage_master"
    MANAGE_USERS = "manage_users"
    PUBLISH = "publish"
    VIEW_AUDIT = "view_audit"
    WRITE_NARRATIVE = "write_narrative"


E, R, X, A = Role.EDITOR, Role.REVIEWER, Role.EXECUTIVE, Role.ADMIN

TABLE: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_APPROVED: frozenset({E, R, X, A}),
    Permission.VIEW_UNAPPROVED: frozenset({E, R}),  # editors: their own departments only
    Permission.VIEW_UNAPPROVED_ALL: frozenset({R}),  # every department's unapproved figures at once
    Permission.SAVE: frozenset({E}),
    Permission.SUBMIT: frozenset({E}),
    Permission.RETURN: frozenset({R}),
    Permission.APPROVE: frozenset({R}),
    Permission.REOPEN: frozenset({R}),
    Permission.MANAGE_MASTER: frozenset({R, A}),
    Permission.MANAGE_USERS: frozenset({A}),
    Permission.PUBLISH: frozenset({R}),
    Permission.VIEW_AUDIT: frozenset({R, A}),
    Permission.WRITE_NARRATIVE: frozenset({R}),  # strategy outline and a cycle's conclusions
}

LABELS_JA = {
    Permission.VIEW_APPROVED: "承認済の集計の閲覧",
    Permission.VIEW_UNAPPROVED: "未承認の値の閲覧",
    Permission.VIEW_UNAPPROVED_ALL: "全所属の未承認の値の閲覧",
    Permission.SAVE: "値の保存",
    Permission.SUBMIT: "値の提出",
    Permission.RETURN: "差戻し",
    Permission.APPROVE: "承認",
    Permission.REOPEN: "承認取消",
    Permission.MANAGE_MASTER: "指標・所属などのマスタ管理",
    Permission.MANAGE_USERS: "利用者の管理",
    Permission.PUBLISH: "報告書の公表",
    Permission.VIEW_AUDIT: "監査ログの閲覧",
    Permission.WRITE_NARRATIVE: "戦略の概要・まとめの編集",
}

# Permissions bounded by the actor's departments when the actor acts only as an editor.
DEPARTMENT_BOUND = frozenset({Permission.VIEW_UNAPPROVED, Permission.SAVE, Permission.SUBMIT})


def allowed(actor: Actor, permission: Permission, department: str | None = None) -> bool:
    """True when one of the actor's roles grants the permission (within the department when bounded)."""
    roles = TABLE[permission] & actor.roles
    if not roles:
        return False
    if permission in DEPARTMENT_BOUND and department is not None and roles == {Role.EDITOR}:
        return department in actor.departments
    return True


def check(actor: Actor, permission: Permission, department: str | None = None) -> None:
    """Raise Forbidden (in Japanese) unless allowed."""
    if not allowed(actor, permission, department):
        if department is not None and TABLE[permission] & actor.roles:
            raise Forbidden(f"担当外の所属（{department}）の{LABELS_JA[permission]}はできません")
        raise Forbidden(f"{LABELS_JA[permission]}の権限がありません")


def check_current(con, actor: Actor) -> None:
    """Raise Forbidden when the actor's account changed since it was read (disabled, roles, departments, password).

    Called inside a writing transaction, so a revoked account cannot act whatever path it takes; actors that are
    not accounts (version None: the command line, scheduled jobs) pass."""
    if actor.version is None:
        return
    now = users.account_state(con, actor.login)
    if now is None or not now[0] or now[1] != actor.version:
        raise Forbidden("アカウントの権限が変更されたため、この操作はできません。もう一度ログインしてください")
