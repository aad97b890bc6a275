"""The department's Excel workbook for a cycle, built from its entry sheet."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kpi.domain.formatting import fiscal_year_ja
from kpi.io.workbook import TemplateRow, write_department_workbook
from kpi.io.workbook_stamp import Stamp, fingerprint, properties
from kpi.services.actors import Actor
from kpi.services.entries import RawEntry
from kpi.services.entry_sheet import sheet


def workbook_name(fiscal_year: int, department: str) -> str:
    """The file name a department's workbook is downloaded as."""
    return f"{fiscal_year}_{department}_入力シート.xlsx"


def row_texts(entry) -> tuple[str, ...]:
    """The six input texts of a row or a saved entry, in the workbook's column order."""
    return (entry.value, entry.kind, entry.period, entry.reason, entry.reason_category, entry.remark)


def prefilled(line) -> RawEntry:
    """What a line's input columns hold in the workbook: what is stored; for an indicator with no value yet in the
    cycle, the empty 時点・期間 and 要因の分類 prefilled with last year's suggestion (a suggestion lands only with a
    figure typed beside it: an untouched row is left alone on upload, by the stamp's fingerprint)."""
    if line.version is not None:
        return line.saved
    hint = line.suggested
    return replace(line.saved, period=line.saved.period or hint.period,
                   reason_category=line.saved.reason_category or hint.reason_category)


def department_workbook(actor: Actor, fiscal_year: int, department: str, db: Path | str | None = None,
                        strategy: str | None = None) -> tuple[str, bytes]:
    """(file name, xlsx bytes) of the department's sheet, prefilled with what is saved (and the suggestions)."""
    s = sheet(actor, fiscal_year, department, db=db, strategy=strategy)
    shown = {ln.code: prefilled(ln) for ln in s.lines if not ln.stopped}
    rows = [TemplateRow(code=ln.code, pillar=ln.pillar, item=ln.item, name=ln.name, unit=ln.unit, baseline=ln.baseline,
                        target=ln.target, last_year=ln.last_year, state=ln.state,
                        returned_comment=ln.review_comment or "", value=shown[ln.code].value,
                        kind=shown[ln.code].kind, period=shown[ln.code].period, reason=shown[ln.code].reason,
                        reason_category=shown[ln.code].reason_category, remark=shown[ln.code].remark)
            for ln in s.lines if not ln.stopped]
    stamp = Stamp(department, fiscal_year, {ln.code: (ln.version, fingerprint(row_texts(shown[ln.code])))
                                            for ln in s.lines if not ln.stopped})
    data = write_department_workbook(title=f"{fiscal_year_ja(fiscal_year)} 成果指標 入力シート", department=s.department_name,
                                     cycle_label=s.cycle["label"], rows=rows,
                                     reason_categories=[c["name"] for c in s.categories],
                                     properties=properties(stamp))
    return workbook_name(fiscal_year, department), data
