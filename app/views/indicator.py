"""指標: one indicator's history over all cycles against its target, baseline and milestones."""
import altair as alt
import polars as pl
import streamlit as st

from app import session, ui
from kpi.domain.formatting import fiscal_year_ja, format_jst
from kpi.domain.rate_meaning import rate_formula, rate_with_meaning

actor = ui.logged_in()
st.title("指標")
cycle = ui.cycle_picker(actor)
if cycle is None:
    st.stop()
names = session.indicator_choices(actor, cycle["fiscal_year"])
wanted = st.query_params.get("code")
code = st.selectbox("指標", list(names), format_func=lambda c: f"{c} {names[c]}", key="indicator_code",
                    index=list(names).index(wanted) if wanted in names else 0)
st.query_params["code"] = code
h = session.indicator_history(actor, code)
d = h["definition"]
st.subheader(d["name"])
st.caption(f"{d['pillar']}.{d['pillar_name']}　{d['department_name']}　基準値: {d['baseline_text']}"
           f"（{d.get('baseline_fy_text') or (fiscal_year_ja(d['baseline_fy']) if d.get('baseline_fy') else '—')}）"
           f"　目標値: {d['target_text']}"
           f"（{fiscal_year_ja(d['target_fy']) if d.get('target_fy') else '—'}）"
           + ("　※進捗管理停止" if d["status"] == "stopped" else ""))
if d.get("definition"):
    st.text(d["definition"])
this_year = next((c for c in h["cycles"] if c["fiscal_year"] == cycle["fiscal_year"]), None)
if this_year is not None:  # the chosen year's rate with its formula and the reason in full
    with st.container(border=True, key="indicator_year"):
        st.markdown(f"**{ui.md(this_year['label'])}**　値: {ui.md(this_year['value'] or '—')}　"
                    f"達成率: **{ui.md(rate_with_meaning(this_year['rate_percent'], this_year['rate'] or '—'))}**　"
                    f"達成区分: {ui.md(this_year['band_label'] or '—')}")
        formula = rate_formula(d["target_type"], d["direction"], d.get("baseline"), d.get("target"),
                               this_year.get("value_number"), this_year.get("rate_percent"), d.get("unit") or "")
        if formula:
            st.caption(f"計算式: {formula}（達成区分は端数を丸めない正確な達成率で判定）")
        if this_year.get("reason"):
            st.markdown(f"**要因**（{ui.md(this_year.get('reason_category_name') or '分類なし')}）")
            st.text(this_year["reason"])

points = [{"fy": c["fiscal_year"], "年度": fiscal_year_ja(c["fiscal_year"]), "系列": "値", "値": float(c["value_number"])}
          for c in h["cycles"] if c.get("value_number") is not None]
points += [{"fy": m["fiscal_year"], "年度": fiscal_year_ja(m["fiscal_year"]),
            "系列": "目安値（補間）" if h["milestones_interpolated"] else "目安値", "値": float(m["value"])}
           for m in h["milestones"]]


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def chart_spec(points: list[dict], unit: str, target: float | None, baseline: float | None) -> dict:
    """The history chart's Vega-Lite spec, built and validated by Altair once per indicator and figures."""
    chart = alt.Chart(pl.DataFrame(points)).mark_line(point=True).encode(
        x=alt.X("年度:N", title="年度", sort=[fiscal_year_ja(y) for y in sorted({pt["fy"] for pt in points})],
                axis=alt.Axis(labelAngle=0)), y=alt.Y("値:Q", title=unit),
        color=alt.Color("系列:N", scale=alt.Scale(range=["#0072B2", "#E69F00"])))
    layers = [chart]
    if target is not None:
        layers.append(alt.Chart(pl.DataFrame({"目標値": [target]})).mark_rule(
            color="#D55E00", strokeDash=[6, 4]).encode(y="目標値:Q"))
    if baseline is not None:
        layers.append(alt.Chart(pl.DataFrame({"基準値": [baseline]})).mark_rule(
            color="#999999", strokeDash=[2, 2]).encode(y="基準値:Q"))
    return alt.layer(*layers).to_dict()


if points:
    st.vega_lite_chart(chart_spec(points, d.get("unit") or "値", None if d.get("target") is None else float(d["target"]),
                                  None if d.get("baseline") is None else float(d["baseline"])), width="stretch")
    st.caption("赤の破線: 目標値　灰色の点線: 基準値　橙: 目安値"
               + ("（基準値から目標値への直線補間）" if h["milestones_interpolated"] else ""))
# 年度, value, rate and band first; sized to fit a 1440 px window (入力者・承認日時 are in the rows, shown on demand)
HISTORY_WIDTHS = {"年度": 135, "値": 85, "達成率": 85, "達成区分": 115, "区分": 55, "時点・期間": 85, "目安値": 75,
                  "目安値に対する達成率": 75, "目安値による区分": 115, "状態": 60, "承認者": 80}
ui.table([{"年度": c["label"] + ("（例示）" if c["illustrative"] else ""), "値": c["value"] or "—",
           "達成率": rate_with_meaning(c["rate_percent"], c["rate"] or "—"), "達成区分": c["band_label"] or "—",
           "区分": c["kind"] or "", "時点・期間": c["period"] or "",
           "目安値": c["milestone_text"] or "—", "目安値に対する達成率": c["milestone_rate"] or "—",
           "目安値による区分": c["milestone_band_label"] or "—", "状態": c["state_label"], "入力者": c["entered_by_name"] or "",
           "承認者": c["approved_by_name"] or "",
           "承認日時（日本時間）": format_jst(c.get("approved_at"), zone=False)} for c in h["cycles"]],
         column_order=list(HISTORY_WIDTHS),
         column_config={k: st.column_config.TextColumn(k, width=w) for k, w in HISTORY_WIDTHS.items()})
