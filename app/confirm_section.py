"""見込 → 確定 on the pages: the 入力 page's section where a department enters the 確定値 of a finished year's
projections (and 速報) with its date and source and submits it, and the review queues' section (審査・承認,
所属長承認) where the chain approves or returns them. One command per action (kpi.services.confirmations)."""
import streamlit as st

from app import session, state, ui
from kpi.domain.workflow import WorkflowError
from kpi.domain.typed_input import InputError
from kpi.services import confirmations, reconciliation
from kpi.services.actors import Forbidden
from kpi.services.confirmations import ConfirmationRef
from kpi.services.permissions import Permission, allowed

MESSAGE = "confirm.message"  # the outcome of the last confirmation action, shown after the rerun
EDITABLE = (None, "draft", "returned")
FIELDS = ("value", "date", "source")  # the entry fields of one 確定値 (session keys confirm.<code>.<field>)


def _act(fn, ok_text: str, code: str | None = None) -> None:
    """Run a confirmation command; remember its outcome for the next run and refresh. After a save the fields of
    the code show what is stored (650件 for a typed ６５０), not what was typed; a refused save keeps the typing."""
    try:
        fn()
    except (WorkflowError, Forbidden, InputError) as exc:
        st.session_state[MESSAGE] = ("error", str(exc))
    else:
        st.session_state[MESSAGE] = ("ok", ok_text)
        for field in (*FIELDS, "seen") if code else ():  # saved: the fields show what is stored
            st.session_state.pop(_key(code, field), None)
        session.clear_caches()
    st.rerun()


def _key(code: str, field: str) -> str:
    return f"confirm.{code}.{field}"


def _sync(code: str, version: int, stored: dict[str, str]) -> int:
    """Keep the fields of one 確定値 as the entry form does (app/entry_form.py), before its widgets are created:
    untouched fields show what is stored now (someone else's save shows at once); typed fields keep the person's
    text, and the version their typing is based on stays the one they saw, so a save after someone else's is
    refused as a conflict, never a silent overwrite. Returns the version the next save expects."""
    ss = st.session_state
    seen = ss.get(_key(code, "seen")) or {"version": version, "saved": stored}
    typed = {f: (ss[_key(code, f)] or "") if _key(code, f) in ss else seen["saved"][f] for f in FIELDS}
    if typed == seen["saved"]:  # nothing typed
        for f in FIELDS:
            if _key(code, f) not in ss or typed[f] != stored[f]:  # assigned only when it must change (a keystroke
                ss[_key(code, f)] = stored[f]                      # in flight would be overwritten)
        seen = {"version": version, "saved": stored}
    ss[_key(code, "seen")] = seen
    return seen["version"]


def _field(code: str, field: str) -> dict:
    """The key and state keeping of one entry field (st.text_input(..., **_field(...))), synced by _sync: sent
    with the widget on every mount (a page switch mounts the widgets afresh), what the person typed survives a
    visit to another page."""
    return {"key": _key(code, field), "persist_state": "session"}


def _message() -> None:
    message = st.session_state.pop(MESSAGE, None)
    if message:
        (st.success if message[0] == "ok" else st.error)(message[1])


def render_entry(actor, cycle: dict, department: str) -> None:
    """The year's approved projections and 速報 of the department still owed a 確定値, each with fields for the
    value, the date and the source, saved as a draft or saved and submitted at once (nothing when none is owed or
    the year is not over)."""
    lines = reconciliation.owed(actor, cycle["fiscal_year"], department=department)
    if not lines:
        return
    st.subheader("見込 → 確定（確定値の入力）", divider="gray")
    _message()
    owed = [ln for ln in lines if ln["owed"]]
    st.caption(f"{cycle['label']}に見込値・速報値として承認された{len(lines)}指標のうち、確定値の承認が済んでいないもの"
               f" {len(owed)}件。確定値を確定日・出典とともに入力して提出してください（公表済みの見込値はそのまま残ります）。")
    ui.table([{"指標": ln["name"], "見込値（公表時）": f"{ln['projection_text'] or '—'}（{ln['projection_label'] or '見込値'}）",
               "確定値": ln["confirmed_text"] or "—", "状態": ln["state_ja"], "コード": ln["code"]} for ln in lines])
    may = allowed(actor, Permission.CONFIRM, department, cycle["state"])
    for ln in owed if may else ():
        code, fy = ln["code"], cycle["fiscal_year"]
        with st.container(border=True, key=f"confirm_box_{code}"):
            st.markdown(f"**{ui.md(ln['name'])}**　`{code}`　見込値: {ui.md(ln['projection_text'] or '—')}　"
                        f"状態: {ln['state_ja']}")
            if ln["review_comment"] and ln["state"] == "returned":
                st.warning(f"差戻しコメント: {ln['review_comment']}")
            if ln["state"] not in EDITABLE:
                st.caption("提出済です。承認をお待ちください。")
                continue
            stored = {"value": ln["confirmed_text"] or "", "source": ln["source"] or "",
                      "date": ln["confirmed_on"].isoformat() if ln["confirmed_on"] else ""}
            seen_version = _sync(code, ln["version"], stored)
            c1, c2, c3 = st.columns([2, 2, 3])
            value = c1.text_input(f"確定値（{ln['unit'] or '達成／未達成'}）", **_field(code, "value"))
            day = c2.text_input("確定日（例: 2022-06-30）", **_field(code, "date"))
            source = c3.text_input("出典", **_field(code, "source"))
            b1, b2 = st.columns(2)

            def save(submit: bool, code=code, value=value, day=day, source=source, version=seen_version):
                ref = confirmations.save(actor, fy, code, value, confirmed_on=day, source=source,
                                         expected_version=version)
                if submit:
                    confirmations.submit(actor, ref)

            if b1.button("確定値を下書き保存", key=f"confirm_save_{code}"):
                _act(lambda: save(False), f"「{ln['name']}」の確定値を下書き保存しました。", code)
            if b2.button("確定値を保存して提出", type="primary", key=f"confirm_submit_{code}"):
                _act(lambda: save(True), f"「{ln['name']}」の確定値を提出しました。", code)


def render_queue(actor) -> None:
    """The confirmations waiting for the actor's level of the chain, with approve and return (nothing when none
    waits or the actor approves none)."""
    if not (allowed(actor, Permission.CONFIRM_APPROVE) or allowed(actor, Permission.CONFIRM_HEAD_APPROVE)):
        return
    _message()
    items = reconciliation.queue(actor)
    if not items:
        return
    st.subheader("見込 → 確定（確定値の承認）", divider="gray")
    ui.table([{"年度": it["cycle_label"], "指標": it["name"], "見込値（公表時）": it["projection_text"] or "—",
               "確定値": it["confirmed_text"], "確定日": it["confirmed_on"].isoformat() if it["confirmed_on"] else "—",
               "出典": it["source"] or "—", "状態": it["state_ja"], "担当課": it["department_name"],
               "コード": it["code"]} for it in items])
    by_id = {it["confirmation_id"]: it for it in items}
    picked = st.selectbox("確定値", list(by_id), key="confirm_review_one",
                          format_func=lambda i: f"{by_id[i]['cycle_label']} {by_id[i]['code']} {by_id[i]['name']}")
    it = by_id[picked]
    comment = st.text_input("コメント（差戻しでは必須）", key="confirm_review_comment")
    ref = ConfirmationRef(it["confirmation_id"], it["version"])
    x, y = st.columns(2)
    if x.button("確定値を承認", type="primary", key="confirm_approve"):
        _act(lambda: confirmations.approve(actor, ref, comment=comment or None),
             f"「{it['name']}」の確定値（{it['confirmed_text']}）を承認しました。")
    if y.button("確定値を差戻し", key="confirm_return"):
        _act(lambda: confirmations.return_confirmation(actor, ref, comment),
             f"「{it['name']}」の確定値を差し戻しました。")


def render_owed(actor) -> None:
    """The 督促・通知 page's count of the 確定値 each department still owes for a finished year."""
    owed = reconciliation.owed_by_year(actor)
    if owed:
        st.subheader("確定値の入力待ち（見込 → 確定）", divider="gray")
        st.caption("締切済・確定済の年度で、見込値・速報値の確定値が未入力・下書き・差戻しの指標の数です。")
        ui.table([{"年度": o["cycle_label"], "担当課": o["department_name"], "確定値の入力待ち": f"{o['owed']}件"}
                  for o in owed])
