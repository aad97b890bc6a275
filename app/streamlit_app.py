"""Entrypoint: resolves the logged-in person's roles and builds the navigation from them."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import session
from kpi.domain.workflow import ROLE_LABELS_JA, Role

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="成果指標 進捗管理", page_icon=":material/insights:", layout="wide")

actor = session.current_actor()
if actor is None:
    nav = st.navigation([st.Page(PAGES / "login.py", title="ログイン", icon=":material/login:")])
else:
    dashboard = st.Page(PAGES / "dashboard.py", title="ダッシュボード", icon=":material/dashboard:", default=True)
    entry = st.Page(PAGES / "entry.py", title="入力", icon=":material/edit_note:")
    review = st.Page(PAGES / "review.py", title="審査・承認", icon=":material/fact_check:")
    admin = st.Page(PAGES / "admin.py", title="管理", icon=":material/settings:")
    pages = [dashboard]
    if actor.has(Role.EDITOR):
        pages.append(entry)
    if actor.has(Role.REVIEWER):
        pages.append(review)
    if actor.has(Role.REVIEWER, Role.ADMIN):
        pages.append(admin)
    nav = st.navigation(pages)
    with st.sidebar:
        st.markdown(f"**{actor.display_name}**")
        st.caption("・".join(ROLE_LABELS_JA[r] for r in sorted(actor.roles, key=lambda r: r.value)))
        if st.button("ログアウト", icon=":material/logout:", key="logout"):
            session.logout("ログアウトしました。")
            st.rerun()
nav.run()
