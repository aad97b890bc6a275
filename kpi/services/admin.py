"""Administration: accounts, roles and departments (administrators), each change with an audit row."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import warehouse
from kpi.domain.audit_events import AuditEvent
from kpi.domain.normalize import InputError, clean_text
from kpi.domain.workflow import Role
from kpi.services.accounts import hash_password
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, check
from warehouse import audit, master, users

MIN_PASSWORD = 10
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
_DEPT = re.compile(r"^[A-Z0-9_-]{2,20}$")


# Logins the automated actors write into the audit trail; no person's account may carry one of them.
RESERVED_LOGINS = frozenset({"system", "scheduler", "cli", "reader", "local", "admin-cli", "operator", "root"})
# Small bodies where one person is both the division's reviewer and the system administrator may allow it.
ALLOW_REVIEWER_ADMIN_ENV = "KPI_ALLOW_REVIEWER_ADMIN"


class AdminError(ValueError):
    """A refused administrative change; str() is Japanese."""


def _audit(con, actor: Actor, action: str, entity: str, entity_id: str, old=None, new=None) -> None:
    audit.record(con, AuditEvent(actor=actor.login, role=actor.primary_role.value, action=action,
                                 entity=entity, entity_id=entity_id, old_value=old, new_value=new))


def _fields_json(fields: dict | None) -> str | None:
    """Before or after of the changed fields as one JSON object (the audit page shows it field by field)."""
    return None if fields is None else json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str)


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, before and after."""
    changed = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def reviewer_admin_allowed() -> bool:
    """True when the setting lets one account hold 審査担当 and システム管理者 together (off by default)."""
    return os.environ.get(ALLOW_REVIEWER_ADMIN_ENV, "").strip().lower() in ("1", "true", "yes")


def _duties_ok(roles: list[str]) -> None:
    """Segregation of duties: the one who approves figures is not the one who manages accounts."""
    if Role.REVIEWER.value in roles and Role.ADMIN.value in roles and not reviewer_admin_allowed():
        raise AdminError("審査担当とシステム管理者を同じ利用者に割り当てることはできません（職務の分離）。"
                         f"小規模な団体で兼務が必要な場合は設定 {ALLOW_REVIEWER_ADMIN_ENV}=1 を有効にしてください")


def _required_text(value: str | None, field: str) -> str:
    """Cleaned free text for a required field, or AdminError naming the field."""
    try:
        text = clean_text(value, field=field, max_length=100)
    except InputError as exc:
        raise AdminError(str(exc)) from None
    if not text:
        raise AdminError(f"{field}を入力してください")
    return text


def _password_ok(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AdminError(f"パスワードは{MIN_PASSWORD}文字以上にしてください")


def _roles_ok(roles: list[str], departments: list[str]) -> None:
    if not roles:
        raise AdminError("役割を1つ以上選んでください")
    unknown = set(roles) - {r.value for r in Role}
    if unknown:
        raise AdminError(f"不明な役割です: {sorted(unknown)}")
    _duties_ok(roles)
    if Role.EDITOR.value in roles and not departments:
        raise AdminError("入力担当には担当課を1つ以上割り当ててください")
    if Role.DEPT_HEAD.value in roles and not departments:
        raise AdminError("所属長承認者には承認する所属を1つ以上割り当ててください")


def _new_account(con, login: str, display_name: str, password: str, roles: list[str],
                 departments: list[str], taken: set[str] = frozenset()) -> dict:
    """A checked account to insert (AdminError naming the first problem)."""
    login = (login or "").strip().lower()
    if not _LOGIN.match(login):
        raise AdminError("ログインIDは半角英小文字・数字・「._-」の2〜32文字にしてください")
    if login in RESERVED_LOGINS:
        raise AdminError(f"ログインID「{login}」は自動処理の記録に使う名前のため使えません")
    name = _required_text(display_name, "氏名・表示名")
    _password_ok(password)
    _roles_ok(roles, departments)
    if login in taken or users.get_user(con, login) is not None:
        raise AdminError(f"ログインID「{login}」は既に使われています")
    known = {d["code"] for d in master.list_departments(con)}
    if set(departments) - known:
        raise AdminError(f"不明な担当課です: {sorted(set(departments) - known)}")
    return {"login": login, "display_name": name, "password": password, "roles": sorted(roles),
            "departments": sorted(departments)}


def _insert_account(con, actor: Actor, a: dict) -> None:
    users.insert_user(con, a["login"], a["display_name"], hash_password(a["password"]), a["roles"], a["departments"])
    _audit(con, actor, "create_user", "user", a["login"],
           new=_fields_json({"display_name": a["display_name"], "roles": a["roles"], "departments": a["departments"],
                             "active": True}))


def create_account(actor: Actor, login: str, display_name: str, password: str, roles: list[str],
                   departments: list[str], db: Path | str | None = None) -> None:
    """Create a local account (argon2 hash) with roles and departments."""
    check(actor, Permission.MANAGE_USERS)
    with warehouse.transaction(db) as con:
        _insert_account(con, actor, _new_account(con, login, display_name, password, roles, departments))


def import_accounts(actor: Actor, rows: list[dict], db: Path | str | None = None) -> list[str]:
    """Create every account of a personnel list, or none: AdminError listing every row's problem.

    rows: {"row", "login", "display_name", "password", "roles", "departments"}; returns the logins created."""
    check(actor, Permission.MANAGE_USERS)
    problems, planned, taken = [], [], set()
    with warehouse.transaction(db) as con:
        for r in rows:
            try:
                a = _new_account(con, r["login"], r["display_name"], r["password"], r["roles"], r["departments"],
                                 taken)
            except AdminError as exc:
                problems.append(f"{r['row']}行目（{r['login'] or 'ログインIDなし'}）: {exc}")
            else:
                taken.add(a["login"])
                planned.append(a)
        if problems:
            raise AdminError("取り込めませんでした（1件も登録していません）。\n" + "\n".join(problems))
        for a in planned:
            _insert_account(con, actor, a)
    return [a["login"] for a in planned]


def update_account(actor: Actor, login: str, *, roles: list[str], departments: list[str], active: bool,
                   email: str | None = None, display_name: str | None = None, db: Path | str | None = None) -> None:
    """Change an account's roles, departments, OpenID e-mail and name (when given) and whether it may log in.

    Nobody changes their own roles, departments or active flag (another administrator does); the audit row holds
    before and after of each changed field, and who changed them."""
    check(actor, Permission.MANAGE_USERS)
    _roles_ok(roles, departments)
    if email is not None:
        email = email.strip() or None
        if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
            raise AdminError("メールアドレスの形式が正しくありません")
    name = _required_text(display_name, "氏名・表示名") if display_name is not None else None
    with warehouse.transaction(db) as con:
        user = users.get_user(con, login)
        if user is None:
            raise AdminError(f"ログインID「{login}」はありません")
        before = {"roles": sorted(user["roles"]), "departments": sorted(user["departments"]),
                  "active": bool(user["active"]), "email": user.get("email"),
                  "display_name": user["display_name"]}
        after = {"roles": sorted(roles), "departments": sorted(departments), "active": bool(active),
                 "email": email if email is not None else before["email"],
                 "display_name": name if name is not None else before["display_name"]}
        old, new = _diff(before, after)
        if login == actor.login and ({"roles", "departments", "active"} & set(new)):
            raise AdminError("自分自身の役割・担当課・有効／無効は変更できません。他のシステム管理者に依頼してください")
        if not new:
            return
        if "roles" in new:
            users.set_roles(con, login, roles)
        if "departments" in new:
            users.set_departments(con, login, departments)
        if "active" in new:
            users.set_active(con, login, active)
        if "email" in new:
            users.set_email(con, login, email)
        if "display_name" in new:
            users.set_display_name(con, login, name)
        _audit(con, actor, "update_user", "user", login, old=_fields_json(old), new=_fields_json(new))


def reset_password(actor: Actor, login: str, password: str, db: Path | str | None = None) -> None:
    """Set a new password for an account (the hash only is stored)."""
    check(actor, Permission.MANAGE_USERS)
    _password_ok(password)
    with warehouse.transaction(db) as con:
        if users.get_user(con, login) is None:
            raise AdminError(f"ログインID「{login}」はありません")
        users.update_password_hash(con, login, hash_password(password))
        _audit(con, actor, "reset_password", "user", login)


def unlock_account(actor: Actor, login: str, db: Path | str | None = None) -> None:
    """Lift the login throttle of an account at once (in every app process: the counters are keyed on the
    account's version, which this moves on — so the account's open sessions end too)."""
    check(actor, Permission.MANAGE_USERS)
    with warehouse.transaction(db) as con:
        if users.get_user(con, login) is None:
            raise AdminError(f"ログインID「{login}」はありません")
        users.end_sessions_and_throttle(con, login)
        _audit(con, actor, "unlock_user", "user", login)


def save_department(actor: Actor, code: str, name: str, db: Path | str | None = None) -> None:
    """Create a department or rename it."""
    check(actor, Permission.MANAGE_USERS)
    code = (code or "").strip().upper()
    if not _DEPT.match(code):
        raise AdminError("担当課コードは半角英大文字・数字・「_-」の2〜20文字にしてください")
    name = _required_text(name, "担当課名")
    with warehouse.transaction(db) as con:
        old = {d["code"]: d["name"] for d in master.list_departments(con)}.get(code)
        master.upsert_department(con, code, name, False)
        _audit(con, actor, "save_department", "department", code, old=old, new=name)
