"""ダッシュボード: the band table of a cycle, overall and per pillar, from approved values."""
import streamlit as st

from app import session, ui
from kpi.domain.workflow import Role
from kpi.services import summaries

actor = ui.logged_in()
st.title("ダッシュボード")
cycle = ui.cycle_picker(actor)
if cycle is not None:
    basis = "approved"
    if actor.has(Role.REVIEWER, Role.ADMIN):
        if st.toggle("未承認の値を含めてプレビュー", key="basis_toggle"):
            basis = "all"
    view = (summaries.load_cycle(cycle["fiscal_year"], basis=basis, actor=actor) if basis == "all"
            else session.approved_cycle_view(cycle["fiscal_year"]))
    if basis == "all":
        st.warning("プレビュー: 未承認（下書き・提出済・差戻し）の値を含む集計です。公表・幹部報告には使わないでください。")
    else:
        st.caption(f"{cycle['label']}　承認済の値による集計")
    h = summaries.headline(view)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("目標達成（100%）の割合", f"{h['achieved_percent']}%")
    c2.metric("指標数", f"{h['total']}指標")
    c3.metric("30%未満の割合", f"{h['under_30_percent']}%")
    c4.metric("進捗管理の停止", f"{h['stopped']}指標")
    if h["unrated"]:
        st.info(f"承認済の値がまだない指標が {h['unrated']} 件あり、集計に含めていません。")
    st.subheader("成果指標・数値目標の達成状況")
    ui.table(summaries.band_table(view))
