"""監査ログ: every edit and transition, filtered and exported (reviewers and administrators)."""
import datetime as dt

import streamlit as st

from app import ui
from kpi.domain.formatting import format_jst
from kpi.domain.workflow import ACTION_LABELS_JA, ROLE_LABELS_JA, STATE_LABELS_JA, Action, Role, State
from kpi.io.export import csv_bytes
from kpi.services import directory, review

actor = ui.logged_in()
st.title("監査ログ")
cycles = directory.list_cycles(actor)
depts = {d["code"]: d["name"] for d in directory.list_departments(actor)}
c1, c2, c3 = st.columns(3)
fy = c1.selectbox("年度", [None] + [c["fiscal_year"] for c in cycles], key="audit_cycle",
                  format_func=lambda y: "すべて" if y is None else f"{y}年度")
dept = c2.selectbox("担当課", [None, *depts], key="audit_dept", format_func=lambda c: "すべて" if c is None else depts[c])
code = c3.text_input("指標コード", key="audit_code")
d1, d2, d3 = st.columns(3)
person = d1.text_input("操作者（ログインID）", key="audit_person")
since = until = None
if d2.toggle("期間で絞り込む", key="audit_period"):  # a date field left empty would show its English format as placeholder
    since = d2.date_input("開始日", value=dt.date.today() - dt.timedelta(days=30), key="audit_since")
    until = d3.date_input("終了日", value=dt.date.today(), key="audit_until")


def _label(value, labels, enum):
    try:
        return labels[enum(value)]
    except (ValueError, KeyError):
        return value or ""


rows = review.audit_trail(actor, fiscal_year=fy, department=dept, indicator_code=code or None, person=person.strip() or None,
                          since=since, until=(until + dt.timedelta(days=1)) if until else None)
shown = [{"日時（日本時間）": format_jst(r["occurred_at"], seconds=True, zone=False), "操作者": r["actor"],
          "役割": _label(r["role"], ROLE_LABELS_JA, Role),
          "操作": _label(r["action"], ACTION_LABELS_JA, Action), "年度": r["fiscal_year"] or "", "コード": r["code"] or "",
          "指標": r["indicator_name"] or "", "変更前の状態": _label(r["from_state"], STATE_LABELS_JA, State),
          "変更後の状態": _label(r["to_state"], STATE_LABELS_JA, State), "変更前の値": r["old_value"] or "",
          "変更後の値": r["new_value"] or "", "コメント": r["comment"] or "", "受付番号": r["batch_id"] or ""}
         for r in rows]
st.caption(f"{len(shown)}件")
ui.table(shown)
st.download_button("表示中のログをCSVでダウンロード", csv_bytes(shown), file_name="audit_log.csv", mime="text/csv",
                   key="audit_csv", disabled=not shown)
