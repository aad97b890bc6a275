"""回収状況: for reviewers, a completeness grid of a cycle: every department × state (未入力・下書き・提出済・
所属長承認済・差戻し・承認済) with counts; choosing a department shows its indicators and a 督促 button for it."""
import streamlit as st

from app import ui
from kpi.services import collection
from kpi.services.reminders import ReminderError

actor = ui.logged_in()
st.title("回収状況")
cycle = ui.cycle_picker(actor, prefer="open")
if cycle is None:
    st.stop()
fy = cycle["fiscal_year"]
p = collection.grid(actor, fy)
o = p["overall"]
c1, c2, c3, c4 = st.columns(4)
c1.metric("提出・承認済の割合", f"{o['completeness_percent']}%")
c2.metric("承認済", f"{o['counts']['approved']:,} / {o['total']:,}指標")
c3.metric("締切", f"{p['deadline']:%Y-%m-%d}" if p["deadline"] else "未設定")
c4.metric("締切を過ぎて未完了の担当課", f"{len(p['overdue'])}課")
if p["overdue"]:
    st.warning("締切を過ぎて未完了: " + "、".join(r["department_name"] for r in p["overdue"]))

labels = [s["label"] for s in p["states"]]
rows = [{"担当課": r["department_name"], **{s["label"]: r["counts"][s["key"]] for s in p["states"]}, "計": r["total"],
         "完了率": r["completeness_percent"],
         "状況": "締切超過" if r["overdue"] else ("完了" if r["complete"] else "回収中")} for r in p["departments"]]
rows.append({"担当課": "全体", **{s["label"]: o["counts"][s["key"]] for s in p["states"]}, "計": o["total"],
             "完了率": o["completeness_percent"], "状況": ""})
st.subheader("担当課 × 状態", divider="gray")
st.caption("数字は指標数です（進捗管理を停止した指標を除く）。行を選ぶと、その担当課の指標と督促ボタンを表示します。")
config = {"担当課": st.column_config.TextColumn("担当課", width=230, pinned=True),  # all fits a 1440 px window
          **{label: st.column_config.NumberColumn(label, width="small") for label in labels},
          "計": st.column_config.NumberColumn("計", width="small"),
          "完了率": st.column_config.ProgressColumn("完了率（提出・承認済）", min_value=0, max_value=100, format="%.1f%%",
                                                 width=160),
          "状況": st.column_config.TextColumn("状況", width="small")}
picked = ui.clickable_table(rows, key="progress_grid", column_config=config, height=36 * (len(rows) + 1) + 4)

if picked is not None and picked < len(p["departments"]):
    dept = p["departments"][picked]
    with st.container(border=True, key="progress_department"):
        st.subheader(f"{dept['department_name']}の指標")
        owes = dept["counts"]["none"] + dept["counts"]["draft"] + dept["counts"]["returned"]
        if cycle["state"] == "open" and owes:
            if st.button(f"{dept['department_name']}に督促する（未提出・差戻し {owes}件）", key="remind_department",
                         icon=":material/notifications:"):
                try:
                    result = collection.remind_department(actor, fy, dept["department"])
                except ReminderError as exc:
                    st.error(str(exc))
                else:
                    if result.sent:
                        st.success(f"{dept['department_name']}に督促しました。")
                    for name, why in result.skipped:
                        st.info(f"{name}: {why}")
        elif not owes:
            st.caption("未提出・差戻しの指標はありません。")
        ui.table([{"指標": r["name"], "値": r["value_text"] or "—", "達成率": r["rate_text"], "達成区分": r["band_ja"],
                   "状態": r["state_ja"], "コード": r["code"]}
                  for r in collection.department_indicators(actor, fy, dept["department"])],
                 column_config={"指標": st.column_config.TextColumn("指標", width="large")})
