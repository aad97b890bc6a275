"""Administration: accounts, roles and departments (administrators), each change with an audit row."""
from __future__ import annotations

import re
from pathlib import Path

import warehouse
from kpi.domain.normalize import InputError, clean_text
from kpi.domain.workflow import Role
from kpi.services.accounts import hash_password
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, check
from warehouse import master, users, values

MIN_PASSWORD = 10
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
_DEPT = re.compile(r"^[A-Z0-9_-]{2,20}$")


class AdminError(ValueError):
    """A refused administrative change; str() is Japanese."""


def _audit(con, actor: Actor, action: str, entity: str, entity_id: str, old=None, new=None) -> None:
    values.append_audit(con, {"actor": actor.login, "role": actor.primary_role.value, "action": action,
                              "entity": entity, "entity_id": entity_id, "old_value": old, "new_value": new})


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
    if Role.EDITOR.value in roles and not departments:
        raise AdminError("入力担当には担当課を1つ以上割り当ててください")


def create_account(actor: Actor, login: str, display_name: str, password: str, roles: list[str],
                   departments: list[str], db: Path | str | None = None) -> None:
    """Create a local account (argon2 hash) with roles and departments."""
    check(actor, Permission.MANAGE_USERS)
    login = (login or "").strip().lower()
    if not _LOGIN.match(login):
        raise AdminError("ログインIDは半角英小文字・数字・「._-」の2〜32文字にしてください")
    name = _required_text(display_name, "氏名・表示名")
    _password_ok(password)
    _roles_ok(roles, departments)
    with warehouse.transaction(db) as con:
        if users.get_user(con, login) is not None:
            raise AdminError(f"ログインID「{login}」は既に使われています")
        known = {d["code"] for d in master.list_departments(con)}
        if set(departments) - known:
            raise AdminError(f"不明な担当課です: {sorted(set(departments) - known)}")
        users.insert_user(con, login, name, hash_password(password), roles, departments)
        _audit(con, actor, "create_user", "user", login, new=f"roles={roles} departments={departments}")


def update_account(actor: Actor, login: str, *, roles: list[str], departments: list[str], active: bool,
                   email: str | None = None, db: Path | str | None = None) -> None:
    """Change an account's roles, departments, OpenID e-mail (when given) and whether it may log in."""
    check(actor, Permission.MANAGE_USERS)
    _roles_ok(roles, departments)
    if login == actor.login and (not active or Role.ADMIN.value not in roles):
        raise AdminError("自分自身の管理者権限を外したり、無効にしたりすることはできません")
    with warehouse.transaction(db) as con:
        user = users.get_user(con, login)
        if user is None:
            raise AdminError(f"ログインID「{login}」はありません")
        users.set_roles(con, login, roles)
        users.set_departments(con, login, departments)
        users.set_active(con, login, active)
        if email is not None:
            email = email.strip() or None
            if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
                raise AdminError("メールアドレスの形式が正しくありません")
            users.set_email(con, login, email)
        _audit(con, actor, "update_user", "user", login,
               old=f"roles={user['roles']} departments={user['departments']} active={user['active']}",
               new=f"roles={roles} departments={departments} active={active}")


def reset_password(actor: Actor, login: str, password: str, db: Path | str | None = None) -> None:
    """Set a new password for an account (the hash only is stored)."""
    check(actor, Permission.MANAGE_USERS)
    _password_ok(password)
    with warehouse.transaction(db) as con:
        if users.get_user(con, login) is None:
            raise AdminError(f"ログインID「{login}」はありません")
        users.update_password_hash(con, login, hash_password(password))
        _audit(con, actor, "reset_password", "user", login)


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
