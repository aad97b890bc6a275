"""督促・通知: for reviewers and administrators, per open cycle the reminder days and automatic closing, who still
owes what, a 今すぐ督促 button (the scheduled flow's own service function) and the notices sent."""
from datetime import timedelta

import streamlit as st

from app import confirm_section, ui
from kpi.domain.formatting import fiscal_year_label
from kpi.services import reminders
from kpi.services.actors import Forbidden

MESSAGE = "reminders.message"  # outcome of the last save, shown after the rerun
RESULT = "reminders.result"  # the last 今すぐ督促 result, kept across reruns

actor = ui.logged_in()
st.title("督促・通知")
open_cycles = reminders.cycles(actor, state="open")
if not open_cycles:
    st.info("受付中の集計サイクルはありません。督促は受付中のサイクルについて行います。")
    confirm_section.render_owed(actor)  # 見込 → 確定: the 確定値 finished years still owe
    st.stop()
by_year = {c["fiscal_year"]: c for c in open_cycles}
fy = st.selectbox("年度（受付中）", list(by_year), format_func=fiscal_year_label, key="reminders.cycle")
cycle = by_year[fy]
deadline = cycle["deadline"]

note = st.session_state.pop(MESSAGE, None)
if note:
    st.success(note)

st.subheader("督促の設定")
st.markdown(f"締切: **{reminders.date_ja(deadline)}**（締切日はサイクルの管理で設定します）")
with st.form("reminders.settings"):
    c1, c2 = st.columns(2)
    before = c1.number_input("締切前の督促（日前）", min_value=0, max_value=reminders.DAYS_MAX,
                             value=int(cycle["days_before"]), step=1, key="reminders.days_before")
    after = c2.number_input("締切後の督促（日後）", min_value=1, max_value=reminders.DAYS_MAX,
                            value=int(cycle["days_after"]), step=1, key="reminders.days_after")
    auto = st.toggle("締切を過ぎたら自動で締め切る（担当課は入力できなくなります）", value=bool(cycle["auto_close"]),
                     key="reminders.auto_close")
    if st.form_submit_button("設定を保存", icon=":material/save:", key="reminders.save"):
        try:
            reminders.update_settings(actor, fy, days_before=before, days_after=after, auto_close=auto)
        except (reminders.ReminderError, Forbidden) as exc:
            st.error(str(exc))
        else:
            st.session_state[MESSAGE] = "督促の設定を保存しました。"
            st.rerun()
if deadline is not None:
    st.caption(f"毎朝の定期処理で、{reminders.date_ja(deadline - timedelta(days=int(cycle['days_before'])))}から締切までに1回、"
               f"{reminders.date_ja(deadline + timedelta(days=int(cycle['days_after'])))}以降に1回、"
               "未提出・差戻しのある担当課に督促します（同じ日に2回は送りません）。"
               + ("締切の翌日に自動で締め切ります。" if cycle["auto_close"] else ""))
else:
    st.warning("締切が設定されていないため、定期の督促は行われません。")

st.subheader("未提出・差戻しのある担当課")
owing = reminders.who_owes_what(actor, fy)
if owing:
    ui.table([{"担当課": d.department_name, "未提出": len(d.missing), "差戻し": len(d.returned),
               "指標": "、".join(f"{i.code}（{i.label}）" for i in d.missing + d.returned)} for d in owing])
else:
    st.success("すべての担当課が提出済です。")

if st.button("今すぐ督促", type="primary", icon=":material/campaign:", disabled=not owing,
             key="reminders.now"):
    try:
        st.session_state[RESULT] = reminders.remind(actor, fy, manual=True)
    except (reminders.ReminderError, Forbidden) as exc:
        st.error(str(exc))
result = st.session_state.get(RESULT)
if result is not None and result.fiscal_year == fy:
    if result.sent:
        st.success(f"{len(result.sent)}課に督促しました（{reminders.date_ja(result.today)}）。")
        ui.table(result.rows())
    if result.skipped:
        st.info("督促しなかった担当課: " + "、".join(f"{name}（{why}）" for name, why in result.skipped))

st.subheader("送信した通知")
sent = reminders.notices(actor, fy)
if not sent:
    st.caption("まだ通知はありません。")
else:
    ui.table([{"日付": reminders.date_ja(n["notice_date"]), "担当課": n["department_name"], "種別": n["kind_label"],
               "未提出": n["missing_count"], "差戻し": n["returned_count"], "宛先": n["recipients"] or "—",
               "メール": n["mail_label"], "件名": n["subject"]} for n in sent])
    chosen = st.selectbox("本文を表示", range(len(sent)), key="reminders.body",
                          format_func=lambda i: f"{reminders.date_ja(sent[i]['notice_date'])} {sent[i]['department_name']}")
    st.text(sent[chosen]["body"])
confirm_section.render_owed(actor)  # 見込 → 確定: the 確定値 finished years still owe
