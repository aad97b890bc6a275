"""Accounts: argon2 password hashes, authentication, and the Actor of a logged-in person."""
from __future__ import annotations

import math
import os
import secrets
import threading
import time
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

import warehouse
from kpi.domain.audit_events import AuditEvent
from kpi.domain.workflow import Role
from kpi.services.actors import Actor
from kpi.services.throttle import Throttle
from warehouse import audit, users

_hasher = PasswordHasher()

MAX_LOGIN_CHARS = 64  # login IDs are at most 32 characters; anything longer is refused before any work
MAX_PASSWORD_CHARS = 1024
THROTTLE_SIZE = 10_000  # keys kept per counter (least recently failed forgotten first): the table stays bounded
# The counters live in the warehouse (table login_throttle), shared by every app process and machine.
# One browser (source) guessing one login: 3 free tries, then 1 s, 2 s, 4 s … up to 5 minutes between tries.
BY_SOURCE_AND_LOGIN = Throttle("source_login", free=3, base_s=1, cap_s=300, forget_s=3600, size=THROTTLE_SIZE)
# Everyone guessing one login: 10 free tries, then 1 s … at most 30 s — it slows guessing from many places but
# never locks the person out (a stranger's failures cost the owner at most 30 s).
BY_LOGIN = Throttle("login", free=10, base_s=1, cap_s=30, forget_s=3600, size=THROTTLE_SIZE)
# A password check costs about a second of CPU by design (argon2). Many people logging in at once must not starve
# the session that holds the warehouse lock, so checks queue here: at most one per core but one, never fewer than one.
_verifying = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) - 1))
clock = time.time  # the throttle's time source: the wall clock every process shares (tests freeze it)
_dummy: list[str] = []
_dummy_guard = threading.Lock()


class LoginFailed(Exception):
    """Wrong login or password; the message never says which."""


class LoginThrottled(LoginFailed):
    """Too many failures from this source or for this login: wait before the next try."""


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def dummy_hash() -> str:
    """A hash of a random password, checked for unknown or disabled logins so they answer as slowly as known ones."""
    with _dummy_guard:
        if not _dummy:
            _dummy.append(_hasher.hash(secrets.token_urlsafe(32)))
        return _dummy[0]


def check_password(password_hash: str, password: str) -> bool:
    """True when the password matches the hash (one argon2 verification, queued per core)."""
    try:
        with _verifying:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def actor_of(user: dict) -> Actor:
    """The Actor of an account record."""
    return Actor(user["login"], user["display_name"], frozenset(Role(r) for r in user["roles"]),
                 frozenset(user["departments"]), user.get("version"))


def authenticate(login: str, password: str, *, db: Path | str | None = None, source: str | None = None) -> Actor:
    """Return the Actor when login and password match an active account, else raise LoginFailed.

    Known, unknown and disabled logins cost the same (one argon2 check) and fail with the same sentence; failures
    slow further tries of the login (from this source most, from everywhere a little) instead of locking it."""
    wrong = "ログインIDまたはパスワードが正しくありません"
    if len(login) > MAX_LOGIN_CHARS or len(password) > MAX_PASSWORD_CHARS:
        raise LoginFailed(wrong)
    login = key = login.strip()
    pair = f"{(source or 'local')[:64]}\n{key}"
    now = clock()
    with warehouse.connect(db) as con:
        user = users.get_user(con, login)
        version = user["version"] if user else None
        wait = max(BY_SOURCE_AND_LOGIN.wait_s(con, pair, now, version), BY_LOGIN.wait_s(con, key, now, version))
    if wait > 0:
        raise LoginThrottled(f"ログインの失敗が続いたため、{math.ceil(wait)}秒待ってから再度お試しください")
    matches = check_password(user["password_hash"] if user else dummy_hash(), password)
    if not (matches and user["active"]):
        now = clock()  # after the check: the wait runs from the answer
        with warehouse.transaction(db) as con:  # the counts and the audit row, together
            BY_SOURCE_AND_LOGIN.fail(con, pair, now, version)
            BY_LOGIN.fail(con, key, now, version)
            if user is not None:  # unknown logins leave no row: a stranger cannot fill the audit trail with names
                slowed = max(BY_SOURCE_AND_LOGIN.wait_s(con, pair, now, version),
                             BY_LOGIN.wait_s(con, key, now, version))
                _audit_login(con, user, "lockout" if slowed > 0 else "login_failed", source,
                             f"次の試行まで{math.ceil(slowed)}秒" if slowed > 0 else None)
        raise LoginFailed(wrong)
    with warehouse.transaction(db) as con:
        BY_SOURCE_AND_LOGIN.clear(con, pair)
        BY_LOGIN.clear(con, key)
        _audit_login(con, user, "login", source, None)
    if _hasher.check_needs_rehash(user["password_hash"]):
        with warehouse.transaction(db) as con:
            users.rehash_password(con, user["login"], hash_password(password))
    return actor_of(user)


def _audit_login(con, user: dict, action: str, source: str | None, comment: str | None) -> None:
    """An audit row of a login, a failed password or a slowed login (who, from where, when)."""
    role = actor_of(user).primary_role.value if user["roles"] else "none"
    audit.record(con, AuditEvent(actor=user["login"], role=role, action=action, entity="session",
                                 entity_id=user["login"], new_value=f"接続元 {(source or 'local')[:64]}",
                                 comment=comment))


def throttled_for(logins: list[str], *, db: Path | str | None = None) -> dict[str, int]:
    """Seconds each login must still wait before its next try, from everywhere or from one source (only the
    logins slowed now)."""
    now = clock()
    with warehouse.connect(db) as con:
        versions = {u: (users.account_state(con, u) or (False, None))[1] for u in logins}
        waits = {u: max(BY_LOGIN.wait_s(con, u, now, versions[u]),
                        BY_SOURCE_AND_LOGIN.longest_wait_s(con, f"\n{u}", now, versions[u])) for u in logins}
    return {u: math.ceil(w) for u, w in waits.items() if w > 0}


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
