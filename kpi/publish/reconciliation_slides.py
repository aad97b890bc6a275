"""The 「見込 → 確定」 slides of a 確定値反映版: each confirmed indicator, its value as first published and as
confirmed, the rates and the bands (★: the band changed)."""
from __future__ import annotations

from collections.abc import Callable

from pptx.enum.text import MSO_ANCHOR
from pptx.util import Inches

from kpi.publish.pptx_text import ACCENT, add_table, add_text, one
from kpi.publish.report_data import RECONCILIATION_HEAD, RECONCILIATION_TITLE, ReportData, reconciliation_row

ROWS_PER_SLIDE = 8
LEFT, WIDTH = Inches(0.6), Inches(12.133)
WIDTHS = [Inches(3.2), Inches(2.0), Inches(1.4), Inches(1.9), Inches(2.3), Inches(1.333)]


def slides(data: ReportData) -> list[Callable[[object], None]]:
    """Draw functions of the slides (none when the edition confirms nothing)."""
    lines = data.reconciliation
    chunks = [lines[i:i + ROWS_PER_SLIDE] for i in range(0, len(lines), ROWS_PER_SLIDE)]
    changed = sum(r.band_changed for r in lines)
    draws = []
    for k, chunk in enumerate(chunks):
        def draw(slide, chunk=chunk, k=k):
            title = f"{data.strategy_name}の進捗状況（{RECONCILIATION_TITLE}）" + ("（続き）" if k else "")
            add_text(slide, LEFT, Inches(0.3), WIDTH, Inches(0.6), [one(title, 24, bold=True, colour=ACCENT)],
                     anchor=MSO_ANCHOR.MIDDLE)
            add_text(slide, LEFT, Inches(1.0), WIDTH, Inches(0.5),
                     [one(f"公表時の見込値・速報値のうち{len(lines)}指標の確定値を反映（★ 達成区分が変わった指標 "
                          f"{changed}件）", 16, bold=True)], anchor=MSO_ANCHOR.MIDDLE)
            rows = [list(RECONCILIATION_HEAD)] + [reconciliation_row(r) for r in chunk]
            add_table(slide, rows, LEFT, Inches(1.6), WIDTHS, Inches(0.6), size=11)
        draws.append(draw)
    return draws
