"""Plain data of the strategy's indicators and their values, as the domain rules see them."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum


class TargetType(str, Enum):
    """How an indicator's target is expressed (DOMAIN.md, target types)."""

    NUMERIC = "numeric"
    INCREASE = "increase"  # 増加を目指します
    DECREASE = "decrease"  # 減少を目指します
    QUALITATIVE = "qualitative"
    COMPOSITE = "composite"
    RELATIVE = "relative"  # 全国平均を上回る: judged against the cycle's reference value (stored apart, migration 010)


class Direction(str, Enum):
    """Whether a larger figure is better."""

    HIGHER = "higher"
    LOWER = "lower"


class Comparison(str, Enum):
    """How an actual is compared with its target (DOMAIN.md, comparisons): 以上 ge, 超 gt, 以下 le, 未満 lt."""

    GE = "ge"
    GT = "gt"
    LE = "le"
    LT = "lt"

    @property
    def strict(self) -> bool:
        """True for 超・未満: exactly on the target is not achieved."""
        return self in (Comparison.GT, Comparison.LT)


@dataclass(frozen=True)
class Part:
    """One part of a composite target (森林クラウド: 県・52市町村・13林業事業体)."""

    no: int
    label: str
    target: Decimal | None  # None: the part aims to beat its baseline (増加・減少 per part)
    baseline: Decimal | None = None


@dataclass(frozen=True)
class IndicatorRule:
    """What the achievement rate needs to know of an indicator definition."""

    target_type: TargetType
    direction: Direction = Direction.HIGHER
    target: Decimal | None = None
    baseline: Decimal | None = None
    parts: tuple[Part, ...] = ()
    stopped: bool = False
    comparison: Comparison | None = None  # None: inclusive (以上 / 以下 by direction)
    reference: Decimal | None = None  # relative targets: the cycle's reference value (全国平均 …), None until entered


@dataclass(frozen=True)
class Measurement:
    """A value as entered: a number, per-part numbers, or a qualitative verdict."""

    number: Decimal | None = None
    parts: dict[int, Decimal] = field(default_factory=dict)
    qualitative_achieved: bool | None = None


def dec(value: object) -> Decimal | None:
    """Return value as a Decimal (None stays None); floats go through their shortest repr."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))
