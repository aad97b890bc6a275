"""Fiscal years as the import template writes them: 「710社 (2022年度)」「R元年度：65,667件/月」「H30年度 103,222件」.

Pure. The template's strict reading (a year needs its era or four digits; 「年」 is refused as not a fiscal year);
printed plans, whose years follow the plan's era and may be calendar years or points in time, are read by
kpi.domain.planning_periods instead.
"""
from __future__ import annotations

import re

from .normalize import parse_fiscal_year
from .planning_marks import fold

__all__ = ["split_fiscal_year"]

_YEAR_NENDO = r"(?:(?:令和|平成)\s*(?:元|\d{1,2})\s*年度|[RH]\s*(?:元|\d{1,2})\s*年度|(?:FY\s*)?\d{4}\s*年度)"
_YEAR_SHORT = r"(?:[RH]\s*(?:元|\d{1,2})|FY\s*\d{4})"
_YEAR_TAIL = r"(?:末|中)?\s*(?:時点|現在)?\s*(?:の?(?:実績値?|見込み?値?|目標値?|基準値?|値))?"
_YEAR_CALENDAR = r"(?:(?:令和|平成|[RH])\s*(?:元|\d{1,2})|\d{4})\s*年(?!度)"  # refused with its own message
_TRAILING = re.compile(rf"^(?P<body>.*?)\s*\(\s*(?P<year>{_YEAR_NENDO}|{_YEAR_CALENDAR}|{_YEAR_SHORT}|\d{{4}})"
                       rf"(?P<tail>{_YEAR_TAIL})"
                       r"\s*(?:まで(?:に)?)?\s*\)$", re.IGNORECASE)
_LEADING = re.compile(rf"^(?P<year>{_YEAR_NENDO})(?P<tail>{_YEAR_TAIL})\s*(?:までに|まで|に|で)?\s*[:]?\s*(?P<body>\S.*)$"
                      rf"|^(?P<year2>{_YEAR_SHORT})(?P<tail2>{_YEAR_TAIL})\s*(?:[:]\s*|\s+)(?P<body2>\S.*)$",
                      re.IGNORECASE)
_LABEL = re.compile(r"^(?:現状値?|基準値?|目標値?|目標)\s*[:]\s*")


def split_fiscal_year(text: str, *, field: str) -> tuple[str, int | None, str | None]:
    """(the rest of the cell, fiscal year, the year as printed) of a cell such as 「710社 (2022年度)」 or
    「R元年度：65,667件/月」; a cell without a year comes back unchanged with None. InputError for a year that
    looks like one but is not valid (「令和0年度」「(2022年)」)."""
    s = _LABEL.sub("", fold(text))
    m = _TRAILING.match(s)
    if m is not None and m.group("body").strip():
        year, tail, body = m.group("year"), m.group("tail"), m.group("body")
    else:
        m = _LEADING.match(s)
        if m is None:
            return s, None, None
        if m.group("year") is not None:
            year, tail, body = m.group("year"), m.group("tail"), m.group("body")
        else:
            year, tail, body = m.group("year2"), m.group("tail2"), m.group("body2")
    fy = parse_fiscal_year(year, field=field)
    return body.strip(), fy, (year + (tail or "")).replace(" ", "")


