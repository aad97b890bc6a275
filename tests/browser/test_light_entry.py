"""Light entry on the 入力 page, in Chromium: last year's period moved on a year is suggested in the empty field and
saved only with what the person saves, a typed period is never replaced by the suggestion, 「前年度と同じ値で確定」
saves last year's figure and submits it after a confirmation, and the summary at the top says what the department
still owes across the approval chain (the warehouse's counts). Works on KENDO's FY2022 values and looks at SHOGAI's
(last year's reason category suggested), which no other browser test touches; asserts what the person sees and what
the warehouse holds (`kpi values --format json`).
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

import warehouse
from tests.browser.test_keeping_entries import card, close, idle, open_page, stored, type_value

pytestmark = pytest.mark.browser

SAME, TYPED, UNTOUCHED = "P2-1-22", "P2-3-13", "P2-3-12"  # FY2021: 342箇所 (R3.10時点), 78.6% (R3.10時点), 73件
PERIOD = "時点・期間（例: 4月～8月、R3.12時点）"
COVID = "新型コロナウイルス感染症の影響が大きいと思われるもの"  # SHOGAI's P2-1-11 in FY2021: 7,500件, this category
CHAIN_SQL = """
SELECT v.state FROM indicators i
LEFT JOIN (SELECT w.* FROM indicator_values w JOIN cycles c USING (cycle_id) WHERE c.fiscal_year = 2022) v
  ON v.indicator_id = i.indicator_id
WHERE i.department_code = ? AND i.status = 'active'
"""
LABELS = {None: "未入力", "draft": "下書き", "returned": "差戻し", "submitted": "所属長承認待ち",
          "head_approved": "課の審査待ち", "approved": "承認済"}  # the demo's chain 担当 → 所属長 → 行政改革推進課


def entered(live_app) -> dict[str, dict]:
    """KENDO's FY2022 values that exist (kpi values lists every indicator, 未入力 ones with state none)."""
    return {c: r for c, r in stored(live_app, "KENDO").items() if r["state"] != "none"}


def periods(live_app) -> dict[str, str | None]:
    """The period text stored with each of KENDO's FY2022 values (kpi values does not print it)."""
    with warehouse.connect(live_app["db"]) as con:
        rows = con.execute("SELECT i.code, v.period_text FROM indicator_values v JOIN indicators i USING (indicator_id)"
                           " JOIN cycles c USING (cycle_id) WHERE c.fiscal_year = 2022 AND i.department_code = 'KENDO'"
                           ).fetchall()
    return dict(rows)


def held_counts(live_app, department: str) -> dict[str, str]:
    """What the summary should say, counted from the warehouse: the department's FY2022 values by state."""
    with warehouse.connect(live_app["db"]) as con:
        states = [s for (s,) in con.execute(CHAIN_SQL, [department]).fetchall()]
    return {label: f"{states.count(state)}件" for state, label in LABELS.items()}


def last_year(live_app, code: str) -> tuple:
    """The FY2021 approved figure of an indicator (text and number)."""
    with warehouse.connect(live_app["db"]) as con:
        return con.execute("SELECT v.value_text, v.value_number FROM indicator_values v JOIN indicators i"
                           " USING (indicator_id) JOIN cycles c USING (cycle_id) WHERE c.fiscal_year = 2021"
                           " AND v.state = 'approved' AND i.code = ?", [code]).fetchone()


def figure(live_app, code: str) -> tuple:
    """The FY2022 figure of an indicator (text and number)."""
    with warehouse.connect(live_app["db"]) as con:
        return con.execute("SELECT v.value_text, v.value_number FROM indicator_values v JOIN indicators i"
                           " USING (indicator_id) JOIN cycles c USING (cycle_id) WHERE c.fiscal_year = 2022"
                           " AND i.code = ?", [code]).fetchone()


def expect_summary(page, expected: dict[str, str]) -> None:
    """The summary at the top of 入力 shows exactly these metrics (label → value), in this order."""
    box = page.locator(".st-key-owed_summary")
    metrics = box.get_by_test_id("stMetric")
    expect(metrics).to_have_count(len(expected))
    for i, (label, value) in enumerate(expected.items()):
        expect(metrics.nth(i).get_by_test_id("stMetricLabel")).to_have_text(label)
        expect(metrics.nth(i).get_by_test_id("stMetricValue")).to_have_text(value)


def test_suggestions_same_value_and_the_summary(live_app, browser, shots):
    page = open_page(browser, live_app["url"], "editor-kendo")
    try:
        expect(page.locator(".st-key-owed_summary")).to_contain_text("承認経路: 担当 → 所属長 → 行政改革推進課")
        counts = {"未入力": "3件", "下書き": "0件", "差戻し": "0件", "所属長承認待ち": "0件", "課の審査待ち": "0件",
                  "承認済": "0件"}
        assert held_counts(live_app, "KENDO") == counts
        expect_summary(page, counts)
        # the suggestion: last year's R3.10時点 a year on, shown in the field, not unsaved, nothing to save
        expect(card(page, SAME).get_by_label(PERIOD)).to_have_value("R4.10時点")
        expect(card(page, TYPED).get_by_label(PERIOD)).to_have_value("R4.10時点")
        expect(card(page, UNTOUCHED).get_by_label(PERIOD)).to_have_value("")
        expect(card(page, SAME)).not_to_contain_text("未保存")
        expect(page.get_by_role("button", name="下書き保存")).to_be_disabled()
        assert entered(live_app) == {}

        # what the person types replaces the suggestion and stays through the next runs
        type_value(page, TYPED, PERIOD, "R4.11時点")
        type_value(page, TYPED, "値（%）", "80%")
        expect(card(page, TYPED).get_by_label(PERIOD)).to_have_value("R4.11時点")
        expect(card(page, TYPED)).to_contain_text("未保存")
        # a line with unsaved typing offers no 「前年度と同じ値で確定」 (it would replace what was typed)
        expect(card(page, TYPED).get_by_role("button", name="前年度と同じ値で確定")).to_have_count(0)
        page.get_by_role("button", name="下書き保存").click()
        expect(page.get_by_text("1件を下書きとして保存しました")).to_be_visible()
        idle(page)
        expect(card(page, TYPED).get_by_label(PERIOD)).to_have_value("R4.11時点")
        held = entered(live_app)
        assert set(held) == {TYPED}
        assert held[TYPED]["state"] == "draft" and periods(live_app) == {TYPED: "R4.11時点"}

        # 「前年度と同じ値で確定」: asks first; やめる changes nothing
        card(page, SAME).get_by_role("button", name="前年度と同じ値で確定").click()
        idle(page)
        expect(page.get_by_text("前年度の承認値 342箇所")).to_be_visible()
        page.get_by_role("button", name="やめる").click()
        idle(page)
        expect(page.get_by_text("前年度の承認値 342箇所")).to_have_count(0)
        assert set(entered(live_app)) == {TYPED}

        card(page, SAME).get_by_role("button", name="前年度と同じ値で確定").click()
        idle(page)
        expect(page.get_by_text("前年度の承認値 342箇所")).to_be_visible()
        page.get_by_role("button", name="保存して提出する").click()
        expect(page.get_by_text("前年度と同じ値で確定しました。1件を提出しました（P2-1-22）")).to_be_visible()
        idle(page)
        held = entered(live_app)
        assert (held[SAME]["state"], held[SAME]["value_text"]) == ("submitted", "342箇所")
        assert figure(live_app, SAME) == last_year(live_app, SAME)  # last year's figure, number and text
        assert periods(live_app) == {SAME: "R4.10時点", TYPED: "R4.11時点"}  # the suggestion saved with the figure
        assert held[TYPED]["state"] == "draft" and UNTOUCHED not in held  # the others as they were
        counts = {"未入力": "1件", "下書き": "1件", "差戻し": "0件", "所属長承認待ち": "1件", "課の審査待ち": "0件",
                  "承認済": "0件"}
        assert held_counts(live_app, "KENDO") == counts
        expect_summary(page, counts)
    except Exception:
        shots(page, "light-entry")
        raise
    finally:
        close(page)


def test_last_years_reason_category_is_suggested(live_app, browser, shots):
    """SHOGAI's P2-1-11 had the reason category 新型コロナ… last year: its empty field suggests it, nothing saved."""
    page = open_page(browser, live_app["url"], "editor-shogai")
    try:
        line = card(page, "P2-1-11")
        expect(line.get_by_role("combobox", name="要因の分類")).to_have_value(COVID)
        expect(line).not_to_contain_text("未保存")
        expect(page.get_by_role("button", name="下書き保存")).to_be_disabled()
        assert {c: r for c, r in stored(live_app, "SHOGAI").items() if r["state"] != "none"} == {}
        assert held_counts(live_app, "SHOGAI") == {**{label: "0件" for label in LABELS.values()}, "未入力": "4件"}
        expect_summary(page, held_counts(live_app, "SHOGAI"))
    except Exception:
        shots(page, "reason-category")
        raise
    finally:
        close(page)
