"""指標: one indicator's history over all cycles against its target, baseline and milestones."""
import altair as alt
import polars as pl
import streamlit as st

from app import ui
from kpi.services import insights

actor = ui.logged_in()
st.title("指標")
cycle = ui.cycle_picker(actor)
if cycle is None:
    st.stop()
names = insights.indicator_choices(actor, cycle["fiscal_year"])
wanted = st.query_params.get("code")
code = st.selectbox("指標", list(names), format_func=lambda c: f"{c} {names[c]}", key="indicator_code",
                    index=list(names).index(wanted) if wanted in names else 0)
st.query_params["code"] = code
h = insights.indicator_history(actor, code)
d = h["definition"]
st.subheader(d["name"])
st.caption(f"{d['pillar']}.{d['pillar_name']}　{d['department_name']}　基準値: {d['baseline_text']}"
           f"（{d.get('baseline_fy_text') or d.get('baseline_fy') or '—'}）　目標値: {d['target_text']}"
           f"（{d.get('target_fy') or '—'}年度）" + ("　※進捗管理停止" if d["status"] == "stopped" else ""))
if d.get("definition"):
    st.text(d["definition"])

points = [{"年度": c["fiscal_year"], "系列": "値", "値": float(c["value_number"])}
          for c in h["cycles"] if c.get("value_number") is not None]
points += [{"年度": m["fiscal_year"], "系列": "目安値（補間）" if h["milestones_interpolated"] else "目安値",
            "値": float(m["value"])} for m in h["milestones"]]
if points:
    data = pl.DataFrame(points)
    chart = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("年度:O", title="年度"), y=alt.Y("値:Q", title=d.get("unit") or "値"),
        color=alt.Color("系列:N", scale=alt.Scale(range=["#0072B2", "#E69F00"])))
    layers = [chart]
    if d.get("target") is not None:
        layers.append(alt.Chart(pl.DataFrame({"目標値": [float(d["target"])]})).mark_rule(
            color="#D55E00", strokeDash=[6, 4]).encode(y="目標値:Q"))
    if d.get("baseline") is not None:
        layers.append(alt.Chart(pl.DataFrame({"基準値": [float(d["baseline"])]})).mark_rule(
            color="#999999", strokeDash=[2, 2]).encode(y="基準値:Q"))
    st.altair_chart(alt.layer(*layers), width="stretch")
    st.caption("赤の破線: 目標値　灰色の点線: 基準値　橙: 目安値"
               + ("（基準値から目標値への直線補間）" if h["milestones_interpolated"] else ""))
ui.table([{"年度": c["label"] + ("（例示）" if c["illustrative"] else ""), "値": c["value"] or "—", "区分": c["kind"] or "",
           "時点・期間": c["period"] or "", "達成率": c["rate"], "達成区分": c["band_label"] or "—",
           "目安値": c["milestone_text"] or "—", "目安値に対する達成率": c["milestone_rate"] or "—",
           "目安値による区分": c["milestone_band_label"] or "—", "状態": c["state_label"], "入力者": c["entered_by_name"] or "",
           "承認者": c["approved_by_name"] or "",
           "承認日時": f"{c['approved_at']:%Y-%m-%d %H:%M}" if c.get("approved_at") else ""} for c in h["cycles"]])
