"""入力: the department's indicators of a cycle with their values and workflow state."""
import streamlit as st

from app import ui
from kpi.services import summaries
from kpi.services.listing import indicator_rows

actor = ui.logged_in()
st.title("入力")
cycle = ui.cycle_picker(actor, prefer="open")
if cycle is not None:
    view = summaries.department_view(cycle["fiscal_year"], actor=actor)
    depts = "、".join(sorted({e.row["department_name"] for e in view.rows})) or "（担当指標なし）"
    st.caption(f"担当課: {depts}　{len(view.rows)}指標")
    if not view.rows:
        st.info("この年度に担当する指標はありません。")
    else:
        ui.table(indicator_rows(view.rows))
