"""Band charts: an Altair chart in band order with the Okabe–Ito palette, rendered to a real PNG."""
from __future__ import annotations

import struct

import altair as alt

from kpi.domain.bands import BAND_ORDER
from kpi.publish.charts import OKABE_ITO, band_chart, chart_png, chart_rows


def _pairs(report):
    return [("全体", report.overall)] + [(p.label, p.summary) for p in report.pillars]


def test_chart_rows_carry_the_summary_counts_in_band_order(pub_report):
    rows = chart_rows(_pairs(pub_report))
    overall = [r for r in rows if r["scope"] == "全体"]
    assert [r["band"] for r in overall] == [b.label_ja for b in BAND_ORDER]
    assert [r["count"] for r in overall] == [50, 3, 1, 13, 1]
    assert overall[0]["share_text"] == "73.5%"
    assert overall[-1]["end"] == 68  # stacked end to end


def test_band_chart_is_an_altair_chart_with_a_colour_blind_safe_scale_in_band_order(pub_report):
    chart = band_chart(_pairs(pub_report), title="達成区分別の指標数")
    assert isinstance(chart, alt.LayerChart)
    spec = chart.to_dict()
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == [b.label_ja for b in BAND_ORDER]
    assert scale["range"] == [OKABE_ITO[b] for b in BAND_ORDER] == ["#0072B2", "#56B4E9", "#E69F00", "#D55E00", "#999999"]
    assert spec["title"]["text"] == "達成区分別の指標数"


def test_a_mapping_of_scopes_gives_the_same_chart_as_pairs(pub_report):
    pairs = _pairs(pub_report)
    assert chart_rows(dict(pairs)) == chart_rows(pairs)


def test_chart_png_is_a_real_png_of_sane_size(pub_report):
    png = chart_png(band_chart(_pairs(pub_report)))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert 600 <= width <= 4000 and 150 <= height <= 3000
    assert len(png) > 20_000  # text and bars drawn, not an empty canvas
