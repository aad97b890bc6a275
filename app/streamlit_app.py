"""Entrypoint: resolves the logged-in person's roles (afresh on every run) and builds the navigation from them."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import navigation, session
from kpi.platform import incidents
from kpi.domain.workflow import Role

PAGES = Path(__file__).parent / "views"
E, H, R, X, A = Role.EDITOR, Role.DEPT_HEAD, Role.REVIEWER, Role.EXECUTIVE, Role.ADMIN

# (file, title, icon, roles that see it; None = everyone logged in), in menu order; the first is the default page
MENU = [
    ("dashboard.py", "ダッシュボード", ":material/dashboard:", None),
    ("indicator.py", "指標", ":material/show_chart:", None),
    ("entry.py", "入力", ":material/edit_note:", {E}),
    ("head_review.py", "所属長承認", ":material/approval:", {H}),
    ("review.py", "審査・承認", ":material/fact_check:", {R}),
    ("progress.py", "回収状況", ":material/pending_actions:", {R}),
    ("initiatives.py", "主な取組", ":material/campaign:", {E, R}),
    ("publish.py", "公表資料", ":material/download:", None),
    ("audit.py", "監査ログ", ":material/history:", {R, A}),
    ("admin.py", "管理", ":material/settings:", {R, A}),
    ("master_data.py", "マスタ管理", ":material/database:", {R, A}),
    ("reminders.py", "督促・通知", ":material/notifications:", {R, A}),
    ("indicator_import.py", "指標の取込", ":material/upload_file:", {R, A}),
]

st.set_page_config(page_title="成果指標 進捗管理", page_icon=":material/insights:", layout="wide")

try:  # no traceback ever reaches a person: Japanese text and an incident number; the details go to the log
    with session.run_resolved() as actor:
        if actor is None:
            # Every page's address shows the login form, so a link to /entry (a reminder e-mail) or a reload of a page
            # reaches that page once the person has logged in (a page's identity is its address).
            login = PAGES / "login.py"
            nav = st.navigation([navigation.page(login, title="ログイン", icon=":material/login:", default=True)]
                                + [navigation.page(login, title="ログイン", url_path=Path(f).stem, visibility="hidden")
                                   for f, *_ in MENU[1:]])
        else:  # the st.Page objects are built once per process (app/navigation.py), copied for this run
            nav = st.navigation([navigation.page(PAGES / f, title=title, icon=icon, default=i == 0)
                                 for i, (f, title, icon, roles) in enumerate(MENU)
                                 if roles is None or actor.has(*roles)])
        with st.sidebar:
            session.sync_cookie(actor)
        nav.run()
except Exception as exc:  # st.stop and st.rerun are BaseException and pass through
    st.error(incidents.message_for(exc, incidents.record(exc, "app")))
