"""ダッシュボード: the seed's band tables and chart, drill-down by band/pillar/item, reasons and trends."""
import streamlit as st

from app import session, ui
from kpi.domain.bands import BAND_ORDER, Band
from kpi.domain.workflow import Role
from kpi.io.export import csv_bytes, xlsx_bytes
from kpi.publish.charts import band_chart
from kpi.services import directory, insights, summaries

actor = ui.logged_in()
st.title("ダッシュボード")
cycle = ui.cycle_picker(actor)
if cycle is None:
    st.stop()
fy = cycle["fiscal_year"]
basis = "approved"
if actor.has(Role.REVIEWER):
    if st.toggle("未承認の値を含めてプレビュー", key="basis_toggle"):
        basis = "all"
view = (summaries.load_cycle(fy, basis=basis, actor=actor) if basis == "all" else session.approved_cycle_view(fy))
if basis == "all":
    st.warning("プレビュー: 未承認（下書き・提出済・差戻し）の値を含む集計です。公表・幹部報告には使わないでください。")
else:
    st.caption(f"{cycle['label']}　承認済の値による集計")

tab_summary, tab_list, tab_reasons, tab_trends = st.tabs(["概要", "指標一覧", "要因", "推移"])

with tab_summary:
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
    groups = summaries.band_groups(view)
    scopes = [("全体", groups[0])] + [(f"{p['no']}.{p['name']}", g) for p, g in zip(view.pillars, groups[1:])]
    st.altair_chart(band_chart(scopes), width="stretch")
    st.caption("色は色覚の多様性に配慮した配色（Okabe–Ito）です。帯を選ぶと「指標一覧」で該当する指標を確認できます。")

with tab_list:
    params = st.query_params
    band_labels = {b.value: f"{b.label_ja}（{groups[0].counts[b]}）" for b in BAND_ORDER}
    chosen_band = st.pills("達成区分で絞り込む", list(band_labels), format_func=band_labels.get,
                           default=params.get("band") if params.get("band") in band_labels else None, key="band_pill")
    f1, f2, f3, f4 = st.columns(4)
    pillar_names = {p["no"]: f"{p['no']}.{p['name']}" for p in view.pillars}
    pillar = f1.selectbox("柱", [None, *pillar_names], format_func=lambda p: "すべて" if p is None else pillar_names[p],
                          key="dd_pillar")
    item = f2.selectbox("項目", [None, 1, 2, 3], format_func=lambda i: "すべて" if i is None else "①②③"[i - 1],
                        key="dd_item")
    kind = f3.selectbox("実績値／見込値", [None, "actual", "projection"], key="dd_kind",
                        format_func={None: "すべて", "actual": "実績値", "projection": "見込値"}.get)
    search = f4.text_input("検索（指標名・コード・要因）", key="dd_search")
    extra = {}
    if actor.has(Role.REVIEWER, Role.ADMIN):
        depts = {d["code"]: d["name"] for d in directory.list_departments(actor)}
        extra["department"] = st.selectbox("担当課", [None, *depts], key="dd_dept",
                                           format_func=lambda c: "すべて" if c is None else depts[c])
    for key, value in (("band", chosen_band), ("pillar", pillar)):
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    rows = insights.drilldown(actor, fy, band=chosen_band, pillar=pillar, item=item, kind=kind, search=search or None,
                              basis=basis, load=(session.approved_cycle_view if basis == "approved" else None), **extra)
    shown = [{"コード": r["code"], "柱": r["pillar"], "項目": r["item"], "指標": r["name"], "担当課": r["department_name"],
              "基準値": r["baseline"], "目標値": r["target"], "値": r["value"], "区分": r["kind"], "時点・期間": r["period"],
              "達成率": r["rate"], "達成区分": r["band_label"], "要因": r["reason"], "要因の分類": r["reason_category_name"]}
             for r in rows]
    st.caption(f"{len(shown)}指標")
    ui.table(shown)
    d1, d2 = st.columns(2)
    d1.download_button("CSV でダウンロード", csv_bytes(shown), file_name=f"indicators_{fy}.csv", mime="text/csv",
                       key="dd_csv", disabled=not shown)
    d2.download_button("Excel でダウンロード", xlsx_bytes(shown), file_name=f"indicators_{fy}.xlsx", key="dd_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", disabled=not shown)

with tab_reasons:
    r = insights.reasons(actor, fy, load=session.approved_cycle_view)
    st.subheader(f"未達成の指標（{r['total']}指標）の要因")
    ui.table([{"要因の分類": c["name"], **{r["pillar_names"][no]: n for no, n in c["counts"].items()}, "計": c["total"]}
              for c in r["categories"]])
    st.bar_chart({c["name"]: c["total"] for c in r["categories"]}, horizontal=True, x_label="指標数")
    for c in r["categories"]:
        if c["indicators"]:
            st.markdown(f"**{ui.md(c['name'])}**（{c['total']}指標）")
            ui.table([{"指標": i["name"], "目標値": i["target"], "値": i["value"], "達成率": i["rate"], "要因": i["reason"]}
                      for i in c["indicators"]])

with tab_trends:
    t = insights.trends(actor, load=session.approved_cycle_view)
    if t["cycles"]:
        st.subheader("達成区分の割合の推移")
        ui.table([{"年度": c["label_long"] + ("（例示）" if c["illustrative"] else ""),
                   **{Band(k).label_ja: f"{v}%" for k, v in c["percent"].items()}, "指標数": c["total"]}
                  for c in t["cycles"]])
        st.line_chart({c["label"]: {Band(k).short_ja: v for k, v in c["percent"].items()} for c in t["cycles"]},
                      y_label="割合（%）")
        st.subheader("前年度から達成区分が変わった指標")
        ui.table([{"指標": m["name"], "変化": "上昇" if m["direction"] == "up" else "下降",
                   "前年度": m["from_label"], "今年度": m["to_label"]} for m in t["moved"]])
        st.subheader(f"区分の境目（±{t['near_points']}ポイント）にある指標")
        ui.table([{"指標": n["name"], "達成率": n["rate"], "境目": f"{n['boundary']}%"} for n in t["near_boundary"]])
