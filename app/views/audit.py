"""監査ログ: every edit and transition, filtered and exported (reviewers and administrators)."""
import datetime as dt

import streamlit as st

from app import session, ui
from kpi.domain.audit_labels import ENTITIES_JA, action_ja, change_lines, entity_ja, role_ja
from kpi.domain.formatting import fiscal_year_ja, format_jst, utc_start_of
from kpi.domain.workflow import STATE_LABELS_JA, State
from kpi.io.export import csv_bytes
from kpi.services import directory, review

actor = ui.logged_in()
st.title("監査ログ")
cycles = session.cycles(actor)  # read with the run's session check
depts = {d["code"]: d["name"] for d in directory.list_departments(actor)}
c1, c2, c3 = st.columns(3)
fy = c1.selectbox("年度", [None] + [c["fiscal_year"] for c in cycles], key="audit_cycle",
                  format_func=lambda y: "すべて" if y is None else f"{y}年度")
dept = c2.selectbox("担当課", [None, *depts], key="audit_dept", format_func=lambda c: "すべて" if c is None else depts[c])
code = c3.text_input("指標コード", key="audit_code")
d1, d2, d3, d4 = st.columns(4)
entity = d1.selectbox("対象", [None, *ENTITIES_JA], key="audit_entity",
                      format_func=lambda e: "すべて" if e is None else ENTITIES_JA[e])
person = d2.text_input("操作者（ログインID）", key="audit_person")
since = until = None
if d3.toggle("期間で絞り込む", key="audit_period"):  # a date field left empty would show its English format as placeholder
    since = d3.date_input("開始日", value=dt.date.today() - dt.timedelta(days=30), key="audit_since")
    until = d4.date_input("終了日", value=dt.date.today(), key="audit_until")


def _label(value, labels, enum):
    try:
        return labels[enum(value)]
    except (ValueError, KeyError):
        return value or ""


rows = review.audit_trail(actor, fiscal_year=fy, department=dept, indicator_code=code or None, person=person.strip() or None,
                          since=utc_start_of(since), until=utc_start_of(until + dt.timedelta(days=1)) if until else None,
                          entity=entity)
shown = [{"日時（日本時間）": format_jst(r["occurred_at"], seconds=True, zone=False), "操作者": r["actor"],
          "役割": role_ja(r["role"]), "操作": action_ja(r["action"]), "対象": entity_ja(r["entity"]),
          "対象ID": r["entity_id"] or "",
          "変更内容": "／".join(change_lines(r["old_value"], r["new_value"])) if r["entity"] != "value" else "",
          "年度": fiscal_year_ja(r["fiscal_year"]) if r["fiscal_year"] else "", "コード": r["code"] or "",
          "指標": r["indicator_name"] or "", "変更前の状態": _label(r["from_state"], STATE_LABELS_JA, State),
          "変更後の状態": _label(r["to_state"], STATE_LABELS_JA, State), "変更前の値": (r["old_value"] or "") if r["entity"] == "value" else "",
          "変更後の値": (r["new_value"] or "") if r["entity"] == "value" else "", "コメント": r["comment"] or "", "受付番号": str(r["batch_id"]) if r["batch_id"] else ""}
         for r in rows]
st.caption(f"{len(shown)}件")
ui.table(shown)
st.download_button("表示中のログをCSVでダウンロード", csv_bytes(shown), file_name="audit_log.csv", mime="text/csv",
                   key="audit_csv", disabled=not shown)
