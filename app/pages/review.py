"""審査・承認: the queue of submitted values, approve or return one, approve many at once."""
import streamlit as st

from app import session, state, ui
from kpi.domain.workflow import Action, WorkflowError
from kpi.services import directory, review, summaries, workflow
from kpi.services.actors import Forbidden
from kpi.services.permissions import actions_for
from kpi.services.listing import state_counts

actor = ui.logged_in()
st.title("審査・承認")
cycle = ui.cycle_picker(actor, prefer="open")
if cycle is None:
    st.stop()
message = st.session_state.pop(state.REVIEW_MESSAGE, None)
if message:
    (st.success if message[0] == "ok" else st.error)(message[1])

counts = state_counts(summaries.department_view(cycle["fiscal_year"], actor=actor).rows)
for col, (label, n) in zip(st.columns(len(counts)), counts.items()):
    col.metric(label, f"{n}件")

depts = {d["code"]: d["name"] for d in directory.list_departments(actor)}
f1, f2, f3 = st.columns(3)
dept = f1.selectbox("担当課", [None, *depts], format_func=lambda c: "すべて" if c is None else depts[c], key="review_dept")
pillar = f2.selectbox("柱", [None, 1, 2, 3], format_func=lambda p: "すべて" if p is None else f"柱{p}", key="review_pillar")
shown_state = f3.selectbox("状態", ["submitted", "returned", "approved", "draft"], key="review_state",
                           format_func={"submitted": "提出済（審査待ち）", "returned": "差戻し", "approved": "承認済",
                                        "draft": "下書き"}.get)
items = review.queue(actor, cycle["fiscal_year"], state=shown_state, department=dept, pillar=pillar)
if not items:
    st.info("該当する値はありません。")
    st.stop()

# indicator, value, target, rate and band first, sized to fit a 1440 px window; each value in full below (1件ずつ確認)
QUEUE_WIDTHS = {"指標": 200, "値": 80, "目標値": 80, "達成率": 90, "達成区分": 115, "区分": 50, "前年度": 80, "指摘": 40,
                "担当課": 95, "要因": 60, "コード": 70}
ui.table([{"指標": i.name, "値": i.value, "目標値": i.target, "達成率": i.rate, "達成区分": i.band, "区分": i.kind,
           "前年度": i.last_year, "指摘": len(i.findings), "担当課": i.department_name, "要因": i.reason, "コード": i.code}
          for i in items],
         column_config={k: st.column_config.Column(k, width=w) for k, w in QUEUE_WIDTHS.items()})


def act(fn, ok_text: str) -> None:
    """Run a workflow action; remember its outcome for the next run and refresh."""
    try:
        fn()
    except (WorkflowError, Forbidden) as exc:
        st.session_state[state.REVIEW_MESSAGE] = ("error", str(exc))
    else:
        st.session_state[state.REVIEW_MESSAGE] = ("ok", ok_text)
        session.clear_caches()
    st.rerun()


by_code = {i.code: i for i in items}
if Action.APPROVE in actions_for(actor, shown_state):  # bulk approval: where the table lets this person approve
    st.subheader("一括承認", divider="gray")
    chosen = st.multiselect("承認する指標（エラーのある値は承認されません）", list(by_code), key="bulk_choice",
                            placeholder="指標を選んでください", select_all=False,
                            format_func=lambda c: f"{c} {by_code[c].name}")
    if st.button("選んだ値を一括承認", disabled=not chosen, key="bulk_approve"):
        def bulk():
            result = workflow.approve_many(actor, [workflow.ValueRef(by_code[c].value_id, by_code[c].version)
                                                   for c in chosen])
            if result.skipped:
                raise WorkflowError(f"{len(result.done)}件を承認しました。承認しなかった値: " + " / ".join(result.skipped.values()))
        act(bulk, f"{len(chosen)}件を承認しました。")

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
    for f in it.findings:
        st.warning(f)
    if it.changes_since_return:
        st.info("前回の差戻し後の変更: " + " / ".join(it.changes_since_return))
    comment = st.text_area("コメント（差戻し・承認取消では必須）", key="review_comment")
    x, y = st.columns(2)
    ref = workflow.ValueRef(it.value_id, it.version)
    actions = actions_for(actor, it.state)  # the buttons: what the workflow table lets this reviewer do here
    if Action.APPROVE in actions:
        if x.button("承認", type="primary", key="approve_one"):
            act(lambda: workflow.approve(actor, ref, comment=comment or None), f"「{it.name}」を承認しました。")
    if Action.RETURN in actions:
        if y.button("差戻し", key="return_one"):
            act(lambda: workflow.return_value(actor, ref, comment), f"「{it.name}」を差し戻しました。")
    if Action.REOPEN in actions:
        if x.button("承認取消", key="reopen_one"):
            act(lambda: workflow.reopen(actor, ref, comment), f"「{it.name}」の承認を取り消しました。")
