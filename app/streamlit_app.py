"""Entrypoint: resolves the logged-in person's roles and builds the navigation from them."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import session
from kpi.platform import incidents
from kpi.domain.workflow import Role

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="成果指標 進捗管理", page_icon=":material/insights:", layout="wide")

actor = session.current_actor()
if actor is None:
    nav = st.navigation([st.Page(PAGES / "login.py", title="ログイン", icon=":material/login:")])
else:
    pages = [st.Page(PAGES / "dashboard.py", title="ダッシュボード", icon=":material/dashboard:", default=True),
             st.Page(PAGES / "indicator.py", title="指標", icon=":material/show_chart:")]
    if actor.has(Role.EDITOR):
        pages.append(st.Page(PAGES / "entry.py", title="入力", icon=":material/edit_note:"))
    if actor.has(Role.REVIEWER):
        pages.append(st.Page(PAGES / "review.py", title="審査・承認", icon=":material/fact_check:"))
        pages.append(st.Page(PAGES / "progress.py", title="回収状況", icon=":material/pending_actions:"))
    if actor.has(Role.EDITOR, Role.REVIEWER):
        pages.append(st.Page(PAGES / "initiatives.py", title="主な取組", icon=":material/campaign:"))
    pages.append(st.Page(PAGES / "publish.py", title="公表資料", icon=":material/download:"))
    if actor.has(Role.REVIEWER, Role.ADMIN):
        pages.append(st.Page(PAGES / "audit.py", title="監査ログ", icon=":material/history:"))
        pages.append(st.Page(PAGES / "admin.py", title="管理", icon=":material/settings:"))
        pages.append(st.Page(PAGES / "master_data.py", title="マスタ管理", icon=":material/database:"))
        pages.append(st.Page(PAGES / "reminders.py", title="督促・通知", icon=":material/notifications:"))
        pages.append(st.Page(PAGES / "indicator_import.py", title="指標の取込", icon=":material/upload_file:"))
    nav = st.navigation(pages)
try:  # no traceback ever reaches a person: Japanese text and an incident number; the details go to the log
    nav.run()
except Exception as exc:  # st.stop and st.rerun are BaseException and pass through
    st.error(incidents.message_for(exc, incidents.record(exc, "app")))
