"""Suggestions for a new year's entry from last year's approved value (pure).

A department enters mostly the same kind of figure every year: the period text moves on a year
(「令和3年度末見込」→「令和4年度末見込」, 「R3.10時点」→「R4.10時点」, 「2021年度」→「2022年度」) and the reason
category is often last year's. :func:`advance_period` moves every year a period text names on by one year (a text
naming none, such as 「4月～8月」, is kept as is); :func:`suggestion` is what the form and the workbook show in an
empty field. A suggestion is never stored until the person saves.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kpi.domain.planning_periods import ERAS, era_of_year

__all__ = ["Suggestion", "advance_period", "suggestion"]

_LETTER_OF = {"明治": "M", "大正": "T", "昭和": "S", "平成": "H", "令和": "R"}
_ERA_OF_LETTER = {v: k for k, v in _LETTER_OF.items()}
# An era year (令和3年, R3.10, H31年度, 令和元年) or a western year written with 年 (2021年度, 2021年3月).
_ERA_YEAR = re.compile(r"(?P<era>明治|大正|昭和|平成|令和|(?<![A-Za-z])[MTSHR](?=\s*(?:元|\d)))\s*"
                       r"(?P<n>元|\d{1,2})(?=\s*(?:年|\.|．|/|／))")
_WESTERN = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?=\s*年)")


def _era_year(m: re.Match) -> str:
    era = m.group("era")
    letter = len(era) == 1
    name = _ERA_OF_LETTER[era] if letter else era
    n = 1 if m.group("n") == "元" else int(m.group("n"))
    western = ERAS[name] + n + 1
    new_era = era_of_year(western) if name in ("昭和", "平成", "令和") else name  # 平成31 → 令和2
    k = western - ERAS[new_era]
    shown = "元" if k == 1 and (new_era != name or m.group("n") == "元") else str(k)
    return f"{_LETTER_OF[new_era] if letter else new_era}{shown}"


def advance_period(text: str | None) -> str:
    """The period text of the next year: every year it names moved on by one (平成31 → 令和2, R元 → R2); a text
    naming no year is kept as is."""
    s = text or ""
    s = _ERA_YEAR.sub(_era_year, s)
    return _WESTERN.sub(lambda m: str(int(m.group("y")) + 1), s)


@dataclass(frozen=True)
class Suggestion:
    """What the empty fields of a new year's line are prefilled with (empty strings: nothing to suggest)."""

    period: str = ""
    reason_category: str = ""

    def fields(self) -> dict[str, str]:
        """The suggested texts by form field (only those with a suggestion)."""
        return {f: t for f, t in (("period", self.period), ("reason_category", self.reason_category)) if t}


def suggestion(last_period: str | None, last_reason_category: str | None) -> Suggestion:
    """The suggestion from last year's approved value: its period advanced a year and its reason category."""
    return Suggestion(advance_period(last_period).strip(), (last_reason_category or "").strip())
