"""Login state of a Streamlit session: the Actor re-read on every run, the session cookie, and the cached reads."""
from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from app import memory, state
from kpi.services import directory, entry_sheet, first_reads, queries, sessions, summaries
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, check

# This run's resolved actor, the cycles and the warehouse change counter read with it, held by the script run (not in st.session_state: after
# st.stop every session-state access raises again, so a flag kept there could not be cleared at the run's end).
_RUN: ContextVar[tuple[Actor | None, list[dict] | None, str | None] | None] = ContextVar("kpi_run", default=None)

def _cookie_token() -> str | None:
    """The session token the browser sent when this tab connected (st.context.cookies is read-only)."""
    token = st.context.cookies.get(sessions.COOKIE)
    return token if sessions.well_formed(token) else None


def current_actor() -> Actor | None:
    """The logged-in Actor, read afresh from the warehouse on every script run, or None.

    The session is this tab's own (after a login) or the browser's cookie (a reload, a second tab, a link); it ends
    with a notice at logout in another tab, after the idle timeout, or when the account changed (disabled, roles,
    departments, password), so a revoked account cannot act on its next click. Within one run (the entrypoint, then
    the page) the warehouse is read once."""
    run = _RUN.get()
    if run is not None:
        return run[0]
    return _resolve()[0]


def _resolve() -> tuple[Actor | None, list[dict] | None, str | None]:
    """Read the session (and the reporting cycles and the change counter with it) from the warehouse: (actor or
    None, cycles or None, counter or None)."""
    token = st.session_state.get(state.SESSION_TOKEN)
    from_cookie = token is None
    if from_cookie:
        token = _cookie_token()
        if token is None or token == st.session_state.get(state.ENDED_TOKEN):
            return None, None, None
    try:
        resumed = first_reads.resume(token)  # the session check and the cycles in one unit of work
    except sessions.SessionEnded as exc:
        if from_cookie:
            st.session_state[state.ENDED_TOKEN] = token  # quietly: the login page clears the stale cookie
        else:
            logout(exc.notice, ended=True)
        return None, None, None
    actor = resumed.actor
    st.session_state[state.SESSION_TOKEN] = token
    st.session_state[state.ACTOR] = actor
    return actor, resumed.cycles, resumed.changes


def cycles(actor: Actor) -> list[dict]:
    """Every reporting cycle, newest first: as read with this run's session check, else read now."""
    run = _RUN.get()
    read = run[1] if run is not None else None
    return read if read is not None else directory.list_cycles(actor)


@contextmanager
def run_resolved() -> Iterator[Actor | None]:
    """The run's actor (current_actor), reused by the page of this run and forgotten when the run ends, however it
    ends (st.rerun, st.stop, an error): the next run reads the warehouse again."""
    reset = _RUN.set(None)
    try:
        resolved = _resolve()
        _RUN.set(resolved)
        yield resolved[0]
    finally:
        _RUN.reset(reset)


def login(actor: Actor) -> None:
    """Start a session for the actor (an account just authenticated); the browser keeps its token as a cookie."""
    logout(None)
    st.session_state[state.SESSION_TOKEN] = sessions.open_session(actor)
    st.session_state[state.ACTOR] = actor


def logout(notice: str | None = None, *, ended: bool = False) -> None:
    """End the session (at once, for every tab sharing it), keeping only a notice to show on the login page.

    Clears the whole session state (also the run's resolved actor: later calls in this run see nobody)."""
    token = st.session_state.get(state.SESSION_TOKEN) or st.session_state.get(state.ENDED_TOKEN)
    if token and not ended:
        sessions.close(token)
    _RUN.set(None)  # later calls in this run read the session again (and find it ended)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if token:
        st.session_state[state.ENDED_TOKEN] = token
    if notice:
        st.session_state[state.NOTICE] = notice


def _cookie(value: str, max_age: int, only_if: str = "") -> None:
    """Set the session cookie in the browser (SameSite=Strict, Secure over https); with only_if, only while the
    cookie still holds that token (clearing an ended session must not clear a newer login in another tab).

    Streamlit can only read cookies (st.context.cookies, sent when the tab connected), so a same-origin script
    writes it. Values travel as escaped data attributes, and are tokens (URL-safe base64), never typed text."""
    st.html(f"""<span hidden data-kpi-name="{html.escape(sessions.COOKIE)}" data-kpi-value="{html.escape(value)}"
 data-kpi-age="{html.escape(str(int(max_age)))}" data-kpi-only="{html.escape(only_if)}"></span>
<script>(function () {{
  const d = [...document.querySelectorAll("span[data-kpi-name]")].pop().dataset;
  if (d.kpiOnly && !document.cookie.split("; ").includes(d.kpiName + "=" + d.kpiOnly)) return;
  document.cookie = d.kpiName + "=" + d.kpiValue + "; Max-Age=" + d.kpiAge + "; Path=/; SameSite=Strict"
    + (location.protocol === "https:" ? "; Secure" : "");
}})();</script>""", unsafe_allow_javascript=True, width="content")


def sync_cookie(actor: Actor | None) -> None:
    """Make the browser's cookie follow the session: set after a login in this tab, cleared after it ended.

    Nothing is sent when the browser already holds the right cookie (a reload or a second tab)."""
    sent = st.context.cookies.get(sessions.COOKIE)
    if actor is not None:
        token = st.session_state.get(state.SESSION_TOKEN)
        if sessions.well_formed(token) and token != sent:
            _cookie(token, sessions.max_age_s())
        return
    ended = st.session_state.get(state.ENDED_TOKEN)
    if sessions.well_formed(ended):
        _cookie("", 0, only_if=ended)


@contextmanager
def _big_read() -> Iterator[None]:
    """Around building a large cached read (a cache miss only): collect what earlier runs left in reference cycles
    and give the freed pages back first, so the read starts from what the process really holds, and give back what
    the read itself freed after (app/memory.py; bench/README.md, dashboard memory)."""
    memory.release()
    try:
        yield
    finally:
        memory.trim()


# The cached reads below are computed by query functions on the figures of a basis, and keyed on that basis: what
# the actor may see (kpi.services.summaries.visible_basis asks the permission table, Forbidden otherwise), so every
# person allowed the same basis shares one entry and nobody reads a basis they may not see. They are also keyed on
# the warehouse change counter read at the start of this run (changes()): a write made by another process (another
# app process, a worker, the CLI) moves it, so it shows at the next run here; the ttl only bounds the memory.


def changes() -> str | None:
    """The warehouse change counter of this run (read with the session), else read now."""
    run = _RUN.get()
    if run is not None and run[0] is not None:
        return run[2]
    return first_reads.changes()


def cycle_frame(actor: Actor, fiscal_year: int, judge: str = "target", basis: str = "approved") -> summaries.CycleFrame:
    """A cycle's figures evaluated set-wise (one Polars frame) on a basis the actor may see; the approved basis is
    cached per warehouse file (the very object: cache_resource, no copy, no pickling on every rerun; the frame is
    never changed in place), the preview of unapproved values is read afresh. Cleared by clear_caches after every
    write."""
    seen = summaries.visible_basis(actor, basis)
    if seen != "approved":
        return summaries.load_frame(fiscal_year, basis=seen, judge=judge, actor=actor)
    return _cached_frame(fiscal_year, judge, seen, summaries.warehouse_key(), changes())


@st.cache_resource(ttl=300, max_entries=8, show_spinner="集計しています…")
def _cached_frame(fiscal_year: int, judge: str, basis: str, db: str, counted: str | None) -> summaries.CycleFrame:
    with _big_read():
        return summaries.cycle_figures(fiscal_year, basis=basis, judge=judge, db=db)


def trends(actor: Actor, judge: str, limit: int | None) -> dict:
    """The trends document (approved figures of every closed cycle), cached per basis and warehouse file."""
    return _cached_trends(judge, limit, summaries.visible_basis(actor, "approved"), summaries.warehouse_key(),
                          changes())


@st.cache_data(ttl=300, show_spinner="推移を集計しています…")
def _cached_trends(judge: str, limit: int | None, basis: str, db: str, counted: str | None) -> dict:
    with _big_read():
        return queries.trends_document(judge=judge, limit=limit, db=db)


def reasons(actor: Actor, fiscal_year: int, judge: str, limit: int | None) -> dict:
    """The reasons of a cycle's unachieved indicators (approved figures), cached per basis and warehouse file."""
    return _cached_reasons(fiscal_year, judge, limit, summaries.visible_basis(actor, "approved"),
                           summaries.warehouse_key(), changes())


@st.cache_data(ttl=300, show_spinner=False)
def _cached_reasons(fiscal_year: int, judge: str, limit: int | None, basis: str, db: str,
                    counted: str | None) -> dict:
    return queries.reasons_of(_cached_frame(fiscal_year, judge, basis, db, counted), limit=limit, db=db)


def drilldown_page(actor: Actor, fiscal_year: int, judge: str, offset: int, limit: int, basis: str = "approved",
                   **filters) -> dict:
    """One page of the drill-down list on a basis the actor may see; the approved basis cached per filters and
    warehouse file, the preview of unapproved values read afresh."""
    seen = summaries.visible_basis(actor, basis)
    if seen != "approved":
        return queries.drilldown_page(actor, fiscal_year, basis=seen, judge=judge, offset=offset, limit=limit,
                                      **filters)
    key = tuple(sorted((k, v) for k, v in filters.items() if v is not None))
    return _cached_page(fiscal_year, judge, offset, limit, key, seen, summaries.warehouse_key(), changes())


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def _cached_page(fiscal_year: int, judge: str, offset: int, limit: int, filters: tuple, basis: str, db: str,
                 counted: str | None) -> dict:
    return queries.page_of(_cached_frame(fiscal_year, judge, basis, db, counted), offset=offset, limit=limit, db=db,
                           **dict(filters))


def band_chart_spec(fiscal_year: int, judge: str, scopes) -> dict:
    """The Vega-Lite spec of the approved band chart (built and validated by Altair once per cycle and judge)."""
    return _cached_chart(fiscal_year, judge, summaries.warehouse_key(), changes(), scopes)


@st.cache_data(ttl=300, max_entries=16, show_spinner=False)
def _cached_chart(fiscal_year: int, judge: str, db: str, counted: str | None, _scopes) -> dict:
    from kpi.publish.charts import band_chart

    return band_chart(_scopes, fit_width=True, selectable=True).to_dict()


def indicator_choices(actor: Actor, fiscal_year: int) -> dict[str, str]:
    """code → name of a cycle's indicators in report order (the 指標 page's choice), the same for everyone who may
    see approved figures; cached per warehouse file."""
    return _cached_choices(fiscal_year, summaries.visible_basis(actor, "approved"), summaries.warehouse_key(),
                           changes(), actor)


@st.cache_data(ttl=300, max_entries=16, show_spinner=False)
def _cached_choices(fiscal_year: int, basis: str, db: str, counted: str | None, _actor: Actor) -> dict[str, str]:
    return queries.indicator_choices(_actor, fiscal_year, db=db)


def indicator_history(actor: Actor, code: str) -> dict:
    """One indicator over every cycle as the actor may see it (the 指標 page). What the actor sees of it (unapproved
    figures of their own departments) follows from their roles and departments alone (the permission table), so
    the entry is shared by everyone with the same roles and departments; cached per warehouse file."""
    sees = (tuple(sorted(r.value for r in actor.roles)), tuple(sorted(actor.departments)))
    return _cached_history(code, sees, summaries.warehouse_key(), changes(), actor)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def _cached_history(code: str, sees: tuple, db: str, counted: str | None, _actor: Actor) -> dict:
    return queries.indicator_history(_actor, code, db=db)


def department_sheet(actor: Actor, fiscal_year: int, department: str) -> entry_sheet.Sheet:
    """The 入力 page's sheet of a department (entry_sheet.sheet): what it holds follows from the department alone
    once the actor may see its unapproved values (checked here, before the cache), so the entry is shared by the
    department's people; cached per warehouse file. A rerun while typing reads nothing, and another person's save
    moves the counter, so it shows (and its conflict is caught) at the next run."""
    check(actor, Permission.VIEW_UNAPPROVED, department)
    counted = changes()
    if counted is None:  # a warehouse with no counter yet (warehouse/change_counter.py): read afresh
        return entry_sheet.sheet(actor, fiscal_year, department)
    return _cached_sheet(fiscal_year, department, summaries.warehouse_key(), counted, actor)


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def _cached_sheet(fiscal_year: int, department: str, db: str, counted: str, _actor: Actor) -> entry_sheet.Sheet:
    return entry_sheet.sheet(_actor, fiscal_year, department, db=db)


def clear_caches() -> None:
    """Forget cached reads after a write, so the next run shows it."""
    _cached_frame.clear()
    _cached_trends.clear()
    _cached_reasons.clear()
    _cached_page.clear()
    _cached_chart.clear()
    _cached_choices.clear()
    _cached_history.clear()
    _cached_sheet.clear()
