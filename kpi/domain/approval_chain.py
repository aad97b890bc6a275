"""The approval chain of a strategy: the levels a value passes, named as the body names them, each with its role.

The default two-level chain is 担当 → 所属長 → 行政改革推進課: an editor enters and submits, the department's head
(所属長承認者) approves for the department (一次), the division reviews and approves (二次). A strategy without a
chain of its own has the one-level chain 担当 → 行政改革推進課 (the product's behaviour before issue #22), so an
existing warehouse keeps working unchanged until its strategy is given the head level.
"""
from __future__ import annotations

from dataclasses import dataclass

from kpi.domain.roles import ROLE_LABELS_JA, Role


@dataclass(frozen=True)
class Level:
    """One level of a chain: its name as the body uses it and the role that acts at it."""

    name: str
    role: Role


@dataclass(frozen=True)
class ApprovalChain:
    """The levels in order: the first enters (editor), the last is the division (reviewer)."""

    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        roles = [lv.role for lv in self.levels]
        if len(roles) < 2 or roles[0] is not Role.EDITOR or roles[-1] is not Role.REVIEWER:
            raise ValueError("承認経路は入力担当で始まり、審査担当（行政改革推進課）で終わる必要があります")
        if any(r is not Role.DEPT_HEAD for r in roles[1:-1]) or len(roles) > 3:
            raise ValueError("承認経路の途中に置けるのは所属長承認者の1段だけです")
        if any(not lv.name.strip() for lv in self.levels):
            raise ValueError("承認経路の段の名前が空です")

    @property
    def has_head(self) -> bool:
        """True when the department's head approves before the division."""
        return any(lv.role is Role.DEPT_HEAD for lv in self.levels)

    def name_of(self, role: Role) -> str:
        """The level's name for a role (its Japanese role label when the chain has no such level)."""
        return next((lv.name for lv in self.levels if lv.role is role), ROLE_LABELS_JA[role])

    @property
    def text(self) -> str:
        """The chain as people write it: 担当 → 所属長 → 行政改革推進課."""
        return " → ".join(lv.name for lv in self.levels)

    def rows(self) -> list[tuple[int, str, str]]:
        """(level_no, name, role) per level, as stored."""
        return [(i, lv.name, lv.role.value) for i, lv in enumerate(self.levels, start=1)]

    @classmethod
    def from_rows(cls, rows: list[tuple[int, str, str]] | None) -> ApprovalChain:
        """The chain from its stored rows; no rows: the one-level chain."""
        if not rows:
            return ONE_LEVEL
        return cls(tuple(Level(name, Role(role)) for _no, name, role in sorted(rows)))


ONE_LEVEL = ApprovalChain((Level("担当", Role.EDITOR), Level("行政改革推進課", Role.REVIEWER)))
TWO_LEVEL = ApprovalChain((Level("担当", Role.EDITOR), Level("所属長", Role.DEPT_HEAD),
                           Level("行政改革推進課", Role.REVIEWER)))
