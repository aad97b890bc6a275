"""マスタ管理: strategies and versions, pillars, items, indicators (with definitions in force per year),
departments, reason categories and the reporting cycles (reviewers and administrators).

Only the open tab runs and is drawn, and a section that opens (指標の追加, 新しいサイクルの作成 …) only while it is open:
drawing all five tabs with their forms was most of the browser's work of opening this page (issue #16, bench/README).
So that nothing typed is lost when the person looks at another tab or closes a section, the fields keep their text
while hidden (persist_state) and send it with the section's button, as a form did, without a rerun per field."""
import datetime as dt

import streamlit as st

from app import session, ui
from kpi.domain.cycles import CYCLE_ACTION_LABELS_JA, CYCLE_STATE_LABELS_JA, CycleAction, allowed_cycle_actions
from kpi.domain.formatting import fiscal_year_ja, format_jst, format_number
from kpi.domain.workflow import WorkflowError
from kpi.services import cycles, master_data
from kpi.services.actors import Forbidden
from kpi.services.master_data import DIRECTIONS_JA, FIELD_LABELS_JA, TARGET_TYPES_JA, MasterDataError, WarehouseBusy

actor = ui.logged_in()
st.title("マスタ管理")
FLASH = "md_flash"
KEEP = ui.KEEP_TYPED
TABS = ["指標", "戦略・柱・項目", "担当課", "要因の分類", "サイクル"]
if st.session_state.get(FLASH):
    st.success(st.session_state.pop(FLASH))


def run(fn, ok) -> None:
    """Run a change; on success show the page again with what happened, on a refusal say why in Japanese.

    Typed input stays in the fields either way (the widgets keep their keys)."""
    try:
        result = fn()
    except (MasterDataError, WorkflowError, Forbidden, WarehouseBusy) as exc:
        st.error(str(exc))
        return
    session.clear_caches()
    st.session_state[FLASH] = ok(result) if callable(ok) else ok
    st.rerun()


def section(label: str, key: str, draw, *args) -> None:
    """A collapsed section whose content runs and is drawn only while it is open."""
    ui.draw_open([(st.expander(label, key=key, on_change="rerun"), lambda: draw(*args))])


# fits a 1440 px window beside the sidebar
INDICATOR_WIDTHS = {"コード": 75, "指標名": 250, "担当課": 110, "単位": 55, "目標の種類": 100, "基準値": 95, "目標値": 95,
                    "進捗管理": 95, "定義の改定": 70}


def num(value) -> str:
    return "" if value is None else format_number(value)


def fy_text(value) -> str:
    return "" if value is None else fiscal_year_ja(int(value))


try:
    data = master_data.overview(actor)
except Forbidden as exc:
    st.error(str(exc))
    st.stop()

strategies = {s["strategy_id"]: s for s in data["strategies"]}
departments = {d["code"]: d["name"] for d in data["departments"]}
if not strategies:
    st.info("戦略がまだ登録されていません。「戦略・柱・項目」で登録してください。")
strategy_id = st.selectbox("戦略（版）", list(strategies), key="md_strategy",
                           format_func=lambda i: f"{strategies[i]['name']}"
                                                 f"（{strategies[i]['code']} 第{strategies[i]['version']}版）")
structure = master_data.strategy_structure(actor, strategy_id) if strategy_id is not None else None


# ---- 指標 ------------------------------------------------------------------------------------------------
def indicators_tab() -> None:
    if structure is None:
        st.stop()
    inds = {i["indicator_id"]: i for i in structure["indicators"]}
    ui.table([{"コード": i["code"], "指標名": i["name"], "担当課": i["department_name"] or i["department_code"],
               "単位": i["unit"] or "", "目標の種類": TARGET_TYPES_JA.get(i["target_type"], i["target_type"]),
               "基準値": i["baseline_text"] or "", "目標値": i["target_text"] or "",
               "進捗管理": "停止（" + fy_text(i["stopped_fy"]) + "から）" if i["status"] == "stopped" else "",
               "定義の改定": f"{i['revisions']}回" if i["revisions"] else ""} for i in inds.values()],
             column_config={k: st.column_config.Column(k, width=w) for k, w in INDICATOR_WIDTHS.items()})
    st.caption("目標値・基準値・単位・方向・目標の種類の変更は「適用開始年度」以降のサイクルにだけ適用され、"
               "それより前の年度は変更前の定義のまま評価されます。変更には理由が必要です。")
    chosen = st.selectbox("編集する指標", list(inds), key="md_indicator", index=None, placeholder="指標を選んでください",
                          format_func=lambda i: f"{inds[i]['code']} {inds[i]['name']}")
    if chosen is not None:
        edit_indicator(inds[chosen])
        history = master_data.indicator_history(actor, chosen)
        if history["revisions"]:
            section(f"定義の改定履歴（{len(history['revisions'])}件）", f"md_x_history_{chosen}", revisions, history)
        section("進捗管理の停止・再開", f"md_x_stop_{chosen}", stop_or_resume, inds[chosen])
    section("指標の追加", "md_x_new_indicator", new_indicator)


def edit_indicator(cur: dict) -> None:
    chosen = cur["indicator_id"]
    with st.container(border=True, key=f"md_edit_{chosen}"):
        c1, c2, c3 = st.columns(3)
        f = {"code": c1.text_input("指標コード", cur["code"], key=f"md_code_{chosen}", **KEEP),
             "name": c2.text_input("指標名", cur["name"], key=f"md_name_{chosen}", **KEEP),
             "department_code": c3.selectbox("担当課", list(departments), key=f"md_dept_{chosen}",
                                             index=list(departments).index(cur["department_code"]),
                                             format_func=departments.get, **KEEP)}
        f["definition"] = st.text_area("指標の定義", cur["definition"] or "", key=f"md_definition_{chosen}", **KEEP)
        f["data_source"] = st.text_input("出典", cur["data_source"] or "", key=f"md_source_{chosen}", **KEEP)
        c1, c2, c3 = st.columns(3)
        f["unit"] = c1.text_input("単位", cur["unit"] or "", key=f"md_unit_{chosen}", **KEEP)
        f["target_type"] = c2.selectbox("目標の種類", list(TARGET_TYPES_JA), key=f"md_type_{chosen}",
                                        index=list(TARGET_TYPES_JA).index(cur["target_type"]),
                                        format_func=TARGET_TYPES_JA.get, **KEEP)
        f["direction"] = c3.selectbox("方向", list(DIRECTIONS_JA), key=f"md_direction_{chosen}",
                                      index=list(DIRECTIONS_JA).index(cur["direction"]), format_func=DIRECTIONS_JA.get,
                                      **KEEP)
        c1, c2, c3, c4 = st.columns(4)
        f["baseline_value"] = c1.text_input("基準値", num(cur["baseline_value"]), key=f"md_baseline_{chosen}", **KEEP)
        f["baseline_text"] = c2.text_input("基準値（表記）", cur["baseline_text"] or "",
                                           key=f"md_baseline_text_{chosen}", **KEEP)
        f["baseline_fy"] = c3.text_input("基準年度", fy_text(cur["baseline_fy"]), key=f"md_baseline_fy_{chosen}",
                                         **KEEP)
        f["baseline_fy_text"] = c4.text_input("基準年度（表記）", cur["baseline_fy_text"] or "",
                                              key=f"md_baseline_fy_text_{chosen}", **KEEP)
        c1, c2, c3 = st.columns(3)
        f["target_value"] = c1.text_input("目標値", num(cur["target_value"]), key=f"md_target_{chosen}", **KEEP)
        f["target_text"] = c2.text_input("目標値（表記）", cur["target_text"] or "", key=f"md_target_text_{chosen}",
                                         **KEEP)
        f["target_fy"] = c3.text_input("目標年度", fy_text(cur["target_fy"]), key=f"md_target_fy_{chosen}", **KEEP)
        c1, c2 = st.columns([1, 3])
        effective = c1.text_input("適用開始年度（目標・基準値などを変えるとき）", key=f"md_effective_{chosen}",
                                  placeholder="例: 令和5年度", **KEEP)
        reason = c2.text_input("変更の理由", key=f"md_reason_{chosen}", **KEEP)
        if st.button("変更を保存", key=f"md_save_{chosen}"):
            run(lambda: master_data.update_indicator(actor, chosen, f, reason=reason, effective_fy=effective or None),
                lambda r: (f"「{f['code']} {f['name']}」を保存しました（"
                           + ("、".join(FIELD_LABELS_JA[x] for x in r["changed"]) or "変更なし") + "）"
                           + (f"。{effective}以降のサイクルに適用します" if r["revision_id"] else "")))


def revisions(history: dict) -> None:
    o = history["original"]
    ui.table([{"適用開始": "当初", "単位": o["unit"] or "", "基準値": o["baseline_text"] or "",
               "目標値": o["target_text"] or "", "理由": "", "変更者": "", "日時": ""}]
             + [{"適用開始": fy_text(r["effective_fy"]), "単位": r["unit"] or "",
                 "基準値": r["baseline_text"] or "", "目標値": r["target_text"] or "", "理由": r["reason"],
                 "変更者": r["changed_by"], "日時（日本時間）": format_jst(r["changed_at"], zone=False)}
                for r in history["revisions"]])


def stop_or_resume(cur: dict) -> None:
    chosen = cur["indicator_id"]
    if cur["status"] == "active":
        stop_fy = st.text_input("停止する年度（この年度のサイクルから）", key=f"md_stop_fy_{chosen}",
                                placeholder="例: 令和5年度", **KEEP)
        stop_reason = st.text_input("停止の理由", key=f"md_stop_reason_{chosen}", **KEEP)
        if st.button("進捗管理を停止", key=f"md_stop_submit_{chosen}"):
            run(lambda: master_data.stop_indicator(actor, chosen, reason=stop_reason, effective_fy=stop_fy),
                f"「{cur['code']} {cur['name']}」の進捗管理を{stop_fy}から停止しました")
    else:
        st.write(f"{fy_text(cur['stopped_fy'])}から停止中（理由: {cur['stop_reason']}）")
        resume_reason = st.text_input("再開の理由", key=f"md_resume_reason_{chosen}", **KEEP)
        if st.button("進捗管理を再開", key=f"md_resume_submit_{chosen}"):
            run(lambda: master_data.resume_indicator(actor, chosen, reason=resume_reason),
                f"「{cur['code']} {cur['name']}」の進捗管理を再開しました")


def new_indicator() -> None:
    items = {(i["pillar_no"], i["item_no"]): i["name"] for i in structure["items"]}
    c1, c2, c3 = st.columns(3)
    n = {"code": c1.text_input("指標コード（例: P1-1-09）", key="md_new_code", **KEEP),
         "name": c2.text_input("指標名", key="md_new_name", **KEEP),
         "department_code": c3.selectbox("担当課", list(departments), key="md_new_dept", format_func=departments.get,
                                         **KEEP)}
    where = st.selectbox("柱・項目", list(items), key="md_new_item", format_func=lambda k: f"柱{k[0]}-{k[1]} {items[k]}",
                         **KEEP)
    n["definition"] = st.text_area("指標の定義", key="md_new_definition", **KEEP)
    n["data_source"] = st.text_input("出典", key="md_new_source", **KEEP)
    c1, c2, c3 = st.columns(3)
    n["unit"] = c1.text_input("単位", key="md_new_unit", **KEEP)
    n["target_type"] = c2.selectbox("目標の種類", list(TARGET_TYPES_JA), key="md_new_type",
                                    format_func=TARGET_TYPES_JA.get, **KEEP)
    n["direction"] = c3.selectbox("方向", list(DIRECTIONS_JA), key="md_new_direction", format_func=DIRECTIONS_JA.get,
                                  **KEEP)
    c1, c2, c3, c4 = st.columns(4)
    n["baseline_value"] = c1.text_input("基準値", key="md_new_baseline", **KEEP)
    n["baseline_fy"] = c2.text_input("基準年度", key="md_new_baseline_fy", placeholder="例: 令和4年度", **KEEP)
    n["target_value"] = c3.text_input("目標値", key="md_new_target", **KEEP)
    n["target_fy"] = c4.text_input("目標年度", key="md_new_target_fy", placeholder="例: 令和9年度", **KEEP)
    n["target_text"] = st.text_input("目標値（表記・定性的な目標のとき）", key="md_new_target_text", **KEEP)
    if st.button("指標を追加", key="md_new_submit"):
        form = {**n, "pillar_no": where[0] if where else None, "item_no": where[1] if where else None}
        run(lambda: master_data.create_indicator(actor, strategy_id, form), f"指標「{n['code']} {n['name']}」を追加しました")


# ---- 戦略・柱・項目 -------------------------------------------------------------------------------------
def structure_tab() -> None:
    ui.table([{"コード": s["code"], "版": s["version"], "名称": s["name"], "発行者": s["publisher"] or "",
               "適用": fy_text(s["valid_from_fy"]) + "〜" + fy_text(s["valid_to_fy"]), "柱": s["pillars"],
               "指標": s["indicators"], "サイクル": s["cycles"]} for s in strategies.values()])
    if structure is None:
        st.stop()
    section("選んだ戦略（版）の変更", "md_x_strategy_edit", edit_strategy, structure["strategy"])
    section("戦略の新しい版（改定）・新しい戦略", "md_x_strategy_new", new_strategy, structure["strategy"])
    c1, c2 = st.columns(2)
    with c1:
        ui.table([{"柱": p["pillar_no"], "名称": p["name"]} for p in structure["pillars"]])
        with st.container(border=True, key="md_pillar"):
            p_no = st.text_input("柱の番号", key="md_p_no", **KEEP)
            p_name = st.text_input("柱の名称", key="md_p_name", **KEEP)
            if st.button("柱を保存", key="md_p_submit"):
                run(lambda: master_data.save_pillar(actor, strategy_id, p_no, p_name),
                    f"柱{p_no}「{p_name}」を保存しました")
    with c2:
        ui.table([{"柱": i["pillar_no"], "項目": i["item_no"], "名称": i["name"]} for i in structure["items"]])
        with st.container(border=True, key="md_item"):
            i_p = st.text_input("柱の番号", key="md_i_pillar", **KEEP)
            i_no = st.text_input("項目の番号", key="md_i_no", **KEEP)
            i_name = st.text_input("項目の名称", key="md_i_name", **KEEP)
            if st.button("項目を保存", key="md_i_submit"):
                run(lambda: master_data.save_item(actor, strategy_id, i_p, i_no, i_name),
                    f"柱{i_p}の項目{i_no}「{i_name}」を保存しました")


def edit_strategy(s: dict) -> None:
    sf = {"name": st.text_input("戦略名", s["name"], key="md_s_name", **KEEP),
          "publisher": st.text_input("発行者", s["publisher"] or "", key="md_s_publisher", **KEEP),
          "established_text": st.text_input("策定（表記）", s["established_text"] or "", key="md_s_established",
                                            **KEEP),
          "valid_from_fy": st.text_input("適用開始年度", fy_text(s["valid_from_fy"]), key="md_s_from", **KEEP),
          "valid_to_fy": st.text_input("適用終了年度（空欄: 現在も適用）", fy_text(s["valid_to_fy"]), key="md_s_to",
                                       **KEEP)}
    if st.button("保存", key="md_s_save"):
        run(lambda: master_data.update_strategy(actor, strategy_id, sf), f"戦略「{sf['name']}」を保存しました")


def new_strategy(s: dict) -> None:
    nf = {"code": st.text_input("戦略コード（同じコードなら新しい版）", s["code"], key="md_ns_code", **KEEP),
          "name": st.text_input("戦略名", s["name"], key="md_ns_name", **KEEP),
          "publisher": st.text_input("発行者", s["publisher"] or "", key="md_ns_publisher", **KEEP),
          "established_text": st.text_input("策定（表記）", key="md_ns_established", **KEEP),
          "valid_from_fy": st.text_input("適用開始年度", key="md_ns_from", placeholder="例: 令和6年度", **KEEP)}
    copy = st.checkbox("選んだ版の柱・項目・指標（進捗管理中のもの、最新の定義）を引き継ぐ", value=True, key="md_ns_copy",
                       **KEEP)
    if st.button("作成", key="md_ns_submit"):
        run(lambda: master_data.create_strategy(actor, nf, copy_from=strategy_id if copy else None),
            f"戦略「{nf['name']}」の新しい版を作成しました")


# ---- 担当課 ------------------------------------------------------------------------------------------------
def departments_tab() -> None:
    ui.table([{"コード": d["code"], "名称": d["name"], "指標数": d["indicators"], "使用": "○" if d["active"] else "停止"}
              for d in data["departments"]])
    with st.container(border=True, key="md_department"):
        d_code = st.text_input("担当課コード（例: GYOKAKU）", key="md_d_code", **KEEP)
        d_name = st.text_input("担当課名", key="md_d_name", **KEEP)
        d_active = st.checkbox("使用中", value=True, key="md_d_active", **KEEP)
        if st.button("担当課を保存", key="md_d_submit"):
            run(lambda: master_data.save_department(actor, d_code, d_name, active=d_active),
                f"担当課「{d_name}」を保存しました")


# ---- 要因の分類 --------------------------------------------------------------------------------------------
def reasons_tab() -> None:
    ui.table([{"コード": r["code"], "名称": r["name"]} for r in data["reason_categories"]])
    with st.container(border=True, key="md_reason"):
        r_code = st.text_input("分類コード（例: seido）", key="md_r_code", **KEEP)
        r_name = st.text_input("分類名（例: 国の制度変更）", key="md_r_name", **KEEP)
        r_order = st.text_input("表示順（空欄: 最後）", key="md_r_order", **KEEP)
        if st.button("要因の分類を保存", key="md_r_submit"):
            run(lambda: master_data.save_reason_category(actor, r_code, r_name, r_order or None),
                f"要因の分類「{r_name}」を保存しました")


# ---- サイクル ----------------------------------------------------------------------------------------------
def cycles_tab() -> None:
    cyc = data["cycles"]
    ui.table([{"年度": fy_text(c["fiscal_year"]), "戦略": c["strategy_code"],
               "状態": CYCLE_STATE_LABELS_JA.get(c["state"], c["state"]), "基準日": c["as_of_text"] or "",
               "提出期限": c["deadline"].isoformat() if c["deadline"] else "", "承認済": f"{c['approved']:,}件"}
              for c in cyc])
    section("新しいサイクルの作成", "md_x_cycle_new", new_cycle, sorted({c["fiscal_year"] for c in cyc}, reverse=True))
    if not cyc:
        return
    by_fy = {c["fiscal_year"]: c for c in cyc}
    pick = st.selectbox("サイクル", list(by_fy), key="md_c_pick",
                        format_func=lambda y: f"{fy_text(y)}（{CYCLE_STATE_LABELS_JA.get(by_fy[y]['state'])}）")
    picked = by_fy[pick]
    moves = allowed_cycle_actions(picked["state"], actor.roles)
    reason = st.text_input("再開の理由（再開するとき）", key="md_c_reason", **KEEP)
    if not moves:
        st.caption("このサイクルに対して行える操作はありません。")
    for col, move in zip(st.columns(max(1, len(moves))), moves):
        if col.button(CYCLE_ACTION_LABELS_JA[move], key=f"md_c_{move.value}"):
            fn = {CycleAction.OPEN: cycles.open_cycle, CycleAction.CLOSE: cycles.close_cycle,
                  CycleAction.FINALIZE: cycles.finalize_cycle}.get(move)
            run((lambda: fn(pick, actor=actor)) if fn else
                (lambda: cycles.reopen_cycle(pick, actor=actor, reason=reason)),
                lambda c: f"{c['label']}を「{c['state_ja']}」にしました")
    if picked["state"] != "finalized":
        with st.container(border=True, key=f"md_c_dates_{pick}"):
            c1, c2 = st.columns(2)
            new_as_of = c1.date_input("基準日", value=picked["as_of"], key=f"md_c_asof_{pick}", **KEEP)
            new_deadline = c2.date_input("提出期限", value=picked["deadline"], key=f"md_c_deadline_{pick}", **KEEP)
            if st.button("基準日・提出期限を保存", key=f"md_c_dates_submit_{pick}"):
                run(lambda: cycles.set_cycle_dates(pick, actor=actor, as_of=new_as_of, deadline=new_deadline),
                    f"{fy_text(pick)}の基準日・提出期限を保存しました")


def new_cycle(years: list[int]) -> None:
    c1, c2 = st.columns(2)
    new_fy = c1.text_input("年度", fy_text(years[0] + 1) if years else "", key="md_c_fy", **KEEP)
    from_fy = c2.selectbox("引き継ぐ年度（基準日・提出期限を1年後にして引き継ぎます）", [None, *years], key="md_c_from",
                           format_func=lambda y: "引き継がない" if y is None else fy_text(y), **KEEP)
    own_dates = st.checkbox("基準日・提出期限を指定する（指定しない場合は引き継ぎ）", key="md_c_dates", **KEEP)
    c1, c2 = st.columns(2)  # always a date shown: an empty date field shows its format in English
    as_of = c1.date_input("基準日", value=dt.date.today(), key="md_c_asof", **KEEP)
    deadline = c2.date_input("提出期限", value=dt.date.today() + dt.timedelta(days=14), key="md_c_deadline", **KEEP)
    if st.button("サイクルを作成（準備中）", key="md_c_submit"):
        dates = (as_of, deadline) if own_dates else (None, None)

        def create():
            fy = master_data.fiscal_year_input(new_fy, "年度")
            return cycles.create_cycle(fy, actor=actor, from_fy=from_fy, as_of=dates[0], deadline=dates[1])
        run(create, lambda c: f"{c['label']}のサイクルを作成しました（準備中、対象指標 {c['carried_over']}件）")


# only the open tab runs; it is carried in the URL (?md_tab=サイクル), so a reload or a link stays on it
ui.draw_open(zip(st.tabs(TABS, key="md_tab", on_change="rerun", bind="query-params"),
                 (indicators_tab, structure_tab, departments_tab, reasons_tab, cycles_tab)))
