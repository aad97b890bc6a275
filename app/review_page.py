"""The review queue as both levels of the approval chain see it: the division's 審査・承認 and a department head's
所属長承認 (their departments' submitted values). Approve or return one value, approve many at once; the buttons
are the ones permissions.actions_for gives for the strategy's chain."""
import streamlit as st

from app import confirm_section, session, state, ui
from kpi.domain.workflow import Action, WorkflowError
from kpi.services import review, workflow
from kpi.services.actors import Forbidden
from kpi.services.permissions import Permission, actions_for, allowed

APPROVALS = (Action.APPROVE, Action.HEAD_APPROVE)
RETURNS = (Action.RETURN, Action.HEAD_RETURN)


def _act(fn, ok_text: str) -> None:
    """Run a workflow action; remember its outcome for the next run and refresh."""
    try:
        fn()
    except (WorkflowError, Forbidden) as exc:
        st.session_state[state.REVIEW_MESSAGE] = ("error", str(exc))
    else:
        st.session_state[state.REVIEW_MESSAGE] = ("ok", ok_text)
        session.clear_caches()
    st.rerun()


def render(title: str) -> None:
    """The page: the queue of the actor's level, its filters, bulk approval and one value at a time."""
    actor = ui.logged_in()
    st.title(title)
    cycle = ui.cycle_picker(actor, prefer="open")
    if cycle is None:
        st.stop()
    board = review.read_board(actor, cycle["fiscal_year"])  # one read for the counts and the queue
    chain = board.chain
    st.caption(f"承認経路: {chain.text}")
    message = st.session_state.pop(state.REVIEW_MESSAGE, None)
    if message:
        (st.success if message[0] == "ok" else st.error)(message[1])
    confirm_section.render_queue(actor)  # 見込 → 確定: confirmations of finished years waiting for this level

    for col, (label, n) in zip(st.columns(len(board.counts)), board.counts.items()):
        col.metric(label, f"{n}件")

    division = allowed(actor, Permission.APPROVE)
    depts = board.departments
    waiting = "所属長承認済（審査待ち）" if division and chain.has_head else "提出済（承認待ち）"
    f1, f2, f3 = st.columns(3)
    dept = f1.selectbox("担当課", [None, *depts], format_func=lambda c: "すべて" if c is None else depts[c],
                        key="review_dept")
    pillar = f2.selectbox("柱", [None, 1, 2, 3], format_func=lambda p: "すべて" if p is None else f"柱{p}",
                          key="review_pillar")
    shown_state = f3.selectbox(
        "状態", [review.AWAITING, "submitted", "head_approved", "returned", "approved", "draft"], key="review_state",
        format_func={review.AWAITING: waiting, "submitted": "提出済", "head_approved": "所属長承認済",
                     "returned": "差戻し", "approved": "承認済", "draft": "下書き"}.get)
    items = review.queue(actor, cycle["fiscal_year"], state=shown_state, department=dept, pillar=pillar, board=board)
    if not items:
        st.info("該当する値はありません。")
        st.stop()

    # indicator, value, target, rate and band first, sized to fit a 1440 px window; each value in full below
    widths = {"指標": 180, "値": 75, "目標値": 75, "達成率": 85, "達成区分": 115, "区分": 45, "前年度": 70, "指摘": 40,
              "担当課": 80, "要因": 45, "承認": 100, "コード": 60}  # 970 px: the main area beside the sidebar is 978
    ui.table([{"指標": i.name, "値": i.value, "目標値": i.target, "達成率": i.rate, "達成区分": i.band, "区分": i.kind,
               "前年度": i.last_year, "指摘": len(i.findings), "担当課": i.department_name, "要因": i.reason,
               "承認": " / ".join(i.approvals), "コード": i.code} for i in items],
             column_config={k: st.column_config.Column(k, width=w) for k, w in widths.items()})

    by_code = {i.code: i for i in items}
    bulk_ok = [c for c, i in by_code.items()
               if set(APPROVALS) & set(actions_for(actor, i.state, i.department, cycle["state"], chain))]
    if bulk_ok:  # bulk approval: the values the table lets this person approve at their level
        st.subheader("一括承認", divider="gray")
        chosen = st.multiselect("承認する指標（エラーのある値は承認されません）", bulk_ok, key="bulk_choice",
                                placeholder="指標を選んでください", select_all=False,
                                format_func=lambda c: f"{c} {by_code[c].name}")
        if st.button("選んだ値を一括承認", disabled=not chosen, key="bulk_approve"):
            def bulk():
                result = workflow.approve_many(actor, [workflow.ValueRef(by_code[c].value_id, by_code[c].version)
                                                       for c in chosen])
                if result.skipped:
                    raise WorkflowError(f"{len(result.done)}件を承認しました。承認しなかった値: "
                                        + " / ".join(result.skipped.values()))
            _act(bulk, f"{len(chosen)}件を承認しました。")

    st.subheader("1件ずつ確認", divider="gray")
    code = st.selectbox("指標", list(by_code), format_func=lambda c: f"{c} {by_code[c].name}", key="review_one")
    it = by_code[code]
    with st.container(border=True):
        st.markdown(f"**{ui.md(it.name)}**　{ui.md(it.department_name)}　状態: {it.state_ja}")
        a, b, c, d = st.columns(4)
        a.metric("値", it.value)
        b.metric("達成率", it.rate)
        c.metric("目標値", it.target)
        d.metric("前年度の承認値", it.last_year)
        st.caption(f"達成区分: {it.band}　区分: {it.kind or '—'}　時点・期間: {it.period or '—'}　基準値: {it.baseline}　"
                   f"入力者: {it.entered_by or '—'}")
        st.text(f"要因: {it.reason or '—'}\n要因の分類: {it.category or '—'}")
        for line in it.approvals:
            st.caption(f"承認の記録: {line}")
        for f in it.findings:
            st.warning(f)
        if it.changes_since_return:
            st.info("前回の差戻し後の変更: " + " / ".join(it.changes_since_return))
        comment = st.text_area("コメント（差戻し・承認取消では必須）", key="review_comment")
        x, y = st.columns(2)
        ref = workflow.ValueRef(it.value_id, it.version)
        actions = actions_for(actor, it.state, it.department, cycle["state"], chain)  # the buttons
        for action in actions:
            if action in APPROVALS and x.button("承認", type="primary", key="approve_one"):
                _act(lambda: workflow.approve(actor, ref, comment=comment or None), f"「{it.name}」を承認しました。")
            if action in RETURNS and y.button("差戻し", key="return_one"):
                _act(lambda: workflow.return_value(actor, ref, comment), f"「{it.name}」を差し戻しました。")
            if action is Action.REOPEN and x.button("承認取消", key="reopen_one"):
                _act(lambda: workflow.reopen(actor, ref, comment), f"「{it.name}」の承認を取り消しました。")
