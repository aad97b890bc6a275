"""AppTest helpers: an app session logged in as a demo account, against a private demo warehouse."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.services import sessions
from kpi.services.accounts import authenticate

ENTRYPOINT = str(Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py")

DEMO_LOGINS = {
    "editor": ("editor1", "editor1-pass"),
    "reviewer": ("reviewer", "reviewer-pass"),
    "executive": ("executive", "executive-pass"),
    "admin": ("admin", "admin-pass"),
}


def sign_in(at: AppTest, login: str, password: str, db) -> None:
    """Log an AppTest session in as the page does: the account's actor and a server-side session token."""
    actor = authenticate(login, password, db=db)
    at.session_state["actor"] = actor
    at.session_state["session_token"] = sessions.open_session(actor, db=db)


@pytest.fixture
def app_warehouse(demo_db):
    """The warehouse the app runs on: the demo DuckDB file ($KPI_DB). A module overrides this fixture with
    `demo_warehouse` to run its pages on both backends (tests/app/test_pages.py)."""
    return demo_db


@pytest.fixture
def app_as(app_warehouse):
    """Return a function that opens the app logged in as one of the demo roles."""

    def open_as(role: str | None) -> AppTest:
        at = AppTest.from_file(ENTRYPOINT, default_timeout=60)
        if role is not None:
            login, password = DEMO_LOGINS[role]
            sign_in(at, login, password, app_warehouse)
        at.run()
        return at

    return open_as
