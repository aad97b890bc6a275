"""AppTest helpers: an app session logged in as a demo account, against a private demo warehouse."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.services.accounts import authenticate

ENTRYPOINT = str(Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py")

DEMO_LOGINS = {
    "editor": ("editor1", "editor1-pass"),
    "reviewer": ("reviewer", "reviewer-pass"),
    "executive": ("executive", "executive-pass"),
    "admin": ("admin", "admin-pass"),
}


@pytest.fixture
def app_as(demo_db):
    """Return a function that opens the app logged in as one of the demo roles."""

    def open_as(role: str | None) -> AppTest:
        at = AppTest.from_file(ENTRYPOINT, default_timeout=60)
        if role is not None:
            login, password = DEMO_LOGINS[role]
            at.session_state["actor"] = authenticate(login, password, db=demo_db)
        at.run()
        return at

    return open_as
