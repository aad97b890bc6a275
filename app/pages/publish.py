"""公表資料: reviewers publish an edition from approved data; everyone downloads published editions."""
import time

import streamlit as st

from app import session, state, ui
from kpi.domain.workflow import Role
from kpi.platform import publishing_runner
from kpi.services import publishing

actor = ui.logged_in()
st.title("公表資料")
cycle = ui.cycle_picker(actor)
if cycle is None:
    st.stop()

if actor.has(Role.REVIEWER):
    with st.container(border=True):
        st.markdown("承認済みの値から、スライド（PowerPoint）・集計表（Excel）・PDF・オープンデータを作成し、版として確定します。"
                    "確定した版は、後で値が訂正されても変わりません。")
        note = st.text_input("版の説明（任意、例: 誤記訂正）", key="publish_note")
        if st.button("この年度の報告書を公表する", type="primary", key="publish"):
            token = publishing_runner.start(actor, cycle["fiscal_year"], note=note or None)
            bar = st.progress(0.0, text="開始しています…")
            while not (job := publishing_runner.job(token)).done:
                bar.progress(min(job.fraction, 1.0), text=job.text)
                time.sleep(0.3)
            if job.error:
                st.session_state[state.PUBLISH_MESSAGE] = ("error", f"公表できませんでした: {job.error}")
            else:
                st.session_state[state.PUBLISH_MESSAGE] = ("ok", f"第{job.edition_no}版を公表しました"
                                                                 + ("（Prefect フロー publish_report）" if job.via_prefect else ""))
            session.clear_caches()
            st.rerun()

message = st.session_state.pop(state.PUBLISH_MESSAGE, None)
if message:
    (st.success if message[0] == "ok" else st.error)(message[1])

editions = publishing.list_editions(actor, cycle["fiscal_year"])
if not editions:
    st.info("この年度の公表資料はまだありません。")
    st.stop()
for ed in editions:
    with st.expander(f"第{ed['edition_no']}版　{ed['published_at']:%Y-%m-%d %H:%M}　{ed['note'] or ''}",
                     expanded=ed is editions[0]):
        st.caption(f"{ed['title']}　公表者: {ed['published_by']}")
        for f in publishing.edition_files(actor, ed["edition_id"]):
            st.download_button(f"{f['name']} をダウンロード", f["content"], file_name=f["name"].replace("/", "_"),
                               mime=f["mime"], key=f"dl-{ed['edition_id']}-{f['name']}")
if len(editions) > 1:
    st.subheader("版の比較", divider="gray")
    labels = {e["edition_id"]: f"第{e['edition_no']}版" for e in editions}
    c1, c2 = st.columns(2)
    old = c1.selectbox("比較元", list(labels)[1:], format_func=labels.get, key="diff_old")
    new = c2.selectbox("比較先", list(labels), format_func=labels.get, key="diff_new")
    changes = publishing.diff_editions(actor, old, new)
    if changes:
        ui.table(changes)
    else:
        st.info("2つの版の数値・達成区分・要因に違いはありません。")
