"""回収状況: for reviewers, each department's values by state in a cycle, completeness and overdue ones."""
import streamlit as st

from app import ui
from kpi.services import insights

actor = ui.logged_in()
st.title("回収状況")
cycle = ui.cycle_picker(actor, prefer="open")
if cycle is None:
    st.stop()
p = insights.collection_progress(actor, cycle["fiscal_year"])
o = p["overall"]
c1, c2, c3 = st.columns(3)
c1.metric("提出・承認済の割合", f"{o['completeness_percent']}%")
c2.metric("締切", f"{p['deadline']:%Y-%m-%d}" if p["deadline"] else "未設定")
c3.metric("締切を過ぎて未完了の担当課", f"{len(p['overdue'])}課")
if p["overdue"]:
    st.warning("締切を過ぎて未完了: " + "、".join(r["department_name"] for r in p["overdue"]))
ui.table([{"担当課": r["department_name"], **r["labelled"], "完了率": f"{r['completeness_percent']}%",
           "状況": "締切超過" if r["overdue"] else ("完了" if r["complete"] else "回収中")} for r in p["departments"]])
