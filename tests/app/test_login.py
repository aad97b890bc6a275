"""Logging in and out, and the session timeout."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import ENTRYPOINT


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
    at.switch_page("pages/dashboard.py").run()
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


def test_idle_session_times_out_with_a_notice(app_as):
    at = app_as("reviewer")
    at.session_state["last_seen"] = at.session_state["last_seen"] - 10_000
    at.run()
    assert "actor" not in at.session_state
    assert any("ログアウトしました" in i.value for i in at.info)
