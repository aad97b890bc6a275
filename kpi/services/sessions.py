"""Login sessions that survive a reload: a random token in the browser, only its keyed hash in the warehouse.

A session is resumed on every script run: it ends at logout, after the idle timeout, at its absolute expiry, and
as soon as its account changes (disabled, roles, departments or password: the account's version moved on).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import warehouse
from kpi.domain.workflow import Role
from kpi.services.actors import Actor
from warehouse import sessions as repo

COOKIE = "kpi_session"
TOKEN_BYTES = 32  # 256 random bits; token_urlsafe gives 43 characters
TOUCH_EVERY_S = 60  # last_seen is written at most once a minute (a write per click would queue behind saves)
KEEP_ENDED_S = 86_400  # ended or expired sessions are forgotten a day later
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")

NOTICES = {
    "logout": "ログアウトされています。もう一度ログインしてください。",
    "timeout": "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。",
    "expired": "ログインの有効期限が切れたため、ログアウトしました。もう一度ログインしてください。",
    "disabled": "このアカウントは無効になったため、ログアウトしました。",
    "account": "アカウントの役割・担当課・パスワードのいずれかが変更されたため、ログアウトしました。もう一度ログインしてください。",
}


class SessionEnded(Exception):
    """The session cannot continue; `notice` is the Japanese sentence to show (None for an unknown token)."""

    def __init__(self, reason: str | None):
        self.reason = reason
        self.notice = NOTICES.get(reason) if reason else None
        super().__init__(self.notice or "ログインしてください。")


def idle_timeout_s() -> int:
    """Seconds without a click after which a session ends ($KPI_SESSION_TIMEOUT_S, 30 minutes)."""
    return int(os.environ.get("KPI_SESSION_TIMEOUT_S", "1800"))


def max_age_s() -> int:
    """Seconds after login after which a session ends however active ($KPI_SESSION_MAX_AGE_S, 12 hours)."""
    return int(os.environ.get("KPI_SESSION_MAX_AGE_S", "43200"))


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def key_path(db: Path | str | None = None) -> Path:
    """The HMAC key of a warehouse's sessions: beside the warehouse file, readable by its owner only (0600). For a
    PostgreSQL warehouse, `postgresql.session-key` in the data folder ($KPI_DB's folder): every app process of the
    machine shares it (copy it to the other machines that serve the same database)."""
    if db is None and os.environ.get("KPI_DATABASE_URL") or isinstance(db, str) and db.startswith(
            ("postgresql://", "postgres://")):
        return warehouse.default_db_path().with_name("postgresql.session-key")
    path = Path(db) if db is not None else warehouse.default_db_path()
    return path.with_name(path.name + ".session-key")


_keys: dict[str, bytes] = {}
_keys_guard = threading.Lock()


def _create_key(path: Path) -> None:
    """Write a new random key 0600 under a temporary name and link it in place (the first writer wins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        tmp.unlink(missing_ok=True)


def _key(db: Path | str | None) -> bytes:
    path = key_path(db)
    with _keys_guard:
        cached = _keys.get(str(path))
        if cached is not None and path.exists():
            return cached
        if not path.exists():
            _create_key(path)
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        key = path.read_bytes()
        if len(key) < 32:
            raise RuntimeError(f"ログイン情報の鍵ファイルが壊れています: {path}")
        _keys[str(path)] = key
        return key


def token_hash(token: str, db: Path | str | None = None) -> str:
    """The keyed hash (HMAC-SHA256) stored for a token: the warehouse alone cannot produce or reverse it."""
    return hmac.new(_key(db), token.encode("ascii"), hashlib.sha256).hexdigest()


def well_formed(token: object) -> bool:
    """True for a string shaped like a token this module issues (anything else is refused before any work)."""
    return isinstance(token, str) and bool(_TOKEN.match(token))


def open_session(actor: Actor, *, db: Path | str | None = None, now: datetime | None = None) -> str:
    """Start a session for an account's actor (as read at login); return the token for the browser."""
    if actor.version is None:
        raise ValueError("only an account read from the warehouse opens a session")
    now = now or _utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with warehouse.transaction(db) as con:
        repo.purge_before(con, now - timedelta(seconds=KEEP_ENDED_S))
        repo.insert_session(con, token_hash(token, db), actor.login, actor.version, now,
                            now + timedelta(seconds=max_age_s()))
    return token


def _why_ended(s: dict, now: datetime) -> str | None:
    if s["ended_at"] is not None:
        return "logout"
    if not s["exists"] or not s["active"]:
        return "disabled"
    if s["version"] != s["account_version"]:
        return "account"
    if now >= s["expires_at"]:
        return "expired"
    if (now - s["last_seen"]).total_seconds() > idle_timeout_s():
        return "timeout"
    return None


def resume(token: str, *, db: Path | str | None = None, now: datetime | None = None) -> Actor:
    """The actor of a live session, read afresh from its account; else SessionEnded (the session is ended)."""
    if not well_formed(token):
        raise SessionEnded(None)
    now = now or _utcnow()
    hashed = token_hash(token, db)
    with warehouse.connect(db) as con:
        s = repo.session_of(con, hashed)
    if s is None:
        raise SessionEnded(None)
    reason = _why_ended(s, now)
    if reason is not None:
        if s["ended_at"] is None:
            with warehouse.transaction(db) as con:
                repo.end_session(con, hashed, now, reason)
        raise SessionEnded(reason)
    if (now - s["last_seen"]).total_seconds() >= TOUCH_EVERY_S:
        with warehouse.transaction(db) as con:
            repo.touch(con, hashed, now)
    return Actor(s["login"], s["display_name"], frozenset(Role(r) for r in s["roles"]), frozenset(s["departments"]),
                 s["version"])


def close(token: str | None, *, db: Path | str | None = None, reason: str = "logout",
          now: datetime | None = None) -> None:
    """End a session at once (logout); an unknown or malformed token is ignored."""
    if not well_formed(token):
        return
    with warehouse.transaction(db) as con:
        repo.end_session(con, token_hash(token, db), now or _utcnow(), reason)
