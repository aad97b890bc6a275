"""管理: departments (reviewers and administrators) and accounts (administrators)."""
import streamlit as st

from app import ui
from kpi.domain.workflow import ROLE_LABELS_JA, Role
from kpi.services import directory

actor = ui.logged_in()
st.title("管理")
st.subheader("所属（担当課）")
ui.table([
    {"コード": d["code"], "名称": d["name"], "指標数": d["indicators"], "例示データ": "○" if d["illustrative"] else ""}
    for d in directory.list_departments(actor)
])
if actor.has(Role.ADMIN):
    st.subheader("利用者")
    ui.table([
        {"ログインID": u["login"], "氏名・表示名": u["display_name"],
         "役割": "・".join(ROLE_LABELS_JA[Role(r)] for r in u["roles"]),
         "担当課": "、".join(u["departments"]), "有効": "○" if u["active"] else "×"}
        for u in directory.list_accounts(actor)
    ])
