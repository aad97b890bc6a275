"""Stacked band bars (Altair) and their PNG rendering without a browser (vl-convert).

The chart object is returned unconfigured, so the dashboard can show, layer or concatenate it; fonts are set
on the marks, axes and legend themselves. Colours are the Okabe–Ito colour-blind-safe palette: blues for
achieved and nearly achieved, orange and vermillion for the shortfalls, grey for stopped indicators.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache

import altair as alt

from kpi.domain.bands import BAND_ORDER, Band
from kpi.domain.summary import BandSummary
from kpi.publish.fonts import FAMILY, cjk_font_dirs

OKABE_ITO = {
    Band.ACHIEVED: "#0072B2",  # blue
    Band.B60_100: "#56B4E9",  # sky blue
    Band.B30_60: "#E69F00",  # orange
    Band.UNDER_30: "#D55E00",  # vermillion
    Band.STOPPED: "#999999",  # grey
}
# Text drawn on a segment: white on the dark colours, black on the light ones.
_TEXT_ON = {Band.ACHIEVED: "white", Band.B60_100: "black", Band.B30_60: "black", Band.UNDER_30: "white",
            Band.STOPPED: "black"}

_registered: set[str] = set()

Scopes = Sequence[tuple[str, BandSummary]] | Mapping[str, BandSummary]


def chart_rows(summaries: Scopes) -> list[dict]:
    """One record per scope and band: count, share and the segment's start and end on the bar."""
    pairs = list(summaries.items()) if isinstance(summaries, Mapping) else list(summaries)
    rows = []
    for scope_order, (scope, s) in enumerate(pairs):
        start = 0
        for order, band in enumerate(BAND_ORDER):
            n = s.counts[band]
            rows.append({
                "scope": scope, "scope_order": scope_order, "band": band.label_ja, "band_key": band.value,
                "band_order": order,
                "count": n, "share": float(s.percent[band]), "share_text": f"{s.percent[band]}%",
                "start": start, "end": start + n, "mid": start + n / 2,
                "label": str(n) if n else "", "text_colour": _TEXT_ON[band],
            })
            start += n
    return rows


BAND_PICK = "band_pick"  # the name of the chart's band selection (the dashboard reads it)


def band_chart(summaries: Scopes, *, title: str | None = None, width: int = 760, font_size: int = 13,
               bar_height: int = 44, fit_width: bool = False, selectable: bool = False) -> alt.LayerChart:
    """A horizontal stacked bar of band counts per scope (e.g. 全体 and each pillar), bands achieved→stopped.

    fit_width: for a page that stretches the chart to its column (Streamlit): only the width is fitted, each bar
    keeps its height (Streamlit's default "fit" squeezes the bars into the height left after axis and legend)."""
    rows = chart_rows(summaries)
    px_per = width / max([r["end"] for r in rows] + [1])
    for r in rows:  # a number wider than its segment would run into the next one: tooltip only
        if r["count"] * px_per < font_size * 0.65 * len(r["label"]) + 6:
            r["label"] = ""
    n_scopes = len({r["scope"] for r in rows})
    scopes = list(dict.fromkeys(r["scope"] for r in rows))
    base = alt.Chart(alt.Data(values=rows))
    y = alt.Y("scope:N", sort=scopes, title=None,
              axis=alt.Axis(labelFont=FAMILY, labelFontSize=font_size, labelLimit=420))
    colour = alt.Color(
        "band:N", title="達成区分",
        scale=alt.Scale(domain=[b.label_ja for b in BAND_ORDER], range=[OKABE_ITO[b] for b in BAND_ORDER]),
        legend=alt.Legend(orient="bottom", direction="horizontal", labelFont=FAMILY, titleFont=FAMILY,
                          labelFontSize=font_size - 1, titleFontSize=font_size - 1, labelLimit=300,
                          columns=3 if width < 700 else 5, symbolSize=font_size * 12))
    bars = base.mark_bar(stroke="white", strokeWidth=1, cursor="pointer" if selectable else "default").encode(
        y=y,
        x=alt.X("start:Q", title="指標数", axis=alt.Axis(labelFont=FAMILY, titleFont=FAMILY, tickMinStep=1,
                                                        format="d", labelFontSize=font_size - 2,
                                                        titleFontSize=font_size - 1)),
        x2="end:Q",
        color=colour,
        order=alt.Order("band_order:Q"),
        tooltip=[alt.Tooltip("scope:N", title="範囲"), alt.Tooltip("band:N", title="達成区分"),
                 alt.Tooltip("count:Q", title="指標数"), alt.Tooltip("share_text:N", title="割合")],
    )
    if selectable:  # a click on a segment or a legend entry picks the band (Streamlit returns it to the page)
        bars = bars.add_params(alt.selection_point(name=BAND_PICK, fields=["band_key"], on="click",
                                                   clear="dblclick"))
    labels = base.mark_text(font=FAMILY, fontSize=font_size, fontWeight="bold").encode(
        y=y, x="mid:Q", text="label:N",
        color=alt.Color("text_colour:N", scale=None, legend=None),
    )
    chart = alt.layer(bars, labels).properties(width=width, height=max(bar_height + 4, bar_height * n_scopes))
    if title:
        chart = chart.properties(title=alt.TitleParams(title, font=FAMILY, fontSize=font_size + 3, anchor="start"))
    if fit_width:
        chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return chart


def _register_fonts() -> None:
    import vl_convert

    for d in cjk_font_dirs():
        if str(d) not in _registered:
            vl_convert.register_font_directory(str(d))
            _registered.add(str(d))


def chart_png(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes, with the Noto CJK fonts registered so Japanese labels render."""
    return _png(json.dumps(chart.to_dict(), sort_keys=True, ensure_ascii=False), scale)


@lru_cache(maxsize=32)
def _png(spec: str, scale: float) -> bytes:
    # identical charts (same counts, same size) are rendered once per process
    import vl_convert

    _register_fonts()
    return vl_convert.vegalite_to_png(json.loads(spec), scale=scale, config={"font": FAMILY, "background": "white"})


def trend_chart(cycles: Sequence[dict], *, fit_width: bool = True) -> alt.Chart:
    """Band shares over fiscal years: the years on x in fiscal order (令和元, 令和2, 令和3 …, sorted by year, never by
    label), one line per band in the bands' colours. cycles: the trends document's entries (fiscal_year, label,
    percent by band key)."""
    ordered = sorted(cycles, key=lambda c: c["fiscal_year"])
    years = [c["label"] for c in ordered]
    rows = [{"年度": c["label"], "fiscal_year": c["fiscal_year"], "達成区分": b.label_ja, "band_order": i,
             "割合": float(c["percent"][b.value]), "割合（表示）": f"{c['percent'][b.value]}%"}
            for c in ordered for i, b in enumerate(BAND_ORDER)]
    chart = alt.Chart(alt.Data(values=rows)).mark_line(point=True).encode(
        x=alt.X("年度:N", sort=years, title="年度", axis=alt.Axis(labelAngle=0, labelFont=FAMILY, titleFont=FAMILY)),
        y=alt.Y("割合:Q", title="割合（%）", scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(labelFont=FAMILY, titleFont=FAMILY)),
        color=alt.Color("達成区分:N", sort=[b.label_ja for b in BAND_ORDER],
                        scale=alt.Scale(domain=[b.label_ja for b in BAND_ORDER],
                                        range=[OKABE_ITO[b] for b in BAND_ORDER]),
                        legend=alt.Legend(orient="bottom", labelFont=FAMILY, titleFont=FAMILY, labelLimit=300)),
        order=alt.Order("fiscal_year:Q"),
        tooltip=[alt.Tooltip("年度:N"), alt.Tooltip("達成区分:N"), alt.Tooltip("割合（表示）:N", title="割合")],
    ).properties(height=320)
    if fit_width:
        chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return chart
