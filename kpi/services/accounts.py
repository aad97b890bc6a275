"""Accounts: argon2 password hashes, authentication, and the Actor of a logged-in person."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

import warehouse
from kpi.domain.workflow import Role
from kpi.services.actors import Actor
from warehouse import users

_hasher = PasswordHasher()

MAX_FAILURES = 5  # wrong passwords in a row for one login …
LOCKOUT_S = 600  # … lock it for this long (per app process)
_failures: dict[str, list[float]] = {}
_failures_guard = threading.Lock()
# A password check costs about a second of CPU by design (argon2). Many people logging in at once must not starve
# the session that holds the warehouse lock, so checks queue here: at most one per core but one, never fewer than one.
_verifying = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) - 1))


def _locked(login: str, now: float) -> bool:
    with _failures_guard:
        recent = [t for t in _failures.get(login, []) if now - t < LOCKOUT_S]
        _failures[login] = recent
        return len(recent) >= MAX_FAILURES


def _fail(login: str, now: float) -> None:
    with _failures_guard:
        _failures.setdefault(login, []).append(now)


class LoginFailed(Exception):
    """Wrong login or password; the message never says which."""


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def actor_of(user: dict) -> Actor:
    """The Actor of an account record."""
    return Actor(user["login"], user["display_name"], frozenset(Role(r) for r in user["roles"]),
                 frozenset(user["departments"]), user.get("version"))


def authenticate(login: str, password: str, *, db: Path | str | None = None) -> Actor:
    """Return the Actor when login and password match an active account, else raise LoginFailed."""
    login = login.strip()
    now = time.monotonic()
    if _locked(login, now):
        raise LoginFailed(f"ログインの失敗が{MAX_FAILURES}回続いたため、このIDは{LOCKOUT_S // 60}分間ログインできません")
    with warehouse.connect(db) as con:
        user = users.get_user(con, login)
    if user is None or not user["active"]:
        _fail(login, now)
        raise LoginFailed("ログインIDまたはパスワードが正しくありません")
    try:
        with _verifying:
            _hasher.verify(user["password_hash"], password)
    except (VerificationError, InvalidHashError):
        _fail(login, now)
        raise LoginFailed("ログインIDまたはパスワードが正しくありません") from None
    with _failures_guard:
        _failures.pop(login, None)
    if _hasher.check_needs_rehash(user["password_hash"]):
        with warehouse.transaction(db) as con:
            users.rehash_password(con, user["login"], hash_password(password))
    return actor_of(user)


def actor_for_identity(email: str | None, *, db: Path | str | None = None) -> Actor:
    """The local account of an OpenID Connect identity (matched on e-mail), or LoginFailed."""
    if not email:
        raise LoginFailed("組織アカウントのメールアドレスを確認できませんでした")
    with warehouse.connect(db) as con:
        login = users.login_for_email(con, email)
        user = users.get_user(con, login) if login else None
    if user is None:
        raise LoginFailed(f"{email} に対応する利用者が登録されていません。システム管理者に登録を依頼してください")
    return actor_of(user)
