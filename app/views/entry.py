"""入力: a department editor enters the cycle's figures, saves drafts, uploads a workbook, and submits."""
import streamlit as st

from app import confirm_section, entry_form, entry_light, session, state, ui
from kpi.domain.workflow import Action, WorkflowError
from app.jobs import DOWN_NOTICE, collect
from kpi.services import entry_sheet, intake, reminders, submission, workbooks, workflow
from kpi.services.actors import Forbidden
from kpi.services.permissions import Permission, actions_for, allowed

actor = ui.logged_in()
st.title("入力")
cycle = ui.cycle_picker(actor, prefer="open")
depts = sorted(actor.departments)
if cycle is None or not depts:
    st.info("担当課が設定されていません。システム管理者に連絡してください。") if not depts else None
    st.stop()
dept = st.selectbox("担当課", depts, key=state.DEPARTMENT) if len(depts) > 1 else depts[0]
sheet = session.department_sheet(actor, cycle["fiscal_year"], dept)
editable = cycle["state"] == "open"
# what the workflow table lets this person do with each line (its value's state, the department, the cycle's state)
line_actions = {ln.code: actions_for(actor, ln.state_key, dept, cycle["state"]) for ln in sheet.lines}
st.caption(f"{sheet.department_name}　{cycle['label']}　{len(sheet.lines)}指標"
           + ("" if editable else f"　（この年度は受付中ではないため閲覧のみです）"))
deadline = entry_sheet.deadline_text(cycle) if editable else None
if deadline:
    st.info(deadline, icon=":material/event:")
reminder = reminders.banner(actor, cycle["fiscal_year"], dept)  # the latest 督促 while values are still owed
if reminder:
    st.warning(ui.md(reminder), icon=":material/notifications:")
entry_light.owed_summary(sheet)  # what the department still owes across the approval chain
if not editable:  # 見込 → 確定: a finished year's projections owed their 確定値
    confirm_section.render_entry(actor, cycle, dept)


def _blank_as_unchosen(option: str) -> str:
    return option or "（未選択）"


names = {ln.code: ln.name for ln in sheet.lines}


def show_report(report) -> None:
    """A save or upload result: what landed, what was skipped, and every problem named by indicator (and row)."""
    if report.status == "landed" and not report.saved:
        st.success(f"変更された行はありませんでした。何も保存していません（受付番号 {report.batch_id}）。")
    elif report.status == "landed" and report.errors:
        left = sorted({f.code for f in report.errors if f.code})
        st.warning(f"{report.saved}件を下書きとして保存しました（受付番号 {report.batch_id}）。"
                   f"次の{len(left)}件は保存していません（入力はそのまま残っています）: {'、'.join(left)}")
    elif report.status == "landed":
        st.success(f"{report.saved}件を下書きとして保存しました（受付番号 {report.batch_id}）。")
    elif report.status == "received":
        st.warning(DOWN_NOTICE.format(batch_id=report.batch_id))
    else:
        st.error(f"取り込めませんでした（受付番号 {report.batch_id}）。次の点を直して、もう一度保存してください。何も保存されていません。")
    if report.skipped:
        st.info(report.skipped_text)
    for f in report.findings:
        where = "　".join(x for x in (f"{f.row_no}行目" if f.row_no else "",
                                      f"{f.code} {names.get(f.code, '')}".strip() if f.code else "",
                                      f"（{f.field}）" if f.field else "") if x)
        text = f"**{ui.md(where)}**　{ui.md(f.message)}" if where else ui.md(f.message)
        (st.error if f.severity == "error" else st.warning)(text)
    if report.findings:
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
    forms = {}
    for line in sheet.lines:
        if not line.stopped:
            locked = Action.SAVE not in line_actions[line.code]
            forms[line.code] = entry_form.sync(st.session_state, line, locked=locked)
    rates = entry_sheet.live_rates(sheet, [f.typed for f in forms.values()])
    ordered = [(label, line) for label, group in entry_sheet.work_order(sheet.lines) for line in group]
    current_group = None
    for group, line in ordered:
        if group != current_group:
            current_group = group
            st.subheader(group, divider="gray")
        with st.container(border=True):
            st.markdown(f"**{ui.md(line.name)}**　`{line.code}`  \n:small[:gray[{ui.md(line.pillar)}　{ui.md(line.item)}]]  \n"
                        f":small[:gray[単位: {ui.md(line.unit or '—')}　基準値: {ui.md(line.baseline)}　"
                        f"目標値: {ui.md(line.target)}　前年度の承認値: {ui.md(line.last_year)}　状態: {line.state}]]")
            if line.stopped:
                st.info("進捗管理を停止している指標です（入力不要）")
                continue
            form = forms[line.code]
            if line.review_comment and line.state_key == "returned":
                st.warning(f"差戻しコメント: {ui.md(line.review_comment)}")
            rate, band, problem, slip = rates[line.code]
            st.markdown(f"達成率（入力値による）: **{rate}**　達成区分: {band}")
            locked = Action.SAVE not in line_actions[line.code]
            if editable and not locked:  # last year's approved value, saved and submitted in one confirmed action
                entry_light.same_value_button(line, form)
            c1, c2, c3 = st.columns([2, 1, 2])
            c1.text_input(f"値（{line.unit or '達成／未達成'}）", **entry_form.widget(line.code, "value"),
                          disabled=locked)
            kinds = ["", "実績値", "見込値"]
            c2.selectbox("区分（提出時に必須）", kinds, **entry_form.widget(line.code, "kind"), disabled=locked,
                         format_func=_blank_as_unchosen, placeholder="選んでください")
            c3.text_input("時点・期間（例: 4月～8月、R3.12時点）", **entry_form.widget(line.code, "period"),
                          disabled=locked)
            if problem:
                st.error(problem)
            if slip:
                st.warning(ui.md(slip), icon=":material/error:")
            if entry_form.reasons_shown(st.session_state, line, form, band):
                r1, r2 = st.columns([3, 2])
                r1.text_area("要因（100%未満の場合は必須）", height=80, **entry_form.widget(line.code, "reason"),
                             disabled=locked)
                cats = [""] + [c["name"] for c in sheet.categories]
                r2.selectbox("要因の分類", cats, **entry_form.widget(line.code, "reason_category"), disabled=locked,
                             format_func=_blank_as_unchosen, placeholder="選んでください")
                r2.text_input("備考", **entry_form.widget(line.code, "remark"), disabled=locked)
            elif not locked:  # not needed yet and empty: drawn once the person asks (their text is kept either way)
                st.button(entry_form.REASONS_BUTTON, key=f"reasons.{line.code}", type="tertiary",
                          icon=":material/add:", on_click=entry_form.open_reasons, args=(st.session_state, line.code))
            if form.stale:
                mine = form.typed.value or "（空欄）"
                st.warning(ui.md(f"あなたが入力を始めた後に、{line.changed}しました。保存されている値: "
                                 f"{line.saved.value or '（空欄）'}（{line.state}）／あなたの入力: {mine}（未保存）。"
                                 "どちらにするか選んでください。"), icon=":material/sync_problem:")
                k1, k2 = st.columns(2)
                k1.button("自分の入力で上書きする", key=f"keep_mine.{line.code}",
                          on_click=entry_form.keep_mine, args=(st.session_state, line))
                k2.button("保存されている値に戻す", key=f"take_stored.{line.code}",
                          on_click=entry_form.take_stored, args=(st.session_state, line))
            if form.unsaved:
                st.caption(f":orange[未保存: {form.unsaved_labels}]")
            if editable and not locked:  # its confirmation, under the line
                entry_light.confirm_same(actor, cycle["fiscal_year"], sheet, line, send)

    changed = [f.typed for f in forms.values() if f.unsaved and not f.typed.is_blank()]
    if st.button("下書き保存", type="primary", disabled=not editable or not changed, key="save_drafts"):
        report = send(changed)
        if report is not None and report.status == "landed":
            kept = {f.code for f in report.errors}  # lines not saved keep what the person typed
            for line in sheet.lines:  # what was saved now shows as stored (formatted: 1,300件)
                if line.code in {e.code for e in changed} - kept:
                    entry_form.take_stored(st.session_state, line)
            st.rerun()

    # 提出: the drafts and every line edited on screen; what is typed is saved first, in the same action.
    lines_by_code = {ln.code: ln for ln in sheet.lines}
    candidates = [c for c, f in forms.items()
                  if Action.SUBMIT in line_actions[c] or (f.unsaved and not f.typed.is_blank())]
    if candidates and allowed(actor, Permission.SUBMIT, dept, cycle["state"]):
        st.subheader("提出", divider="gray")
        chosen = st.multiselect("提出する指標（既定: 下書きと画面で入力したもののすべて）", candidates, default=candidates,
                                format_func=lambda c: f"{c} {lines_by_code[c].name}",  # stable: the choice is kept by label
                                placeholder="指標を選んでください",
                                key="submit_choice." + "-".join(sorted(candidates)))  # new candidates: all chosen again
        ack = st.checkbox("保存時の警告（前年度からの大きな変化など）を確認しました", key="ack_warnings")
        if st.button("選んだ指標を保存して提出", type="primary", disabled=not chosen, key="submit"):
            blocking = submission.problems(actor, cycle["fiscal_year"], dept, [forms[c].typed for c in chosen])
            if blocking:
                st.error(f"提出できませんでした。次の{len(blocking)}件を直してください。何も保存・提出していません"
                         "（入力した内容は画面に残っています）。")
                for f in blocking:
                    st.error(f"**{ui.md(f.code or '')} {ui.md(names.get(f.code, ''))}**　{ui.md(f.message)}")
                st.stop()
            to_save = [forms[c].typed for c in chosen if forms[c].unsaved]
            report = send(to_save) if to_save else None
            if to_save and (report is None or report.status != "landed" or report.errors):
                st.error("保存できなかった指標があるため、提出していません。下の「取り込み結果」を確認してください。")
            else:
                for c in {e.code for e in to_save}:
                    entry_form.take_stored(st.session_state, lines_by_code[c])
                fresh = {ln.code: ln for ln in entry_sheet.sheet(actor, cycle["fiscal_year"], dept).lines}
                refs = [workflow.ValueRef(fresh[c].value_id, fresh[c].version if forms[c].unsaved
                                          else entry_form.seen_version(st.session_state, lines_by_code[c]))
                        for c in chosen]
                try:
                    workflow.submit(actor, refs, acknowledge_warnings=ack)
                except (WorkflowError, Forbidden) as exc:
                    st.error(("入力は下書きとして保存しましたが、提出していません。" if to_save else "提出していません。")
                             + str(exc))
                else:
                    session.clear_caches()
                    st.session_state[state.LAST_REPORT] = None
                    st.session_state[state.ENTRY_MESSAGE] = submission.outcome_text(
                        chosen, entry_sheet.sheet(actor, cycle["fiscal_year"], dept).lines)
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
