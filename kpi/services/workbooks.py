"""The department's Excel workbook for a cycle, built from its entry sheet."""
from __future__ import annotations

from pathlib import Path

from kpi.domain.formatting import fiscal_year_ja
from kpi.io.workbook import TemplateRow, write_department_workbook
from kpi.io.workbook_stamp import Stamp, fingerprint, properties
from kpi.services.actors import Actor
from kpi.services.entry_sheet import sheet


def workbook_name(fiscal_year: int, department: str) -> str:
    """The file name a department's workbook is downloaded as."""
    return f"{fiscal_year}_{department}_入力シート.xlsx"


def row_texts(entry) -> tuple[str, ...]:
    """The six input texts of a row or a saved entry, in the workbook's column order."""
    return (entry.value, entry.kind, entry.period, entry.reason, entry.reason_category, entry.remark)


def department_workbook(actor: Actor, fiscal_year: int, department: str, db: Path | str | None = None,
                        strategy: str | None = None) -> tuple[str, bytes]:
    """(file name, xlsx bytes) of the department's sheet, prefilled with what is saved."""
    s = sheet(actor, fiscal_year, department, db=db, strategy=strategy)
    rows = [TemplateRow(code=ln.code, pillar=ln.pillar, item=ln.item, name=ln.name, unit=ln.unit, baseline=ln.baseline,
                        target=ln.target, last_year=ln.last_year, state=ln.state,
                        returned_comment=ln.review_comment or "", value=ln.saved.value, kind=ln.saved.kind,
                        period=ln.saved.period, reason=ln.saved.reason, reason_category=ln.saved.reason_category,
                        remark=ln.saved.remark)
            for ln in s.lines if not ln.stopped]
    stamp = Stamp(department, fiscal_year, {ln.code: (ln.version, fingerprint(row_texts(ln.saved)))
                                            for ln in s.lines if not ln.stopped})
    data = write_department_workbook(title=f"{fiscal_year_ja(fiscal_year)} 成果指標 入力シート", department=s.department_name,
                                     cycle_label=s.cycle["label"], rows=rows,
                                     reason_categories=[c["name"] for c in s.categories],
                                     properties=properties(stamp))
    return workbook_name(fiscal_year, department), data
