"""Japanese display of fiscal years, numbers and rates (令和3年度, 36,821人, 73.5%)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal


def fiscal_year_ja(fy: int) -> str:
    """FY as the Japanese era label: 2021 → 令和3年度, 2019 → 令和元年度, 2018 → 平成30年度."""
    if fy >= 2019:
        n = fy - 2018
        return f"令和{'元' if n == 1 else n}年度"
    if fy >= 1989:
        n = fy - 1988
        return f"平成{'元' if n == 1 else n}年度"
    return f"{fy}年度"


def fiscal_year_label(fy: int) -> str:
    """令和3年度（2021年度）."""
    return f"{fiscal_year_ja(fy)}（{fy}年度）"


def format_number(value: Decimal | float | int | None, unit: str = "") -> str:
    """Thousands separators, no needless decimals, unit appended: 36821 → 36,821人; 73.5 → 73.5%."""
    if value is None:
        return "—"
    d = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if d == d.to_integral_value():
        text = f"{int(d):,}"
    else:
        text = f"{d.normalize():,f}"
    return f"{text}{unit}"


def format_percent(value: Decimal | float | None, places: int = 1) -> str:
    """A percentage rounded half-up: 73.456 → 73.5%; None → —."""
    if value is None:
        return "—"
    q = Decimal(1).scaleb(-places)
    return f"{Decimal(str(value)).quantize(q, rounding=ROUND_HALF_UP)}%"


def format_rate(percent: float | Decimal | None) -> str:
    """An achievement rate, rounded down to one decimal so it never shows a band it has not reached.

    99.9995% shows as 99.9% (not 100.0%), 59.96% as 59.9% (not 60.0%).
    """
    if percent is None:
        return "—"
    return f"{Decimal(str(percent)).quantize(Decimal('0.1'), rounding=ROUND_FLOOR)}%"


JST = timezone(timedelta(hours=9), "JST")


def to_jst(moment: datetime) -> datetime:
    """A moment in Japan time; a naive one is a warehouse time, which is UTC (warehouse.connect sets it so)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(JST)


def format_jst(moment: datetime | None, *, seconds: bool = False, zone: bool = True) -> str:
    """A moment as Japan time: 2026-12-06 09:39（日本時間）; None → ""."""
    if moment is None:
        return ""
    text = to_jst(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text}（日本時間）" if zone else text


def utc_start_of(day: date | None) -> datetime | None:
    """The start of a Japanese calendar day as the naive UTC time the warehouse stores (None stays None)."""
    if day is None:
        return None
    return datetime.combine(day, time(0), JST).astimezone(timezone.utc).replace(tzinfo=None)
