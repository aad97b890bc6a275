"""入力: a department editor enters the cycle's figures, saves drafts, uploads a workbook, and submits."""
import streamlit as st

from app import session, state, ui
from kpi.domain.workflow import WorkflowError
from kpi.platform.collection import DOWN_NOTICE, collect
from kpi.services import entry_sheet, intake, reminders, workbooks, workflow
from kpi.services.actors import Forbidden
from kpi.services.entries import RawEntry

FIELDS = ("value", "kind", "period", "reason", "reason_category", "remark")

actor = ui.logged_in()
st.title("入力")
cycle = ui.cycle_picker(actor, prefer="open")
depts = sorted(actor.departments)
if cycle is None or not depts:
    st.info("担当課が設定されていません。システム管理者に連絡してください。") if not depts else None
    st.stop()
dept = st.selectbox("担当課", depts, key=state.DEPARTMENT) if len(depts) > 1 else depts[0]
sheet = entry_sheet.sheet(actor, cycle["fiscal_year"], dept)
editable = cycle["state"] == "open"
st.caption(f"{sheet.department_name}　{cycle['label']}　{len(sheet.lines)}指標"
           + ("" if editable else f"　（この年度は受付中ではないため閲覧のみです）"))
reminder = reminders.banner(actor, cycle["fiscal_year"], dept)  # the latest 督促 while values are still owed
if reminder:
    st.warning(ui.md(reminder), icon=":material/notifications:")


def _blank_as_unchosen(option: str) -> str:
    return option or "（未選択）"


def typed(line) -> RawEntry:
    """What the form holds now for a line (the saved value until the person types)."""
    vals = {f: st.session_state.get(state.entry_key(line.code, f), getattr(line.saved, f)) for f in FIELDS}
    return RawEntry(code=line.code, expected_version=line.version, **{k: v or "" for k, v in vals.items()})


def show_report(report) -> None:
    """A save or upload result: what landed, and every problem with its row and column."""
    if report.status == "landed":
        st.success(f"{report.saved}件を下書きとして保存しました（受付番号 {report.batch_id}）。")
    elif report.status == "received":
        st.warning(DOWN_NOTICE.format(batch_id=report.batch_id))
    else:
        st.error(f"取り込めませんでした（受付番号 {report.batch_id}）。次の点を直して、もう一度保存してください。何も保存されていません。")
    if report.findings:
        ui.table([{"行": f.row_no or "", "コード": f.code or "", "項目": f.field or "",
                   "重要度": "エラー" if f.severity == "error" else "警告", "内容": f.message} for f in report.findings])
        st.download_button("指摘事項をCSVでダウンロード", ui.findings_csv(report.findings),
                           file_name=f"findings_{report.batch_id}.csv", mime="text/csv")


submitted_note = st.session_state.pop(state.ENTRY_MESSAGE, None)
if submitted_note:
    st.success(submitted_note)
def send(entries, **received):
    """Store what was sent as an intake batch and land it through the collect flow; the report, or None on refusal."""
    try:
        batch_id = intake.receive(actor, cycle["fiscal_year"], dept, entries, **received)
        with st.spinner("取り込んでいます…"):
            report = collect(batch_id)
    except (WorkflowError, Forbidden) as exc:
        st.error(str(exc))
        return None
    st.session_state[state.LAST_REPORT] = report
    session.clear_caches()
    return report


tab_form, tab_excel = st.tabs(["画面で入力", "Excelで入力"])
with tab_form:
    entries = []
    rates = entry_sheet.live_rates(sheet, [typed(ln) for ln in sheet.lines])
    current_item = None
    for line in sheet.lines:
        if line.item != current_item:
            current_item = line.item
            st.subheader(f"{line.pillar}　{line.item}", divider="gray")
        with st.container(border=True):
            head, figures = st.columns([3, 2])
            head.markdown(f"**{ui.md(line.name)}**　`{line.code}`")
            head.caption(f"単位: {line.unit or '—'}　基準値: {line.baseline}　目標値: {line.target}　"
                         f"前年度の承認値: {line.last_year}　状態: {line.state}")
            if line.stopped:
                head.info("進捗管理を停止している指標です（入力不要）")
                continue
            if line.review_comment and line.state_key == "returned":
                head.warning(f"差戻しコメント: {line.review_comment}")
            rate, band, problem = rates[line.code]
            figures.metric("達成率（入力値による）", rate)
            figures.caption(f"達成区分: {band}")
            locked = not editable or line.state_key in ("submitted", "approved")
            c1, c2, c3 = st.columns([2, 1, 2])
            c1.text_input(f"値（{line.unit or '達成／未達成'}）", value=line.saved.value,
                          key=state.entry_key(line.code, "value"), disabled=locked)
            kinds = ["", "実績値", "見込値"]
            c2.selectbox("区分", kinds, index=kinds.index(line.saved.kind) if line.saved.kind in kinds else 0,
                         key=state.entry_key(line.code, "kind"), disabled=locked, format_func=_blank_as_unchosen)
            c3.text_input("時点・期間（例: 4月～8月、R3.12時点）", value=line.saved.period,
                          key=state.entry_key(line.code, "period"), disabled=locked)
            if problem:
                st.error(problem)
            r1, r2 = st.columns([3, 2])
            r1.text_area("要因（100%未満の場合は必須）", value=line.saved.reason, height=80,
                         key=state.entry_key(line.code, "reason"), disabled=locked)
            cats = [""] + [c["name"] for c in sheet.categories]
            r2.selectbox("要因の分類", cats,
                         index=cats.index(line.saved.reason_category) if line.saved.reason_category in cats else 0,
                         key=state.entry_key(line.code, "reason_category"), disabled=locked,
                         format_func=_blank_as_unchosen)
            r2.text_input("備考", value=line.saved.remark, key=state.entry_key(line.code, "remark"), disabled=locked)
            if not locked:
                entries.append(typed(line))

    changed = [e for e in entries if e != next(ln.saved for ln in sheet.lines if ln.code == e.code)
               and not e.is_blank()]
    if st.button("下書き保存", type="primary", disabled=not editable or not changed, key="save_drafts"):
        report = send([RawEntry(**{**e.as_dict(), "row_no": i + 1}) for i, e in enumerate(changed)])
        if report is not None and report.status == "landed":
            for e in changed:  # the form shows what is saved now
                for f in FIELDS:
                    st.session_state.pop(state.entry_key(e.code, f), None)
            st.rerun()

    drafts = {ln.code: ln for ln in sheet.lines if ln.state_key == "draft"}
    if drafts:
        st.subheader("提出", divider="gray")
        chosen = st.multiselect("提出する指標（既定: 下書きのすべて）", list(drafts), default=list(drafts),
                                format_func=lambda c: f"{c} {drafts[c].name}", placeholder="指標を選んでください",
                                key="submit_choice." + "-".join(sorted(drafts)))  # new drafts: all chosen again
        ack = st.checkbox("保存時の警告（前年度からの大きな変化など）を確認しました", key="ack_warnings")
        if st.button("選んだ指標を提出", disabled=not chosen or not editable, key="submit"):
            try:
                workflow.submit(actor, [workflow.ValueRef(drafts[c].value_id, drafts[c].version) for c in chosen],
                                acknowledge_warnings=ack)
            except (WorkflowError, Forbidden) as exc:
                st.error(str(exc))
            else:
                session.clear_caches()
                st.session_state[state.LAST_REPORT] = None
                st.session_state[state.ENTRY_MESSAGE] = f"{len(chosen)}件を提出しました。"
                st.rerun()

with tab_excel:
    st.markdown("担当課の入力シート（Excel）をダウンロードし、値を入力してアップロードしてください。"
                "灰色の列（コード〜差戻しコメント）は変更できません。")
    # Built only when clicked, not on every rerun of the page.
    st.download_button("入力シートをダウンロード",
                       lambda: workbooks.department_workbook(actor, cycle["fiscal_year"], dept)[1],
                       file_name=workbooks.workbook_name(cycle["fiscal_year"], dept), key="download_workbook",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ui.uploader_in_japanese()
    upload = st.file_uploader("記入済みの入力シート（.xlsx、10MBまで）", type=["xlsx"], key="upload_workbook",
                              disabled=not editable)
    if upload is not None and st.button("アップロードした内容を取り込む", key="import_workbook"):
        if send(None, source="workbook", filename=upload.name, raw_bytes=upload.getvalue()) is not None:
            st.rerun()

report = st.session_state.get(state.LAST_REPORT)
if report is not None:
    st.subheader("取り込み結果", divider="gray")
    show_report(report)
