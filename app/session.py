"""Login state of a Streamlit session: the Actor, the session timeout, and the cached reads."""
from __future__ import annotations

import gc
import os
import time

import streamlit as st

from app import state
from kpi.services import insights, summaries
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


def _free_earlier_runs() -> None:
    """Collect unreachable objects before building a large cached read (a cache miss only).

    What earlier script runs held (e.g. a cycle frame dropped from the cache by clear_caches or its ttl) can stay
    in reference cycles (a page's functions refer back to the namespace it runs in), freed only by the cyclic
    collector, which few-but-large Polars frames rarely trigger: without this, each rebuild of the national frame
    added about its size to the process (bench/README.md, dashboard memory: 概要 708 → 501 MB)."""
    gc.collect()


def approved_cycle_view(fiscal_year: int) -> summaries.CycleView:
    """The approved basis of a cycle (Evaluated rows), cached per warehouse file until the next write clears it."""
    return _cached_approved(fiscal_year, summaries.warehouse_key())


@st.cache_data(ttl=300, show_spinner="集計しています…")
def _cached_approved(fiscal_year: int, db: str) -> summaries.CycleView:
    _free_earlier_runs()
    return summaries.load_cycle(fiscal_year, basis="approved", db=db)


def approved_cycle_frame(fiscal_year: int, judge: str = "target") -> summaries.CycleFrame:
    """The approved basis of a cycle evaluated set-wise (one Polars frame), cached per warehouse file.

    Kept as the very object (cache_resource: no copy, no pickling on every rerun); the frame is never changed
    in place. Cleared by clear_caches after every write."""
    return _cached_frame(fiscal_year, judge, summaries.warehouse_key())


@st.cache_resource(ttl=300, max_entries=8, show_spinner="集計しています…")
def _cached_frame(fiscal_year: int, judge: str, db: str) -> summaries.CycleFrame:
    _free_earlier_runs()
    return summaries.load_frame(fiscal_year, basis="approved", judge=judge, db=db)


def frame_loader(judge: str = "target"):
    """fiscal year → cached approved CycleFrame, for the insight services' `load`."""
    return lambda fy: approved_cycle_frame(fy, judge)


def trends(judge: str, limit: int | None) -> dict:
    """The trends document (approved figures of every closed cycle), cached per warehouse file."""
    return _cached_trends(judge, limit, summaries.warehouse_key())


@st.cache_data(ttl=300, show_spinner="推移を集計しています…")
def _cached_trends(judge: str, limit: int | None, db: str) -> dict:
    _free_earlier_runs()
    return insights.trends_document(judge=judge, limit=limit, db=db)


def reasons(actor: Actor, fiscal_year: int, judge: str, limit: int | None) -> dict:
    """The reasons of a cycle's unachieved indicators (approved figures), cached per warehouse file."""
    insights.check_approved(actor)
    return _cached_reasons(fiscal_year, judge, limit, summaries.warehouse_key())


@st.cache_data(ttl=300, show_spinner=False)
def _cached_reasons(fiscal_year: int, judge: str, limit: int | None, db: str) -> dict:
    return insights.reasons(insights.READER, fiscal_year, judge=judge, limit=limit, db=db,
                            load=lambda fy: _cached_frame(fy, judge, db))


def drilldown_page(actor: Actor, fiscal_year: int, judge: str, offset: int, limit: int, **filters) -> dict:
    """One page of the approved drill-down list, cached per filters and warehouse file."""
    insights.check_approved(actor)
    key = tuple(sorted((k, v) for k, v in filters.items() if v is not None))
    return _cached_page(fiscal_year, judge, offset, limit, key, summaries.warehouse_key())


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def _cached_page(fiscal_year: int, judge: str, offset: int, limit: int, filters: tuple, db: str) -> dict:
    return insights.drilldown_page(insights.READER, fiscal_year, judge=judge, offset=offset, limit=limit, db=db,
                                   load=lambda fy: _cached_frame(fy, judge, db), **dict(filters))


def band_chart_spec(fiscal_year: int, judge: str, scopes) -> dict:
    """The Vega-Lite spec of the approved band chart (built and validated by Altair once per cycle and judge)."""
    return _cached_chart(fiscal_year, judge, summaries.warehouse_key(), scopes)


@st.cache_data(ttl=300, max_entries=16, show_spinner=False)
def _cached_chart(fiscal_year: int, judge: str, db: str, _scopes) -> dict:
    from kpi.publish.charts import band_chart

    return band_chart(_scopes, fit_width=True, selectable=True).to_dict()


def clear_caches() -> None:
    """Forget cached reads after a write, so the next run shows it."""
    _cached_approved.clear()
    _cached_frame.clear()
    _cached_trends.clear()
    _cached_reasons.clear()
    _cached_page.clear()
    _cached_chart.clear()
