"""What a rate means to a reader: a rate below 0% is a value worse than the baseline, one above the ceiling is
many times the planned progress; and the formula behind a rate with the indicator's own figures. Display only:
the band is always judged on the exact rate (kpi.domain.bands)."""
from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from kpi.domain.formatting import format_number, format_rate

RATE_CEILING = 200  # percent: above this, a rate is shown as 「目標の n 倍」


def rate_meaning(percent: float | Decimal | None) -> str:
    """基準値より悪化 (below 0%), 目標の131.5倍 (above the ceiling), else ""."""
    if percent is None:
        return ""
    p = Decimal(str(percent))
    if p < 0:
        return "基準値より悪化"
    if p > RATE_CEILING:
        times = (p / 100).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
        return f"目標の{format_number(times)}倍"
    return ""


def rate_with_meaning(percent: float | Decimal | None, fallback: str = "—") -> str:
    """−216.7%（基準値より悪化）, 13150.3%（目標の131.5倍）, 90.7%; `fallback` without a rate."""
    if percent is None:
        return fallback
    meaning = rate_meaning(percent)
    return f"{format_rate(percent)}（{meaning}）" if meaning else format_rate(percent)


RULES_JA = {
    ("numeric", "higher", True): "（実績値 − 基準値）÷（目標値 − 基準値）",
    ("numeric", "higher", False): "実績値 ÷ 目標値",
    ("numeric", "lower", True): "（基準値 − 実績値）÷（基準値 − 目標値）",
    ("numeric", "lower", False): "目標値 ÷ 実績値",
}
OTHER_RULES_JA = {
    "increase": "基準値を上回れば達成（100%）、そうでなければ0%",
    "decrease": "基準値を下回れば達成（100%）、そうでなければ0%",
    "qualitative": "目標の状態に達していれば達成（100%）、そうでなければ0%",
    "composite": "要素ごとに算出し、最も低い要素の達成率",
}


def rate_formula(target_type: str | None, direction: str | None, baseline, target, value,
                 percent: float | Decimal | None, unit: str = "") -> str:
    """The rule of the rate in words and, for numeric targets, with the figures:
    （実績値 − 基準値）÷（目標値 − 基準値） = （5,445時間 − 0時間）÷（6,000時間 − 0時間） = 90.7%."""
    if target_type != "numeric":
        return OTHER_RULES_JA.get(target_type or "", "")
    has_base = baseline is not None
    rule = RULES_JA[("numeric", direction or "higher", has_base)]
    if value is None or target is None:
        return rule
    a, t = format_number(value, unit), format_number(target, unit)
    b = format_number(baseline, unit) if has_base else ""
    figures = {("higher", True): f"（{a} − {b}）÷（{t} − {b}）", ("higher", False): f"{a} ÷ {t}",
               ("lower", True): f"（{b} − {a}）÷（{b} − {t}）", ("lower", False): f"{t} ÷ {a}"}[
        (direction or "higher", has_base)]
    result = f" = {rate_with_meaning(percent)}" if percent is not None else ""
    return f"{rule} = {figures}{result}"
