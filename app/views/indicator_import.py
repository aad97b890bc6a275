"""指標の取込: reviewers and administrators import an indicator list as planning documents print it."""
import streamlit as st

from app import session, ui
from kpi.domain.workflow import Role
from kpi.io.export import csv_bytes
from kpi.io.indicator_import import write_indicator_template
from kpi.services import indicator_import
from kpi.services.actors import Forbidden

RESULT = "indicator_import.result"  # the last import's report, shown after the rerun
UPLOAD_ROUND = "indicator_import.round"  # bumped after an import, so the uploader starts empty again
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

actor = ui.logged_in()
st.title("指標の取込")
if not actor.has(Role.REVIEWER, Role.ADMIN):
    st.error("指標の取込は審査担当・システム管理者だけが行えます。")
    st.stop()

st.markdown("計画書に載っている形のまま（現状「710社 (2022年度)」、目標「720社 (2027年度)」「増加を目指します」「85%以上」"
            "「県・52市町村・13林業事業体」など）の指標の一覧を、Excel（.xlsx）か CSV で取り込みます。"
            "読み取れないセルが1つでもあれば何も取り込まず、行と列ごとの問題を一覧にします。")
st.download_button("取込用テンプレート（記入方法付き）をダウンロード", write_indicator_template(),
                   file_name="指標一覧_取込用テンプレート.xlsx", mime=XLSX, icon=":material/download:",
                   key="template_download")


def show_problems(report: indicator_import.ImportReport) -> None:
    """Every problem of a refused file, and the same list as a CSV."""
    st.error(f"取り込めませんでした（何も保存していません）。次の {len(report.problems)} 件を直して、もう一度アップロードしてください。")
    details = report.details or [{"row": p.row, "column": p.column, "text": "", "message": p.message}
                                 for p in report.problems]
    ui.table([{"行": p["row"] or "", "列": p["column"] or "", "セルの内容": p["text"] or "", "内容": p["message"]}
              for p in details])
    st.download_button("問題の一覧をCSVでダウンロード", indicator_import.problems_csv(report),
                       file_name="指標取込_問題一覧.csv", mime="text/csv", key="problems_download")


done = st.session_state.pop(RESULT, None)
if done is not None:
    st.success(f"戦略「{done.strategy}」に{done.imported}指標を取り込みました。")
    if done.created_pillars or done.created_items:
        st.info("新しく作った柱・項目: " + "、".join(done.created_pillars + done.created_items))
    ui.table(done.rows)
    st.download_button("取り込んだ指標の一覧をCSVでダウンロード", csv_bytes(done.rows), file_name="指標取込_結果.csv",
                       mime="text/csv", key="result_download")

try:
    strategies = indicator_import.list_strategies(actor)
except Forbidden as exc:
    st.error(str(exc))
    st.stop()
if not strategies:
    st.info("戦略がまだありません。初期データを読み込んでください。")
    st.stop()
labels = {s["code"]: f"{s['name']}（{s['code']}、第{s['version']}版）" for s in strategies}
strategy = st.selectbox("取り込む先の戦略", list(labels), format_func=labels.get, key="import_strategy")
ERAS = {"": "戦略の設定のまま", "平成": "平成", "令和": "令和", "昭和": "昭和"}
era = st.selectbox("記載の元号（「（31年度）」のように元号のない年を読む元号。計画を策定した時の元号）", list(ERAS),
                   format_func=ERAS.get, key="import_era") or None
ui.uploader_in_japanese()
upload = st.file_uploader("指標の一覧（.xlsx または .csv）", type=["xlsx", "csv"],
                          key=f"import_file.{st.session_state.get(UPLOAD_ROUND, 0)}")
if upload is None:
    st.stop()

data = upload.getvalue()
preview = indicator_import.preview_indicator_file(actor, data, filename=upload.name, strategy=strategy, era=era)
doc = indicator_import.dry_run_document(preview)
st.caption(f"{doc['rows']}行中 {doc['read']}行を読み取り、{doc['refused']}行に問題があります"
           f"（記載の元号: {doc['era'] or '未設定'}）。")
if preview.status == "refused":
    show_problems(preview)
    st.stop()

st.subheader(f"読み取り結果（{len(preview.rows)}指標）", divider="gray")
if preview.created_pillars or preview.created_items:
    st.info("取り込むと新しく作られる柱・項目: " + "、".join(preview.created_pillars + preview.created_items))
ui.table(preview.rows)
if st.button(f"{len(preview.rows)}指標を取り込む", type="primary", key="import_run"):
    report = indicator_import.import_indicator_file(actor, data, filename=upload.name, strategy=strategy, era=era)
    if report.status == "imported":
        session.clear_caches()
        st.session_state[RESULT] = report
        st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1
        st.rerun()
    show_problems(report)
