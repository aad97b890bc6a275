"""The approval journey in AppTest, with saves going through the real collect flow.

Editor types full-width figures and sees the band, saves, submits; the department's head approves (所属長承認, the
demo's chain 担当 → 所属長 → 行政改革推進課); reviewer returns with a comment; editor sees the comment beside the
field, corrects and resubmits; the head approves again; reviewer approves; the audit page lists every step in
order; the executive's summary changes only after the approval.
"""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import ENTRYPOINT, sign_in

CODE = "P1-1-04"  # RPA導入により削減した作業時間, target 6,000 h, baseline 0


def _open(demo_db, login, password, page):
    at = AppTest.from_file(ENTRYPOINT, default_timeout=90)
    sign_in(at, login, password, demo_db)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _summary(demo_db):
    at = _open(demo_db, "executive", "executive-pass", "views/dashboard.py")
    at.selectbox(key="cycle_select.approved").select(2022).run()
    return {m.label.removeprefix("【暫定】"): m.value for m in at.metric}  # an open year's headlines are 暫定


def _head_approves(demo_db):
    hd = _open(demo_db, "head1", "head1-pass", "views/head_review.py")
    assert hd.selectbox(key="review_one").value == CODE
    hd.button(key="approve_one").click().run()
    assert any("承認しました" in s.value for s in hd.success), [e.value for e in hd.error]


def test_submit_return_correct_resubmit_approve_journey(demo_db):
    # Editor: types a full-width value with its unit and sees the band at once.
    ed = _open(demo_db, "editor1", "editor1-pass", "views/entry.py")
    ed.text_input(key=f"entry.{CODE}.value").input("５，４４５時間").run()
    ed.selectbox(key=f"entry.{CODE}.kind").select("実績値").run()
    assert "達成率（入力値による）: **90.7%**　達成区分: 60%以上100%未満" in [m.value for m in ed.markdown]
    assert ed.text_area(key=f"entry.{CODE}.reason")  # under 100%: the reason fields are open, a reason is asked
    ed.text_area(key=f"entry.{CODE}.reason").input("導入効果が想定より小さい業務があった").run()
    ed.selectbox(key=f"entry.{CODE}.reason_category").select("その他の理由").run()
    ed.button(key="save_drafts").click().run()
    assert not ed.exception, ed.exception
    assert any("1件を下書きとして保存しました" in s.value for s in ed.success), [e.value for e in ed.error]
    ed.button(key="submit").click().run()
    assert any("1件を提出しました" in s.value for s in ed.success) or "状態: 提出済" in " ".join(m.value for m in ed.markdown)

    assert _summary(demo_db)["指標数"] == "1指標"  # only the stopped one: nothing approved yet

    # Head: approves for the department; then the reviewer returns it with a comment.
    _head_approves(demo_db)
    rv = _open(demo_db, "reviewer", "reviewer-pass", "views/review.py")
    assert rv.selectbox(key="review_one").value == CODE
    rv.text_area(key="review_comment").input("期間（時点）を記入してください").run()
    rv.button(key="return_one").click().run()
    assert any("差し戻しました" in s.value for s in rv.success), [e.value for e in rv.error]

    # Editor: sees the comment beside the field, corrects and resubmits.
    ed = _open(demo_db, "editor1", "editor1-pass", "views/entry.py")
    assert any("差戻しコメント: 期間（時点）を記入してください" in w.value for w in ed.warning)
    ed.text_input(key=f"entry.{CODE}.period").input("R4.10時点").run()
    ed.button(key="save_drafts").click().run()
    assert any("1件を下書きとして保存しました" in s.value for s in ed.success), [e.value for e in ed.error]
    ed.button(key="submit").click().run()

    # Head approves again; reviewer sees what changed since the return, approves.
    _head_approves(demo_db)
    rv = _open(demo_db, "reviewer", "reviewer-pass", "views/review.py")
    assert any("前回の差戻し後の変更" in i.value for i in rv.info)
    rv.button(key="approve_one").click().run()
    assert any("承認しました" in s.value for s in rv.success), [e.value for e in rv.error]

    # Executive: the summary now counts the approved value.
    after = _summary(demo_db)
    assert after["指標数"] == "2指標"

    # Audit page: save, submit, head approval, return, save, submit, head approval, approve — in order.
    au = _open(demo_db, "reviewer", "reviewer-pass", "views/audit.py")
    au.selectbox(key="audit_cycle").select(2022).run()
    au.text_input(key="audit_code").input(CODE).run()
    steps = list(au.dataframe[0].value["操作"])
    assert steps == ["保存", "提出", "所属長承認", "差戻し", "保存", "提出", "所属長承認", "承認"]
