"""Login sessions: a random token for the browser, only its keyed hash stored, ended by logout, idleness, expiry
and any change of the account."""
from __future__ import annotations

import stat
from datetime import timedelta

import pytest

import warehouse
from kpi.domain.workflow import Role
from kpi.services import admin, sessions
from kpi.services.accounts import authenticate
from kpi.services.actors import Actor
from kpi.services.sessions import SessionEnded

ADMIN = Actor("admin", "管理者", frozenset({Role.ADMIN}))


def _open(db, login="reviewer", password="reviewer-pass"):
    actor = authenticate(login, password, db=db)
    return actor, sessions.open_session(actor, db=db)


def _rows(db) -> list[tuple]:
    with warehouse.connect(db) as con:
        return con.execute("SELECT * FROM login_sessions").fetchall()


def _ended(db, token, **kwargs) -> SessionEnded:
    with pytest.raises(SessionEnded) as caught:
        sessions.resume(token, db=db, **kwargs)
    return caught.value


def test_a_session_resumes_as_the_account_with_its_roles_and_version(demo_db):
    actor, token = _open(demo_db)
    again = sessions.resume(token, db=demo_db)
    assert again == actor and again.version == actor.version is not None
    assert sessions.resume(token, db=demo_db) == actor  # a second tab or a reload: the same session


def test_the_token_is_random_and_only_its_keyed_hash_is_stored(demo_db):
    _, one = _open(demo_db)
    _, two = _open(demo_db)
    assert one != two and sessions.well_formed(one) and len(one) == 43
    stored = _rows(demo_db)
    assert len(stored) == 2
    assert not any(one in str(cell) or two in str(cell) for row in stored for cell in row)
    assert {r[0] for r in stored} == {sessions.token_hash(one, demo_db), sessions.token_hash(two, demo_db)}


def test_the_hmac_key_is_private_to_its_owner_and_kept_beside_the_warehouse(demo_db):
    _open(demo_db)
    key = sessions.key_path(demo_db)
    assert key.parent == demo_db.parent
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_bytes()) == 32


@pytest.mark.parametrize("token", ["", "short", "x" * 44, "a" * 42 + "!", None, 12, "A" * 43])
def test_a_forged_or_malformed_token_resumes_nothing_and_says_nothing(demo_db, token):
    _open(demo_db)
    ended = _ended(demo_db, token)
    assert ended.notice is None


def test_logout_ends_the_session_for_every_tab_sharing_it(demo_db):
    _, token = _open(demo_db)
    sessions.close(token, db=demo_db)
    assert "ログアウト" in _ended(demo_db, token).notice
    [row] = _rows(demo_db)
    assert row[-1] == "logout" and row[-2] is not None


def test_an_idle_session_ends_after_the_timeout_and_stays_ended(demo_db, monkeypatch):
    monkeypatch.setenv("KPI_SESSION_TIMEOUT_S", "1800")
    _, token = _open(demo_db)
    [row] = _rows(demo_db)
    opened = row[3]
    sessions.resume(token, db=demo_db, now=opened + timedelta(seconds=1799))
    later = opened + timedelta(seconds=1799 + 1801)
    assert "一定時間操作がなかった" in _ended(demo_db, token, now=later).notice
    assert "ログアウト" in _ended(demo_db, token, now=opened + timedelta(seconds=1)).notice  # never again


def test_activity_keeps_the_session_alive_and_is_written_at_most_once_a_minute(demo_db, monkeypatch):
    monkeypatch.setenv("KPI_SESSION_TIMEOUT_S", "1800")
    _, token = _open(demo_db)
    opened = _rows(demo_db)[0][4]
    sessions.resume(token, db=demo_db, now=opened + timedelta(seconds=30))
    assert _rows(demo_db)[0][4] == opened  # not written: less than a minute
    for minutes in (20, 40, 60, 80):  # every 20 minutes: never 30 idle
        sessions.resume(token, db=demo_db, now=opened + timedelta(minutes=minutes))
    assert _rows(demo_db)[0][4] == opened + timedelta(minutes=80)


def test_a_session_expires_after_its_maximum_age_however_active(demo_db, monkeypatch):
    monkeypatch.setenv("KPI_SESSION_MAX_AGE_S", "3600")
    _, token = _open(demo_db)
    opened = _rows(demo_db)[0][3]
    for minutes in (20, 40):
        sessions.resume(token, db=demo_db, now=opened + timedelta(minutes=minutes))
    assert "有効期限" in _ended(demo_db, token, now=opened + timedelta(minutes=60)).notice


@pytest.mark.parametrize(("change", "reason"), [
    (lambda db: admin.update_account(ADMIN, "reviewer", roles=["executive"], departments=[], active=False, db=db),
     "disabled"),
    (lambda db: admin.update_account(ADMIN, "reviewer", roles=["executive"], departments=[], active=True, db=db),
     "account"),
    (lambda db: admin.update_account(ADMIN, "reviewer", roles=["reviewer", "editor"], departments=["IRYO"],
                                     active=True, db=db), "account"),
    (lambda db: admin.reset_password(ADMIN, "reviewer", "a-brand-new-password", db=db), "account"),
])
def test_any_change_of_the_account_ends_its_open_sessions_at_the_next_click(demo_db, change, reason):
    _, token = _open(demo_db)
    _, other_tab = _open(demo_db)
    change(demo_db)
    for t in (token, other_tab):
        ended = _ended(demo_db, t)
        assert ended.reason == reason and "ログアウトしました" in ended.notice


def test_saving_an_account_unchanged_keeps_its_sessions(demo_db):
    actor, token = _open(demo_db)
    admin.update_account(ADMIN, "reviewer", roles=["reviewer"], departments=[], active=True,
                         email="shinsa@pref.example.lg.jp", db=demo_db)
    assert sessions.resume(token, db=demo_db) == actor


def test_the_actor_comes_from_the_warehouse_not_from_what_the_session_was_opened_with(demo_db):
    actor, token = _open(demo_db)
    with warehouse.transaction(demo_db) as con:  # renaming is not a change of authority
        con.execute("UPDATE users SET display_name = '新しい名前' WHERE login = 'reviewer'")
    assert sessions.resume(token, db=demo_db).display_name == "新しい名前"


def test_only_an_account_read_from_the_warehouse_opens_a_session(demo_db):
    with pytest.raises(ValueError):
        sessions.open_session(ADMIN, db=demo_db)
