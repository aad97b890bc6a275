"""Small rendering helpers shared by pages (no queries, no arithmetic)."""
from __future__ import annotations

import streamlit as st

from app import state
from kpi.domain.formatting import fiscal_year_label
from kpi.services import directory
from kpi.services.actors import Actor


def cycle_picker(actor: Actor) -> dict | None:
    """A cycle selector (newest first), remembered in the session and carried in the URL as ?cycle=2021."""
    cycles = directory.list_cycles(actor)
    if not cycles:
        st.info("集計サイクルがまだありません。管理者に初期データの読み込みを依頼してください。")
        return None
    years = [c["fiscal_year"] for c in cycles]
    wanted = st.query_params.get("cycle") or st.session_state.get(state.CYCLE)
    index = years.index(int(wanted)) if wanted and str(wanted).isdigit() and int(wanted) in years else 0
    fy = st.selectbox("年度", years, index=index, format_func=fiscal_year_label, key="cycle_select")
    st.session_state[state.CYCLE] = fy
    st.query_params["cycle"] = str(fy)
    return cycles[years.index(fy)]


def table(rows: list[dict], **kwargs) -> None:
    """A read-only table without the toolbar download (exports go through the sanitized writer)."""
    st.dataframe(rows, hide_index=True, width="stretch", on_select="ignore", **kwargs)

