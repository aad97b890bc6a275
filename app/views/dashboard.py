"""ダッシュボード: the seed's band tables and chart, drill-down by band/pillar/item, reasons and trends.

Reads only what it shows: counts come from the cycle's evaluated frame (cached), the list is read one page at
a time, reasons and trends are cached documents with short lists. 目安値で判定 judges each year against its
milestone instead of the final target; it is carried in the URL (?judge=milestone) like the other filters.
"""
import functools

import streamlit as st

from app import session, state, ui
from kpi.domain.bands import BAND_ORDER, Band
from kpi.domain.rate_meaning import RATE_CEILING, rate_with_meaning
from kpi.domain.workflow import Role
from kpi.io.export import csv_bytes, xlsx_bytes
from kpi.publish.charts import BAND_PICK, band_chart, trend_chart
from kpi.services import directory, queries, report_scope, summaries

actor = ui.logged_in()
st.title("ダッシュボード")
cycle = ui.cycle_picker(actor)
if cycle is None:
    st.stop()
fy = cycle["fiscal_year"]
provisional = cycle["state"] in ("open", "preparing")  # figures not settled: every headline says 暫定
PROVISIONAL = "【暫定】" if provisional else ""
RATE_HELP = ("達成率 = （実績値 − 基準値）÷（目標値 − 基準値）。基準値がない場合は 実績値 ÷ 目標値、低いほど良い指標は"
             f"その逆。0%未満は基準値より悪化、{RATE_CEILING}%を超える値は「目標の n 倍」と併記します。"
             "達成区分は正確な達成率で判定しています。計算式は行を選ぶと開く「指標」ページに表示します。")
PAGE_SIZE = 100  # rows of the drill-down list read and shown at a time
LIST_LIMIT = 50  # indicators listed per reason category and in the trends' lists
params = st.query_params
scope = report_scope.cycle_scope(actor, fy)
if provisional:  # an open year: how much of it is approved, before any figure
    cov = scope["coverage"]
    with st.container(border=True, key="coverage_bar"):
        st.error(f"**暫定の集計です**：{cycle['label']}は受付中です。承認済の値は **{cov.text}** で、集計はこの指標だけに"
                 "よるものです。確定値は締切・確定後にご覧ください。", icon=":material/warning:")
        cols = st.columns(len(cov.pillars) or 1)
        for col, pc in zip(cols, cov.pillars):
            col.progress(pc.approved / pc.total if pc.total else 0.0, text=f"{pc.no}.{pc.name}　{pc.text}")
band_picked = (st.session_state.get(state.BAND_CHART) or {}).get("selection", {}).get(BAND_PICK) or []
if band_picked and band_picked != st.session_state.get(state.BAND_CHART_APPLIED):  # a band clicked in the chart
    st.session_state[state.BAND_CHART_APPLIED] = band_picked
    params["band"] = band_picked[0].get("band_key")
    st.session_state[state.DASHBOARD_TAB] = "指標一覧"
basis = "approved"
if actor.has(Role.REVIEWER):
    if st.toggle("未承認の値を含めてプレビュー", key="basis_toggle"):
        basis = "all"
judge = "milestone" if st.toggle("目安値で判定", key="judge_toggle", value=params.get("judge") == "milestone",
                                 help="各年度の目安値（設定がなければ基準値から目標値への直線補間）に対する達成率で区分します") \
    else "target"
if judge == "milestone":
    params["judge"] = "milestone"
else:
    params.pop("judge", None)
if basis == "all":
    st.warning("プレビュー: 未承認（下書き・提出済・差戻し）の値を含む集計です。公表・幹部報告には使わないでください。")
else:
    st.caption(f"{cycle['label']}　承認済の値による集計")
if judge == "milestone":
    st.info("目安値で判定しています: 各年度の目安値に対する達成率で区分しています（目安値のない指標は目標値で判定）。"
            "公表資料の集計は目標値による判定です。")

# Only the open tab runs (and reads); the open tab is carried in the URL (?tab=指標一覧) like the filters.
tab_summary, tab_list, tab_reasons, tab_trends, tab_initiatives = st.tabs(
    ["概要", "指標一覧", "要因", "推移", "主な取組"], key=state.DASHBOARD_TAB, bind="query-params")


@functools.cache
def figures() -> tuple[summaries.CycleFrame, list]:
    """The cycle's evaluated frame and its band groups, read by the tabs that show them (概要, 指標一覧) and only
    then: 推移 and 主な取組 never hold a cycle frame (at national scale reading one costs ≈ 200 MB for a moment)."""
    view = session.cycle_frame(actor, fy, judge, basis)
    return view, summaries.band_groups(view)


def show_summary() -> None:
    view, groups = figures()
    h = summaries.headline(view)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(f"{PROVISIONAL}目標達成（100%）の割合", f"{h['achieved_percent']}%")
    c2.metric(f"{PROVISIONAL}指標数", f"{h['total']:,}指標")
    c3.metric(f"{PROVISIONAL}30%未満の割合", f"{h['under_30_percent']}%")
    c4.metric(f"{PROVISIONAL}進捗管理の停止", f"{h['stopped']:,}指標")
    if h["unrated"]:
        st.info(f"承認済の値がまだない指標が {h['unrated']} 件あり、集計に含めていません。")
    if h["undecidable"]:
        st.info(f"判定不能（比較する値が未入力）の指標が {h['undecidable']} 件あり、達成区分に含めていません"
                "（全国平均などとの比較目標で、その年度の比較する値が入力されていないもの）。")
    st.subheader(f"{PROVISIONAL}成果指標・数値目標の達成状況")
    ui.table(summaries.band_table(view, scope["sections"]), column_config=ui.band_table_columns())
    scopes = [("全体", groups[0])] + [(f"{p['no']}.{p['name']}", g) for p, g in zip(view.pillars, groups[1:])]
    if basis == "approved":  # the spec is cached with the cycle's figures; Altair's validation runs once
        st.vega_lite_chart(spec=session.band_chart_spec(fy, judge, scopes), width="stretch", on_select="rerun",
                           selection_mode=BAND_PICK, key=state.BAND_CHART)
    else:
        st.altair_chart(band_chart(scopes, fit_width=True), width="stretch")
    st.caption("色は色覚の多様性に配慮した配色（Okabe–Ito）です。帯をクリックすると「指標一覧」で該当する達成区分の"
               "指標を表示します。")


def show_list() -> None:
    view, groups = figures()
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
    filters = dict(band=chosen_band, pillar=pillar, item=item, kind=kind, search=search or None, **extra)
    page_no = st.session_state.get("dd_page", 1)
    offset = (page_no - 1) * PAGE_SIZE

    def _page(offset: int) -> dict:
        return session.drilldown_page(actor, fy, judge, offset, PAGE_SIZE, basis, **filters)

    page = _page(offset)
    if page["total"] and offset >= page["total"]:  # the filters shrank the list under the remembered page
        offset = 0
        page = _page(0)
    rows = page["rows"]
    shown = [{"指標": r["name"], "値": r["value"], "目標値": r["target"],
              "達成率": rate_with_meaning(r["rate_percent"], r["rate"]), "達成区分": r["band_label"],
              "要因": r["reason"], "コード": r["code"], "柱": r["pillar"], "項目": r["item"], "担当課": r["department_name"],
              "基準値": r["baseline"], "区分": r["kind"], "時点・期間": r["period"], "要因の分類": r["reason_category_name"]}
             for r in rows]
    total = page["total"]
    pages = max(1, -(-total // PAGE_SIZE))
    if total > len(shown):
        st.caption(f"{total:,}指標（{offset + 1:,}〜{offset + len(shown):,}件目を表示）")
    else:
        st.caption(f"{total}指標")
    if pages > 1:
        st.number_input("ページ", min_value=1, max_value=pages, step=1, key="dd_page")
    st.caption("行を選ぶと、その指標のページ（推移・計算式・要因の全文）を開きます。")
    picked = ui.clickable_table(shown, key="dd_table", column_config=ui.indicator_columns(RATE_HELP),
                                column_order=ui.LIST_COLUMNS)
    if picked is not None:
        st.switch_page("views/indicator.py", query_params={"code": rows[picked]["code"], "cycle": str(fy)})

    def _export(writer):
        def build() -> bytes:  # the whole filtered list, built only when the button is pressed
            every = queries.drilldown(actor, fy, basis=basis, judge=judge, **filters)
            return writer([{"コード": r["code"], "柱": r["pillar"], "項目": r["item"], "指標": r["name"],
                            "担当課": r["department_name"], "基準値": r["baseline"], "目標値": r["target"],
                            "値": r["value"], "区分": r["kind"], "時点・期間": r["period"], "達成率": r["rate"],
                            "達成区分": r["band_label"], "要因": r["reason"], "要因の分類": r["reason_category_name"]}
                           for r in every])
        return build

    d1, d2 = st.columns(2)
    d1.download_button("CSV でダウンロード", _export(csv_bytes), file_name=f"indicators_{fy}.csv", mime="text/csv",
                       key="dd_csv", disabled=not shown)
    d2.download_button("Excel でダウンロード", _export(xlsx_bytes), file_name=f"indicators_{fy}.xlsx", key="dd_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", disabled=not shown)


def show_reasons() -> None:
    r = session.reasons(actor, fy, judge, LIST_LIMIT)
    st.subheader(f"{PROVISIONAL}未達成の指標（{r['total']:,}指標）の要因")
    ui.table([{"要因の分類": c["name"], **{r["pillar_names"][no]: n for no, n in c["counts"].items()}, "計": c["total"]}
              for c in r["categories"]])
    st.bar_chart({c["name"]: c["total"] for c in r["categories"]}, horizontal=True, x_label="指標数")
    for c in r["categories"]:
        if c["indicators"]:
            more = f"、先頭{len(c['indicators'])}指標を表示" if c["total"] > len(c["indicators"]) else ""
            st.markdown(f"**{ui.md(c['name'])}**（{c['total']:,}指標{more}）")
            picked = ui.clickable_table(
                [{"指標": i["name"], "値": i["value"], "目標値": i["target"],
                  "達成率": rate_with_meaning(i.get("rate_percent"), i["rate"]), "要因": i["reason"]}
                 for i in c["indicators"]], key=f"reasons_{c['code']}",
                column_config=ui.indicator_columns(RATE_HELP, reason_width=360))
            if picked is not None:
                st.switch_page("views/indicator.py",
                               query_params={"code": c["indicators"][picked]["code"], "cycle": str(fy)})


def show_trends() -> None:
    t = session.trends(actor, judge, LIST_LIMIT)
    if t["cycles"]:
        st.subheader("達成区分の割合の推移")
        st.caption("締切済・確定済の年度のみ（受付中の年度は締切後に加わります）。年度は古い順です。"
                   + (f"【{t['basis_label']}】見込値・速報値のうち確定値が承認された{t['confirmed_total']}指標は確定値で判定しています。"
                      if t.get("confirmed_total") else ""))
        in_order = t["cycles"]  # oldest first (queries.trends); the chart orders its axis by fiscal year too
        st.altair_chart(trend_chart(in_order), width="stretch", key="trend_chart")
        ui.table([{"年度": c["label_long"] + ("（例示）" if c["illustrative"] else ""),
                   **{Band(k).label_ja: f"{v}%" for k, v in c["percent"].items()}, "指標数": c["total"],
                   t["basis_label"]: f"{c['confirmed']}指標" if c["confirmed"] else "—"}
                  for c in in_order])
        st.subheader("前年度から達成区分が変わった指標")
        if t["moved_total"] > len(t["moved"]):
            st.caption(f"{t['moved_total']:,}指標のうち先頭{len(t['moved'])}指標（絞り込みは「指標一覧」で）")
        ui.table([{"指標": m["name"], "変化": "上昇" if m["direction"] == "up" else "下降",
                   "前年度": m["from_label"], "今年度": m["to_label"]} for m in t["moved"]])
        st.subheader(f"区分の境目（±{t['near_points']}ポイント）にある指標")
        if t["near_total"] > len(t["near_boundary"]):
            st.caption(f"{t['near_total']:,}指標のうち境目に近い順に{len(t['near_boundary'])}指標")
        ui.table([{"指標": n["name"], "達成率": rate_with_meaning(n.get("rate_percent"), n["rate"]),
                   "境目": f"{n['boundary']}%"} for n in t["near_boundary"]])


def show_initiatives() -> None:  # the cycle's approved initiatives (主な取組) by area; figures' 前年比・割合 are computed
    from kpi.services import initiatives

    by_area = initiatives.approved_by_area(actor, fy)
    if not by_area:
        st.info("この年度の承認済みの主な取組はありません。")
    for area, items in by_area:
        st.markdown(f"**■ {ui.md(area['label'])}**")
        for i in items:
            st.markdown(f"- {ui.md(i['title'])}" + (f"（{ui.md(i['period_text'])}）" if i["period_text"] else "")
                        + ("　※継続取組" if i["continued"] else "")
                        + (f"  \n　▶ {ui.md(i['figure_sentence'])}" if i["figure_sentence"] else ""))


ui.draw_open(((tab_summary, show_summary), (tab_list, show_list), (tab_reasons, show_reasons),
              (tab_trends, show_trends), (tab_initiatives, show_initiatives)))
