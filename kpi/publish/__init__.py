"""Published outputs of a cycle: slide deck, report workbook, open data, PDF and charts.

Everything here is pure generation from a `ReportData` built by `report_data.build(view)` from an
already-loaded, approved `CycleView`; nothing in this package opens the warehouse.

    view = load_cycle(2021, db=path)
    data = build(view, edition=1)
    write_deck(data)           -> .pptx bytes (16:9)
    write_report_workbook(data)-> .xlsx bytes
    write_open_data(data)      -> {"indicators.csv": ..., "indicators.json": ..., "summary.csv": ..., "metadata.json": ...}
    write_pdf(data)            -> .pdf bytes
    band_chart(pairs), chart_png(chart)
"""
from kpi.publish.report_data import ReportBasisError, ReportData, build

__all__ = ["ReportBasisError", "ReportData", "build"]
