"""The trends chart reads as expected: fiscal years on x in fiscal order (not by label), one line per band."""
from __future__ import annotations

from kpi.domain.bands import BAND_ORDER, Band
from kpi.domain.summary import summarize
from kpi.publish.charts import BAND_PICK, band_chart, trend_chart


def _cycle(fy: int, label: str) -> dict:
    return {"fiscal_year": fy, "label": label, "percent": {b.value: 20.0 for b in BAND_ORDER}}


def test_years_run_in_fiscal_order_even_when_labels_sort_otherwise():
    spec = trend_chart([_cycle(2021, "令和3年度"), _cycle(2019, "令和元年度"), _cycle(2020, "令和2年度")]).to_dict()
    assert spec["encoding"]["x"]["sort"] == ["令和元年度", "令和2年度", "令和3年度"]  # as strings: 令和2 < 令和3 < 令和元
    assert spec["encoding"]["color"]["field"] == "達成区分"
    assert spec["encoding"]["color"]["scale"]["domain"] == [b.label_ja for b in BAND_ORDER]
    assert len(spec["data"]["values"]) == 3 * len(BAND_ORDER)


def test_the_band_chart_can_be_clicked_by_band_key():
    s = summarize("all", [Band.ACHIEVED, Band.UNDER_30])
    spec = band_chart([("全体", s)], selectable=True).to_dict()
    [param] = spec["params"]  # Altair lifts the bars' selection to the top, bound to the bars' view
    assert param["name"] == BAND_PICK and param["select"]["fields"] == ["band_key"]
    assert param["views"] == [spec["layer"][0]["name"]]
    assert "params" not in band_chart([("全体", s)]).to_dict()
