"""Hints for the person typing figures: a likely ×100 / ×1000 slip, and how far the deadline is (pure)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

_SCALES = ((100, "100"), (1000, "1000"))


def scale_slip(value: Decimal | float | None, last: Decimal | float | None, unit: str | None) -> str | None:
    """A warning when the typed figure looks off by ×100 or ×1000 against last year's value or its unit, else None.

    Within a factor of 3 of a power (×100: 33–300 times larger or smaller) counts as a slip; 0.735 in a % field with
    last year's 70% reads as 73.5% typed as a fraction."""
    if value is None:
        return None
    v = float(value)
    if unit and unit.strip() in ("%", "％") and 0 < abs(v) <= 1 and (last is None or abs(float(last)) > 1):
        return (f"「{_plain(v)}」は割合（{_plain(v * 100)}%）のように見えます。この指標の単位は「%」です。"
                f"{_plain(v * 100)}% の意味なら「{_plain(v * 100)}」と入力してください。")
    if last is None or float(last) == 0 or v == 0:
        return None
    ratio = v / float(last)
    for factor, label in _SCALES:
        if factor / 3 <= ratio <= factor * 3:
            return f"前年度の承認値（{_plain(float(last))}）の約{label}倍です。桁や単位の誤りではないか確かめてください。"
        if factor / 3 <= 1 / ratio <= factor * 3:
            return f"前年度の承認値（{_plain(float(last))}）の約{label}分の1です。桁や単位の誤りではないか確かめてください。"
    return None


def days_left_text(deadline: date | None, today: date) -> str | None:
    """「提出期限: 2022年12月9日（あと3日）」, 「…（今日が期限です）」, 「…（期限を2日過ぎています）」; None without one."""
    if deadline is None:
        return None
    days = (deadline - today).days
    when = f"提出期限: {deadline.year}年{deadline.month}月{deadline.day}日"
    if days > 0:
        return f"{when}（あと{days}日）"
    if days == 0:
        return f"{when}（今日が期限です）"
    return f"{when}（期限を{-days}日過ぎています）"


def _plain(x: float) -> str:
    return format(Decimal(str(round(x, 6))).normalize(), "f")
