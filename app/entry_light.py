"""Light entry on the 入力 page: what the department still owes across the approval chain, and 「前年度と同じ値で確定」
(last year's approved figure saved and submitted in one confirmed action, for an indicator whose value has not
changed). The suggestions in empty fields (the period moved on a year, last year's reason category) are the form's
(app/entry_form.py)."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app import entry_form, session, state, ui
from kpi.domain.workflow import WorkflowError
from kpi.services import entry_sheet, submission, workflow
from kpi.services.actors import Actor, Forbidden

PENDING = "entry.same_pending"  # the code whose 「前年度と同じ値で確定」 waits for its confirmation


def owed_summary(s: entry_sheet.Sheet) -> None:
    """The counts at the top of 入力: 未入力, 下書き, 差戻し, 所属長承認待ち, 課の審査待ち, 承認済."""
    counts = entry_sheet.chain_counts(s)
    with st.container(border=True, key="owed_summary"):
        st.markdown(f"**{ui.md(s.department_name)}の状況**　承認経路: {ui.md(s.chain.text)}")
        for col, (label, n) in zip(st.columns(len(counts)), counts):
            col.metric(label, f"{n}件")


def same_value_button(line, form) -> None:
    """「前年度と同じ値で確定」 on a line that may be saved, has last year's approved value and nothing typed unsaved."""
    if line.same_entry is None or form.unsaved:
        return
    st.button("前年度と同じ値で確定", key=f"same.{line.code}", on_click=_ask, args=(line.code,),
              help=f"前年度の承認値 {line.same_entry.value} を今年度の値として保存し、提出します（確認があります）")


def _ask(code: str) -> None:
    st.session_state[PENDING] = code


def _cancel() -> None:
    st.session_state.pop(PENDING, None)


def confirm_same(actor: Actor, fiscal_year: int, s: entry_sheet.Sheet, line, send: Callable) -> None:
    """The confirmation of 「前年度と同じ値で確定」 under the line, and the action once confirmed."""
    if st.session_state.get(PENDING) != line.code:
        return
    e = line.same_entry
    shown = "、".join(t for t in (e.kind, e.period and f"時点・期間 {e.period}", e.reason_category) if t)
    st.warning(ui.md(f"前年度の承認値 **{e.value}**（{shown}）を今年度の値として保存し、提出します。"
                     "よろしいですか？" + (f"　要因: {e.reason}" if e.reason else "")), icon=":material/help:")
    ack = st.checkbox("保存時の警告（過ぎた年度の見込値など）を確認しました", key=f"same_ack.{line.code}")
    yes, no = st.columns(2)
    no.button("やめる", key=f"same_cancel.{line.code}", on_click=_cancel)
    if not yes.button("保存して提出する", type="primary", key=f"same_ok.{line.code}"):
        return
    _cancel()
    report = send([e])
    if report is None or report.status != "landed" or report.errors:
        st.error("前年度と同じ値を保存できなかったため、提出していません。下の「取り込み結果」を確認してください。")
        return
    entry_form.take_stored(st.session_state, line)
    fresh = {ln.code: ln for ln in entry_sheet.sheet(actor, fiscal_year, s.department).lines}[line.code]
    try:
        workflow.submit(actor, [workflow.ValueRef(fresh.value_id, fresh.version)], acknowledge_warnings=ack)
    except (WorkflowError, Forbidden) as exc:
        st.error("前年度と同じ値を下書きとして保存しましたが、提出していません。" + str(exc))
        return
    session.clear_caches()
    st.session_state[state.LAST_REPORT] = None
    st.session_state[state.ENTRY_MESSAGE] = "前年度と同じ値で確定しました。" + submission.outcome_text(
        [line.code], entry_sheet.sheet(actor, fiscal_year, s.department).lines)
    st.rerun()
