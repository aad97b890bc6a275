"""審査・承認: values of a cycle by workflow state, every department."""
import streamlit as st

from app import ui
from kpi.services import summaries
from kpi.services.listing import indicator_rows, state_counts

actor = ui.logged_in()
st.title("審査・承認")
cycle = ui.cycle_picker(actor, prefer="open")
if cycle is not None:
    view = summaries.department_view(cycle["fiscal_year"], actor=actor)
    counts = state_counts(view.rows)
    cols = st.columns(len(counts))
    for col, (label, n) in zip(cols, counts.items()):
        col.metric(label, f"{n}件")
    st.subheader("指標ごとの値")
    ui.table(indicator_rows(view.rows, with_department=True))
