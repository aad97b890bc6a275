"""Logging in and out, and the session timeout."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from kpi.domain.workflow import Role
from kpi.services import admin, sessions
from kpi.services.actors import Actor
from tests.app.conftest import ENTRYPOINT

ADMIN = Actor("admin", "管理者", frozenset({Role.ADMIN}))


def _login(demo_db, login, password):
    at = AppTest.from_file(ENTRYPOINT, default_timeout=60)
    at.run()
    at.text_input(key="login_id").input(login)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    return at


def test_anonymous_visitor_sees_only_the_login_page(demo_db):
    at = AppTest.from_file(ENTRYPOINT, default_timeout=60).run()
    assert [t.label for t in at.text_input] == ["ログインID", "パスワード"]
    assert not at.metric


def test_right_password_logs_in_as_the_account(demo_db):
    at = _login(demo_db, "executive", "executive-pass")
    assert at.session_state["actor"].login == "executive"
    at.switch_page("views/dashboard.py").run()
    assert [t.value for t in at.title] == ["ダッシュボード"]


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(demo_db):
    at = _login(demo_db, "executive", "nope")
    assert "actor" not in at.session_state
    assert [e.value for e in at.error] == ["ログインIDまたはパスワードが正しくありません"]
    at = _login(demo_db, "nobody", "nope")
    assert [e.value for e in at.error] == ["ログインIDまたはパスワードが正しくありません"]


def test_logout_ends_the_session_and_hides_the_page(app_as):
    at = app_as("reviewer")
    at.sidebar.button(key="logout").click().run()
    assert "actor" not in at.session_state
    assert not at.metric  # the dashboard is gone
    assert any("ログアウトしました" in i.value for i in at.info)


def test_idle_session_times_out_with_a_notice(app_as, monkeypatch):
    at = app_as("reviewer")
    token = at.session_state["session_token"]
    monkeypatch.setenv("KPI_SESSION_TIMEOUT_S", "-1")  # any pause is longer than the timeout
    at.run()
    assert "actor" not in at.session_state
    assert any("一定時間操作がなかったため、ログアウトしました" in i.value for i in at.info)
    monkeypatch.setenv("KPI_SESSION_TIMEOUT_S", "1800")
    with pytest.raises(sessions.SessionEnded):  # ended on the server: no other tab can pick it up
        sessions.resume(token)


def test_logging_in_opens_a_server_session_and_logging_out_ends_it(demo_db):
    at = _login(demo_db, "reviewer", "reviewer-pass")
    token = at.session_state["session_token"]
    assert sessions.resume(token).login == "reviewer"
    at.switch_page("views/dashboard.py").run()
    at.sidebar.button(key="logout").click().run()
    assert "session_token" not in at.session_state
    with pytest.raises(sessions.SessionEnded, match="ログアウト"):
        sessions.resume(token)


@pytest.mark.parametrize(("change", "notice"), [
    (dict(roles=["executive"], departments=[], active=False), "このアカウントは無効になったため"),
    (dict(roles=["executive"], departments=[], active=True), "役割・担当課・パスワードのいずれかが変更された"),
])
def test_an_open_session_ends_on_the_next_click_after_the_account_changed(app_as, demo_db, change, notice):
    at = app_as("reviewer")
    at.switch_page("views/review.py").run()
    assert [t.value for t in at.title] == ["審査・承認"]
    admin.update_account(ADMIN, "reviewer", db=demo_db, **change)
    at.run()
    assert "actor" not in at.session_state
    assert "審査・承認" not in [t.value for t in at.title]  # nothing of the page is left: the address shows the
    assert [b.label for b in at.button] == ["ログイン"]  # login form (every address does when nobody is logged in)
    assert any(notice in i.value for i in at.info), [i.value for i in at.info]


def test_a_password_reset_ends_the_open_session(app_as, demo_db):
    at = app_as("editor")
    admin.reset_password(ADMIN, "editor1", "a-brand-new-password", db=demo_db)
    at.run()
    assert "actor" not in at.session_state
    assert any("パスワード" in i.value for i in at.info)


def test_each_run_reads_the_session_once_and_the_next_run_reads_it_again(app_as, monkeypatch):
    at = app_as("reviewer")
    calls = []
    real = sessions.resume
    monkeypatch.setattr(sessions, "resume", lambda token, **kw: calls.append(token) or real(token, **kw))
    at.switch_page("views/review.py").run()
    assert len(calls) == 1 and [t.value for t in at.title] == ["審査・承認"]
    at.run()
    assert len(calls) == 2
