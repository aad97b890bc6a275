"""What a printed indicator list's cells are read into: figures, composite parts, targets, baselines, a row's plan,
and the problems of a row (every cell's at once). Pure data."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .model import Direction, TargetType

__all__ = ["PlannedFigure", "PlannedPart", "PlannedTarget", "PlannedBaseline", "IndicatorPlan", "CellProblem",
           "RowProblems"]


@dataclass(frozen=True)
class PlannedFigure:
    """A figure read from a cell: value in the unit, the fiscal year it refers to, and the year as printed."""

    value: Decimal
    fiscal_year: int | None
    fiscal_year_text: str | None


@dataclass(frozen=True)
class PlannedPart:
    """One part of a composite value (県・52市町村: 県 → 1, 市町村 → 52)."""

    no: int
    label: str
    value: Decimal


@dataclass(frozen=True)
class PlannedTarget:
    """A target cell read: its type, the direction the text states (None: not stated), value, year, parts."""

    target_type: TargetType
    text: str
    value: Decimal | None = None
    fiscal_year: int | None = None
    fiscal_year_text: str | None = None
    direction: Direction | None = None
    parts: tuple[PlannedPart, ...] = ()
    unit: str | None = None  # the unit printed after the figure (「社」「%」), None when none was printed


@dataclass(frozen=True)
class PlannedBaseline:
    """A baseline cell read: value (None for a qualitative baseline such as 未整備), year, parts, the text."""

    text: str
    value: Decimal | None = None
    fiscal_year: int | None = None
    fiscal_year_text: str | None = None
    parts: tuple[PlannedPart, ...] = ()
    unit: str | None = None


@dataclass(frozen=True)
class IndicatorPlan:
    """The structured definition one row of an indicator list describes (the fields of the indicators table)."""

    unit: str | None
    target_type: TargetType
    direction: Direction
    target: PlannedTarget
    baseline: PlannedBaseline | None


@dataclass(frozen=True)
class CellProblem:
    """Why one cell of a row cannot be read: the column's header and a Japanese sentence."""

    column: str
    message: str


class RowProblems(ValueError):
    """Every problem of one row; str() joins the messages."""

    def __init__(self, problems: list[CellProblem]):
        super().__init__("\n".join(p.message for p in problems))
        self.problems = list(problems)

    def __reduce__(self):
        return (RowProblems, (self.problems,))
