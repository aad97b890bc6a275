"""The dashboard cannot mislead: it opens on the latest finalized year, an open year shows its coverage and labels
every headline 暫定, the year picker names each year's state, rates carry their meaning."""
from __future__ import annotations


def _open_year(at, fy: int):
    at.selectbox(key="cycle_select.approved").set_value(fy)
    return at.run()


def test_the_dashboard_opens_on_the_latest_finalized_year(app_as):
    at = app_as("executive")
    picker = at.selectbox(key="cycle_select.approved")
    assert picker.value == 2021
    assert picker.options == ["令和4年度（2022年度）・受付中", "令和3年度（2021年度）・確定済",
                              "令和2年度（2020年度）・確定済", "令和元年度（2019年度）・確定済"]
    assert not [m for m in at.metric if "暫定" in m.label]
    assert not at.error


def test_an_open_year_shows_its_coverage_and_labels_every_headline_provisional(app_as):
    at = _open_year(app_as("executive"), 2022)
    assert not at.exception, at.exception
    coverage = " ".join(e.value for e in at.error)
    assert "暫定の集計です" in coverage and "承認済 0 / 全 67 指標" in coverage
    bars = [p.text for p in at.get("progress")] if at.get("progress") else []
    assert any("1.波及効果の高いプロジェクト　承認済 0 / 11" in (b or "") for b in bars), bars
    assert at.metric and all(m.label.startswith("【暫定】") for m in at.metric)
    assert any(s.value.startswith("【暫定】") for s in at.subheader)


def test_the_indicator_list_puts_indicator_value_target_rate_and_band_first(app_as):
    at = app_as("executive")
    at.session_state["tab"] = "指標一覧"
    at.run()
    table = at.dataframe[0].value
    assert list(table.columns)[:5] == ["指標", "値", "目標値", "達成率", "達成区分"]
    rates = list(table["達成率"])
    assert any(r.endswith("（基準値より悪化）") for r in rates), rates
    assert any("（目標の" in r and r.endswith("倍）") for r in rates), rates
