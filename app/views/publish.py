"""公表資料: reviewers publish an edition from approved data; everyone downloads published editions.

A 公表版 only from a closed or finalized year; from an open year only a 速報（中間）版. Either way the reviewer first
reads a confirmation naming the year, the edition and the coverage (承認済 n / 全 m 指標), then confirms.
"""
import streamlit as st

from app import session, state, ui
from kpi.domain.workflow import Role
from app import jobs as runner
from kpi.services import publishing

actor = ui.logged_in()
st.title("公表資料")
cycle = ui.cycle_picker(actor)
if cycle is None:
    st.stop()
fy = cycle["fiscal_year"]


def confirm(plan: dict) -> None:
    """The confirmation naming year, edition and coverage; publishing starts only from its button."""
    cov = plan["coverage"]
    interim = plan["kind"] == "interim"
    confirmed = bool(plan["confirmed"] and st.session_state.get("publish_confirmed"))  # 見込 → 確定
    with st.container(border=True, key="publish_confirm"):
        st.markdown(f"**{plan['label']}の{plan['confirmed_label' if confirmed else 'edition_label']}を作成します。**")
        st.markdown(f"- 年度: {plan['label']}（{plan['state_label']}）\n- 版: {plan['edition_label']}\n"
                    f"- 対象: {cov.text}（" + "、".join(f"{p.no}.{p.name} {p.text}" for p in cov.pillars) + "）")
        if interim:
            st.warning("速報（中間）版には、スライドとPDFの全ページ・オープンデータのメタデータに「速報（中間）版」と"
                       "承認済の指標数が表示されます。数値は確定していません。")
        st.caption("作成した版は、後で値が訂正されても変わりません（訂正は新しい版として作成します）。")
        agreed = st.checkbox("年度・版・対象の指標数を確認しました", key=state.PUBLISH_AGREE)
        c1, c2 = st.columns(2)
        if c1.button("作成する", type="primary", disabled=not agreed, key="publish_go"):
            st.session_state.pop(state.PUBLISH_PENDING, None)
            note = st.session_state.get("publish_note") or None
            st.session_state[state.PUBLISH_JOB] = (runner.start_publish(actor, fy, note=note, interim=interim,
                                                                        confirmed=confirmed), interim)
            st.rerun()
        if c2.button("やめる", key="publish_cancel"):
            st.session_state.pop(state.PUBLISH_PENDING, None)
            st.rerun()


@st.fragment(run_every=0.5)
def progress(token: str, interim: bool) -> None:
    """The running publication's progress, redrawn every half second (the session thread never waits on it);
    once it has finished, its outcome is kept for the page and the job forgotten."""
    job = runner.job(token)
    if job is None or job.done:
        if job is None:
            outcome = ("error", "作成できませんでした: 作成中の処理が見つかりません（アプリが再起動された可能性があります）")
        elif job.error:
            outcome = ("error", f"作成できませんでした: {job.error}")
        else:
            outcome = ("ok", f"{job.edition_label}を{'作成' if interim else '公表'}しました")
        st.session_state[state.PUBLISH_MESSAGE] = outcome
        st.session_state.pop(state.PUBLISH_JOB, None)
        runner.forget(token)
        session.clear_caches()
        st.rerun()
    st.progress(min(job.fraction, 1.0), text=job.text)


running = st.session_state.get(state.PUBLISH_JOB)
if running is not None:
    progress(*running)
elif actor.has(Role.REVIEWER):
    plan = publishing.plan(actor, fy)
    with st.container(border=True):
        st.markdown(f"**{plan['label']}**　状態: **{plan['state_label']}**　{plan['coverage'].text}")
        if plan["kind"] is None:
            st.info(f"{plan['label']}は{plan['state_label']}のため、公表資料は作成できません。")
        else:
            st.markdown("承認済みの値から、スライド（PowerPoint）・集計表（Excel）・PDF・オープンデータを作成し、"
                        "版として確定します。")
            if plan["kind"] == "interim":
                st.warning(f"{plan['label']}は受付中のため、公表版は作成できません。締切後に公表してください。"
                           "途中経過は速報（中間）版として作成できます。")
            st.text_input("版の説明（任意、例: 誤記訂正）", key="publish_note")
            if plan["confirmed"]:  # 見込 → 確定: the approved 確定値 in place of the projections, and their table
                st.checkbox(f"確定値反映版として作成する（承認済の確定値 {plan['confirmed']}件を見込値・速報値に替え、"
                            "「見込 → 確定」の表を載せます。既に公表した版はそのまま残ります）", key="publish_confirmed")
            if st.session_state.get(state.PUBLISH_PENDING) != fy:
                asked = "速報（中間）版を作成する" if plan["kind"] == "interim" else "公表版を作成する"
                if st.button(asked, type="primary", key="publish"):
                    st.session_state[state.PUBLISH_PENDING] = fy
                    st.session_state[state.PUBLISH_AGREE] = False
                    st.rerun()
            else:
                confirm(plan)

message = st.session_state.pop(state.PUBLISH_MESSAGE, None)
if message:
    (st.success if message[0] == "ok" else st.error)(message[1])

editions = publishing.list_editions(actor, fy)
if not editions:
    st.info("この年度の公表資料はまだありません。")
    st.stop()
for ed in editions:
    with st.expander(f"{ed['edition_label']}　{ed['published_label']}　{ed['note'] or ''}",
                     expanded=ed is editions[0]):
        if ed["interim"]:
            st.warning(f"速報（中間）版です（{ed['coverage_text']}）。数値は確定していません。")
        st.caption(f"{ed['title']}　公表者: {ed['published_by']}")
        for f in publishing.edition_files(actor, ed["edition_id"]):
            st.download_button(f"{f['name']} をダウンロード", f["content"], file_name=f["name"].replace("/", "_"),
                               mime=f["mime"], key=f"dl-{ed['edition_id']}-{f['name']}",
                               on_click="ignore")  # a download needs no rerun (it would send every file again)
if len(editions) > 1:
    st.subheader("版の比較", divider="gray")
    labels = {e["edition_id"]: e["edition_label"] for e in editions}
    c1, c2 = st.columns(2)
    old = c1.selectbox("比較元", list(labels)[1:], format_func=labels.get, key="diff_old")
    new = c2.selectbox("比較先", list(labels), format_func=labels.get, key="diff_new")
    changes = publishing.diff_editions(actor, old, new)
    if changes:
        ui.table(changes)
    else:
        st.info("2つの版の数値・達成区分・要因に違いはありません。")
