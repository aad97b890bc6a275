"""Login state of a Streamlit session: the Actor, the session timeout, and the cached reads."""
from __future__ import annotations

import os
import time

import streamlit as st

from app import state
from kpi.services import summaries
from kpi.services.actors import Actor

SESSION_TIMEOUT_S = int(os.environ.get("KPI_SESSION_TIMEOUT_S", "1800"))


def current_actor() -> Actor | None:
    """The logged-in Actor, or None (also after the session timed out, with a notice)."""
    actor = st.session_state.get(state.ACTOR)
    if actor is None:
        return None
    now = time.monotonic()
    last = st.session_state.get(state.LAST_SEEN, now)
    if now - last > SESSION_TIMEOUT_S:
        logout("一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。")
        return None
    st.session_state[state.LAST_SEEN] = now
    return actor


def login(actor: Actor) -> None:
    """Start a session for the actor."""
    st.session_state[state.ACTOR] = actor
    st.session_state[state.LAST_SEEN] = time.monotonic()


def logout(notice: str | None = None) -> None:
    """End the session, keeping only a notice to show on the login page."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if notice:
        st.session_state[state.NOTICE] = notice


def approved_cycle_view(fiscal_year: int) -> summaries.CycleView:
    """The approved basis of a cycle, cached per warehouse file until the next write clears it."""
    return _cached_approved(fiscal_year, summaries.warehouse_key())


@st.cache_data(ttl=300, show_spinner="集計しています…")
def _cached_approved(fiscal_year: int, db: str) -> summaries.CycleView:
    return summaries.load_cycle(fiscal_year, basis="approved", db=db)


def clear_caches() -> None:
    """Forget cached reads after a write, so the next run shows it."""
    _cached_approved.clear()
