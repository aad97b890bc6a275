"""Achievement rate (達成率) of one value against its indicator's target, by target type."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from kpi.domain.model import Comparison, Direction, IndicatorRule, Measurement, TargetType


class RateStatus(str, Enum):
    """Why a rate is or is not a number."""

    OK = "ok"
    STOPPED = "stopped"
    MISSING_VALUE = "missing_value"
    MISSING_TARGET = "missing_target"
    TARGET_EQUALS_BASELINE = "target_equals_baseline"
    BASELINE_BEYOND_TARGET = "baseline_beyond_target"
    NEGATIVE_WITHOUT_BASELINE = "negative_without_baseline"
    MISSING_REFERENCE = "missing_reference"  # a relative target before the cycle's reference value is entered


STATUS_MESSAGES_JA = {
    RateStatus.STOPPED: "進捗管理を停止しているため達成率は算出しません",
    RateStatus.MISSING_VALUE: "実績値・見込値が未入力です",
    RateStatus.MISSING_TARGET: "目標値が設定されていません",
    RateStatus.TARGET_EQUALS_BASELINE: "目標値が基準値と同じため達成率を算出できません",
    RateStatus.BASELINE_BEYOND_TARGET: "基準値が既に目標値を超えているため、基準値からの進捗率を算出できません",
    RateStatus.NEGATIVE_WITHOUT_BASELINE: "基準値がなく値または目標値が負のため、比率による達成率を算出できません（基準値を設定してください）",
    RateStatus.MISSING_REFERENCE: "判定不能（比較する値が未入力）",
}


@dataclass(frozen=True)
class Rate:
    """An exact achievement rate (1 = 100%), or the reason there is none."""

    value: Fraction | None
    status: RateStatus = RateStatus.OK
    weakest_part: int | None = None
    on_strict_target: bool = False  # exactly on a 超/未満 target: a rate of 100% that is not achieved

    @property
    def achieved(self) -> bool:
        """Whether the rate counts as achieved: at least 100%, and not exactly on a strict (超・未満) target."""
        return self.value is not None and self.value >= 1 and not self.on_strict_target

    @property
    def percent(self) -> float | None:
        """The rate in percent as a float, for display and charts."""
        return None if self.value is None else float(self.value * 100)

    @property
    def message_ja(self) -> str | None:
        """A Japanese sentence explaining a missing rate."""
        return STATUS_MESSAGES_JA.get(self.status)


def _none(status: RateStatus) -> Rate:
    return Rate(None, status)


def _progress(target, baseline, actual, direction: Direction) -> Rate:
    """Progress from baseline towards target, or against the target alone without a baseline."""
    t = Fraction(target)
    a = Fraction(actual)
    if baseline is None:
        if t < 0 or a < 0:
            # A ratio against the target means nothing across zero; progress needs a baseline.
            return _none(RateStatus.NEGATIVE_WITHOUT_BASELINE)
        if direction is Direction.HIGHER:
            if t == 0:
                return _none(RateStatus.TARGET_EQUALS_BASELINE)
            return Rate(a / t)
        if a == 0:
            return Rate(Fraction(1))  # nothing at all is at or under any non-negative target
        return Rate(t / a)
    b = Fraction(baseline)
    if t == b:
        return _none(RateStatus.TARGET_EQUALS_BASELINE)
    if direction is Direction.HIGHER:
        if b > t:
            return _none(RateStatus.BASELINE_BEYOND_TARGET)
        return Rate((a - b) / (t - b))
    if b < t:
        return _none(RateStatus.BASELINE_BEYOND_TARGET)
    return Rate((b - a) / (b - t))


def achievement_rate(rule: IndicatorRule, m: Measurement | None) -> Rate:
    """Return the achievement rate of measurement m under rule (DOMAIN.md's table)."""
    if rule.stopped:
        return _none(RateStatus.STOPPED)
    tt = rule.target_type
    if tt is TargetType.QUALITATIVE:
        if m is None or m.qualitative_achieved is None:
            return _none(RateStatus.MISSING_VALUE)
        return Rate(Fraction(1 if m.qualitative_achieved else 0))
    if tt is TargetType.COMPOSITE:
        return _composite(rule, m)
    if tt is TargetType.RELATIVE and rule.reference is None:
        return _none(RateStatus.MISSING_REFERENCE)  # 判定不能 until the cycle's reference value is entered
    if m is None or m.number is None:
        return _none(RateStatus.MISSING_VALUE)
    if tt is TargetType.RELATIVE:
        return _relative(rule, m.number)
    if tt in (TargetType.INCREASE, TargetType.DECREASE):
        if rule.baseline is None:
            return _none(RateStatus.MISSING_TARGET)
        better = m.number > rule.baseline if tt is TargetType.INCREASE else m.number < rule.baseline
        return Rate(Fraction(1 if better else 0))
    if rule.target is None:
        return _none(RateStatus.MISSING_TARGET)
    rate = _progress(rule.target, rule.baseline, m.number, rule.direction)
    if rate.value is not None and _on_strict_target(rule.comparison, rule.target, m.number):
        return Rate(rate.value, rate.status, rate.weakest_part, on_strict_target=True)
    return rate


def _relative(rule: IndicatorRule, actual) -> Rate:
    """A relative target (全国平均を上回る): achieved (1) or not (0) against the cycle's reference value, by the
    target's comparison (by default 以上 for higher-is-better, 以下 for lower-is-better); 判定不能 until entered."""
    if rule.reference is None:
        return _none(RateStatus.MISSING_REFERENCE)
    a, r = Fraction(actual), Fraction(rule.reference)
    cmp = rule.comparison or (Comparison.GE if rule.direction is Direction.HIGHER else Comparison.LE)
    met = {Comparison.GE: a >= r, Comparison.GT: a > r, Comparison.LE: a <= r, Comparison.LT: a < r}[cmp]
    return Rate(Fraction(1 if met else 0))


def _on_strict_target(comparison: Comparison | None, target, actual) -> bool:
    """An actual exactly on a 超 (gt) or 未満 (lt) target: 93% against 「93%超」 is not achieved."""
    return comparison is not None and comparison.strict and Fraction(actual) == Fraction(target)


def _composite(rule: IndicatorRule, m: Measurement | None) -> Rate:
    if not rule.parts:
        return _none(RateStatus.MISSING_TARGET)
    weakest: Rate | None = None
    for part in rule.parts:
        actual = None if m is None else m.parts.get(part.no)
        if actual is None:
            return _none(RateStatus.MISSING_VALUE)
        if part.target is None:  # the part aims to beat its baseline: 1 or 0, as 増加・減少を目指す
            if part.baseline is None:
                return Rate(None, RateStatus.MISSING_TARGET, part.no)
            better = actual > part.baseline if rule.direction is Direction.HIGHER else actual < part.baseline
            r = Rate(Fraction(1 if better else 0))
        else:
            r = _progress(part.target, part.baseline, actual, rule.direction)
        if r.value is None:
            return Rate(None, r.status, part.no)
        if weakest is None or r.value < weakest.value:
            weakest = Rate(r.value, RateStatus.OK, part.no)
    return weakest
