"""Headings as plans print them, for the 柱 and 項目 columns: 「基本目標1　…」「施策の柱2」「1-3 …」「政策分野I-1 …」
「① …」「第2章 …」. Pure. The number is the pillar's (the first number) or the item's (the last number of 1-3)."""
from __future__ import annotations

import re

from .roman_numerals import no_of_roman
from .normalize import InputError, clean_text
from .planning_marks import fold

__all__ = ["parse_heading", "parse_numbered_label"]

_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}
_PREFIX = (r"(?:基本目標|基本方針|基本施策|施策の柱|施策の方向|政策分野|政策目標|政策の柱|重点課題|重点施策|重点戦略|"
           r"戦略の柱|取組項目|戦略|施策|分野|目標|柱|項目|取組|プロジェクト|第)")
_NUM = r"(?:\d{1,3}|[IVXⅠ-Ⅻ]{1,4}|[①-⑳])"
_HEADING = re.compile(rf"^(?P<prefix>{_PREFIX})?\s*[(（]?(?P<nums>{_NUM}(?:\s*[-‐－ー―の]\s*{_NUM}){{0,2}})\s*"
                      r"(?:分野|[章節項部編])?\s*(?:[.)）、:：．_]|\s|$)\s*(?P<name>.*)$")


def _int(token: str) -> int:
    if token in _CIRCLED:
        return _CIRCLED[token]
    if token.isdigit():
        return int(token)
    return no_of_roman(token)


def parse_heading(text: str | None, *, field: str, last: bool = False) -> tuple[int | None, str | None]:
    """(number, name) of a heading; (None, name) for a heading without a number; (None, None) when blank.
    last: take the last number of 「1-3」 (the item of pillar 1) instead of the first."""
    cleaned = clean_text(text, field=field, max_length=200)
    if cleaned is None:
        return None, None
    raw = cleaned.strip()
    if raw[:1] in _CIRCLED:
        return _CIRCLED[raw[0]], fold(raw[1:]).lstrip(".)、: ") or None
    s = fold(cleaned)
    m = _HEADING.match(s)
    if m is None:
        return None, s
    tokens = re.split(r"\s*[-‐－ー―の]\s*", m.group("nums"))
    no = _int(tokens[-1] if last else tokens[0])
    if no < 1:
        raise InputError(f"「{field}」の番号は1以上にしてください（入力は「{s[:40]}」）。", field=field, text=cleaned)
    name = m.group("name").strip(" 　“”\"") or None
    return no, (name or (s if m.group("prefix") else None))


# the import template's labels (「1 波及効果の高いプロジェクト」「①ICTを活用した…」)

_NUMBERED = re.compile(r"^(?:柱|項目|施策)?\s*(?P<no>\d{1,3})\s*(?:[.)、:]|\s|$)\s*(?P<name>.*)$")


def parse_numbered_label(text: str | None, *, field: str) -> tuple[int | None, str | None]:
    """(number, name) of 「1 波及効果の高いプロジェクト」「①ICTを活用した…」「2」「個別施策」; (None, None) when blank."""
    cleaned = clean_text(text, field=field, max_length=200)
    if cleaned is None:
        return None, None
    raw = cleaned.strip()
    if raw[:1] in _CIRCLED:
        name = fold(raw[1:]).lstrip(".)、: ") or None
        return _CIRCLED[raw[0]], name
    s = fold(raw)
    m = _NUMBERED.match(s)
    if m is not None:
        no = int(m.group("no"))
        if no < 1:
            raise InputError(f"「{field}」の番号は1以上にしてください（入力は「{raw[:40]}」）。", field=field, text=raw)
        return no, (m.group("name").strip() or None)
    return None, s
