"""Cells of indicator lists as planning documents print them → the structured fields of an indicator.

Pure (standard library and the project's normalizer only). Planning documents print a baseline (現状・基準値) and
a target (目標) per indicator in a handful of forms; each is read here:

* a figure with its fiscal year: 「710社 (2022年度)」「710社（令和4年度末）」「R元年度：65,667件/月」「H30年度 103,222件」
  「約3.6万人」「３６，８２１人」 (numbers through :func:`kpi.domain.normalize.parse_number`, years through
  :func:`kpi.domain.normalize.parse_fiscal_year`);
* an aim: 「増加を目指します」「増加を目指す」 (increase), 「減少を目指す」 (decrease);
* a bound: 「85%を超える」「85%以上」 (numeric target 85, higher is better), 「12%以下」「12%未満」 (lower is better);
  「720社に増加」「12.0%まで減少」;
* no baseline: blank or a single dash (-, －, ―, —, ー);
* several parts: 「県・52市町村・13林業事業体」 (composite; a part without a number, 県, counts as 1);
* anything else without digits: a qualitative target (「相談窓口等の設置（ネット・出前等）」), kept as printed.

A cell that cannot be read raises :class:`InputError` whose message is one Japanese sentence naming the column.
:func:`plan_indicator` combines one row's cells (unit inference, direction, consistency) and reports every
problem of the row at once as :class:`RowProblems`.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from .model import Direction, TargetType
from .normalize import InputError, clean_text, parse_number
from .planning_headings import parse_numbered_label
from .planning_model import (CellProblem, IndicatorPlan, PlannedBaseline, PlannedFigure, PlannedPart, PlannedTarget,
                             RowProblems)
from .planning_years import split_fiscal_year

__all__ = [
    "PlannedFigure", "PlannedPart", "PlannedTarget", "PlannedBaseline", "IndicatorPlan", "CellProblem",
    "RowProblems", "KIND_LABELS", "parse_target", "parse_baseline", "parse_numbered_label", "plan_indicator",
    "split_fiscal_year",
]

BASELINE = "現状（基準値）"
TARGET = "目標"
KIND = "目標の種類"
UNIT = "単位"

KIND_LABELS = {
    TargetType.NUMERIC: "数値", TargetType.INCREASE: "増加", TargetType.DECREASE: "減少",
    TargetType.QUALITATIVE: "定性", TargetType.COMPOSITE: "複合", TargetType.RELATIVE: "相対",
}
_KIND_BY_LABEL = {**{v: k for k, v in KIND_LABELS.items()}, "数値目標": TargetType.NUMERIC,
                  "増加を目指す": TargetType.INCREASE, "減少を目指す": TargetType.DECREASE,
                  "定性目標": TargetType.QUALITATIVE, "定性的": TargetType.QUALITATIVE,
                  "複合目標": TargetType.COMPOSITE, **{k.value: k for k in TargetType}}


# ---------------------------------------------------------------------------------------------------------
# text helpers


def _fold(text: str) -> str:
    """NFKC, format characters dropped, runs of whitespace as one space, trimmed."""
    s = "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
                or ch in "\n\t")
    return re.sub(r"\s+", " ", s).strip()


def _shown(text: str) -> str:
    s = _fold(text)
    return s if len(s) <= 40 else s[:40] + "…"


_BLANKS = frozenset({"", "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\u2500", "ー",
                     "－", "―", "—", "なし", "無し", "-(なし)"})

_NUMBER = re.compile(r"^(?:延べ|のべ)?\s*(?:約)?\s*[+\-−▲△]?\s*\d[\d,.、]*\s*(?P<suffix>.*?)\s*(?:程度)?$")


def _printed_unit(body: str) -> str | None:
    """The unit printed after the figure (「710社」 → 社, 「3.6万人」 → 万人, 「85%」 → %), or None."""
    m = _NUMBER.match(body)
    if m is None:
        return None
    suffix = m.group("suffix").strip()
    return suffix or None


def _figure(body: str, *, field: str, unit: str | None) -> Decimal:
    parsed = parse_number(body, unit=unit, field=field, allow_negative=True, percent_max=None)
    if parsed is None:
        raise InputError(f"「{field}」の数値がありません。", field=field, text=body)
    return parsed.value


def _has_digit(text: str) -> bool:
    return any(unicodedata.decimal(ch, None) is not None for ch in text)


# ---------------------------------------------------------------------------------------------------------
# composite values

_PART_NUMBER_FIRST = re.compile(r"^(?P<num>\d[\d,.]*)\s*(?P<label>[^\d()\s][^\d()]*)$")
_PART_LABEL_FIRST = re.compile(r"^(?P<label>[^\d()\s][^\d()]*?)\s*(?P<num>\d[\d,.]*)\s*(?P<unit>[^\d()]*)$")
_PART_LABEL_ONLY = re.compile(r"^(?P<label>[^\d()\s][^\d()]{0,11})$")


def _composite(body: str, *, field: str) -> tuple[PlannedPart, ...] | None:
    """Parts of 「県・52市町村・13林業事業体」, or None when the text is not such a list."""
    pieces = [p.strip() for p in body.split("・")]
    if len(pieces) < 2 or not _has_digit(body):
        return None
    parts: list[PlannedPart] = []
    for no, piece in enumerate(pieces, start=1):
        for pattern in (_PART_NUMBER_FIRST, _PART_LABEL_FIRST, _PART_LABEL_ONLY):
            m = pattern.match(piece)
            if m is not None:
                break
        else:
            return None
        num = m.groupdict().get("num")
        value = Decimal(1) if num is None else _figure(num, field=field, unit=None)
        parts.append(PlannedPart(no, m.group("label").strip(), value))
    if len({p.label for p in parts}) != len(parts):
        raise InputError(f"「{field}」の「{_shown(body)}」に同じ名前の部分が複数あります。部分ごとに違う名前にしてください。",
                         field=field, text=body)
    return tuple(parts)


# ---------------------------------------------------------------------------------------------------------
# targets

_AIM = re.compile(r"^(?:(?:前年度|基準値|現状|基準年度)(?:より|から|比で?)?\s*)?(?P<aim>増加|増大|拡大|向上|上昇|延伸|減少|削減|縮減|縮小|短縮|低下)"
                  r"(?:傾向へ|傾向に)?\s*(?:を目指(?:します|す)|させる|する|させます|します)?\s*[。.]?$")
_BOUND = re.compile(r"^(?P<num>.+?)\s*(?P<bound>以上|を超える|を上回る|超|以下|を下回る|未満)"
                    r"\s*(?:を?(?:維持|確保|目指す|目指します|達成))?\s*[。.]?$")
_TOWARD = re.compile(r"^(?P<num>.+?)\s*(?:に|へ|まで)\s*(?P<aim>増加|増大|拡大|向上|上昇|延伸|減少|削減|縮減|縮小|短縮|低下)"
                     r"\s*(?:を目指(?:します|す)|させる|する|させます|します)?\s*[。.]?$")
_AIM_AT = re.compile(r"^(?P<num>.+?)\s*(?:を目指(?:します|す)|を達成|とする)\s*[。.]?$")
_DOWN_WORDS = ("減少", "削減", "縮減", "縮小", "短縮", "低下")
_LOWER_BOUNDS = ("以下", "を下回る", "未満")

_EXAMPLES = "「720社 (2027年度)」「増加を目指す」「85%以上」「県・52市町村・13林業事業体」のように入力してください"


def parse_target(text: str | None, *, unit: str | None = None, kind: TargetType | None = None,
                 field: str = TARGET) -> PlannedTarget:
    """The target cell as structured fields; InputError naming the column when it is blank or unreadable.

    kind forces the target type (from the 目標の種類 column); None reads it from the text. With kind
    QUALITATIVE any text is kept as printed. unit is the indicator's unit when known: a printed unit must match it.
    """
    original = clean_text(text, field=field, max_length=500)
    if original is None or _fold(original) in _BLANKS:
        raise InputError(f"「{field}」が空です。{_EXAMPLES}（数値でない目標はそのまま文章で書いてください）。",
                         field=field, text=text or "")
    if kind is TargetType.QUALITATIVE:
        return PlannedTarget(TargetType.QUALITATIVE, original)
    body, fy, fy_text = split_fiscal_year(original, field=field)
    base = {"text": original, "fiscal_year": fy, "fiscal_year_text": fy_text}

    m = _AIM.match(body)
    if m is not None and kind in (None, TargetType.INCREASE, TargetType.DECREASE):
        down = m.group("aim") in _DOWN_WORDS
        found = TargetType.DECREASE if down else TargetType.INCREASE
        if kind is not None and kind is not found:
            raise _kind_mismatch(field, original, kind)
        return PlannedTarget(found, direction=Direction.LOWER if down else Direction.HIGHER, **base)

    if kind in (None, TargetType.COMPOSITE):
        parts = _composite(body, field=field)
        if parts is not None:
            return PlannedTarget(TargetType.COMPOSITE, parts=parts, direction=Direction.HIGHER, **base)
        if kind is TargetType.COMPOSITE:
            raise InputError(f"「{field}」の「{_shown(original)}」を複合目標として読み取れません。"
                             "「県・52市町村・13林業事業体」のように部分を「・」で区切ってください。", field=field, text=original)

    if not _has_digit(body):
        if kind in (None, TargetType.QUALITATIVE):
            return PlannedTarget(TargetType.QUALITATIVE, original)
        raise _kind_mismatch(field, original, kind)

    direction: Direction | None = None
    number = body
    for pattern in (_BOUND, _TOWARD, _AIM_AT):
        m = pattern.match(body)
        if m is not None and _NUMBER.match(m.group("num")):
            number = m.group("num")
            word = m.groupdict().get("bound") or m.groupdict().get("aim")
            if word:
                down = word in _LOWER_BOUNDS or word in _DOWN_WORDS
                direction = Direction.LOWER if down else Direction.HIGHER
            break
    if _NUMBER.match(number) is None:
        raise InputError(f"「{field}」の「{_shown(original)}」を目標として読み取れません。{_EXAMPLES}。"
                         f"数字を含む文章の目標は「{KIND}」に「定性」と書いてください。", field=field, text=original)
    if kind not in (None, TargetType.NUMERIC):
        raise _kind_mismatch(field, original, kind)
    printed = _printed_unit(number)
    if unit is None and printed is not None and printed not in ("万", "千") and not _unit_like(printed):
        raise InputError(f"「{field}」の「{_shown(original)}」を目標として読み取れません。{_EXAMPLES}。", field=field,
                         text=original)
    value = _figure(number, field=field, unit=unit if unit is not None else _plain_unit(number))
    return PlannedTarget(TargetType.NUMERIC, value=value, direction=direction, unit=_printed_unit(number), **base)


def _kind_mismatch(field: str, text: str, kind: TargetType) -> InputError:
    return InputError(f"「{field}」の「{_shown(text)}」は、「{KIND}」の「{KIND_LABELS[kind]}」の書き方になっていません。"
                      f"{_EXAMPLES}。", field=field, text=text)


def parse_kind(text: str | None, *, field: str = KIND) -> TargetType | None:
    """The 目標の種類 column: 数値・増加・減少・定性・複合 (blank: read from the target text)."""
    s = _fold(text or "")
    if s in _BLANKS:
        return None
    kind = _KIND_BY_LABEL.get(s)
    if kind is None:
        choices = "・".join(KIND_LABELS.values())
        raise InputError(f"「{field}」の「{_shown(s)}」は選べません。{choices}のどれかを書くか、空欄にしてください。",
                         field=field, text=s)
    return kind


# ---------------------------------------------------------------------------------------------------------
# baselines


def parse_baseline(text: str | None, *, target: PlannedTarget, unit: str | None = None,
                   field: str = BASELINE) -> PlannedBaseline | None:
    """The baseline cell read against its target; None for blank or a dash; InputError when unreadable.

    A qualitative target takes any text (「未整備」); a composite one takes parts with the target's labels;
    the others take a figure in the indicator's unit, with its fiscal year when printed.
    """
    original = clean_text(text, field=field, max_length=500)
    if original is None or _fold(original) in _BLANKS:
        return None
    if target.target_type is TargetType.QUALITATIVE:
        return PlannedBaseline(original)
    body, fy, fy_text = split_fiscal_year(original, field=field)
    if _fold(body) in _BLANKS:
        return None
    base = {"text": original, "fiscal_year": fy, "fiscal_year_text": fy_text}
    if target.target_type is TargetType.COMPOSITE:
        parts = _composite(body, field=field)
        labels = [p.label for p in target.parts]
        if parts is None or sorted(p.label for p in parts) != sorted(labels):
            raise InputError(f"「{field}」の「{_shown(original)}」は目標と同じ部分（{'・'.join(labels)}）に分けて、"
                             f"「{'・'.join(f'{i}{label}' for i, label in enumerate(labels, start=1))}」のように"
                             "入力してください（現状がない場合は「-」）。", field=field, text=original)
        by_label = {p.label: p.value for p in parts}
        ordered = tuple(PlannedPart(p.no, p.label, by_label[p.label]) for p in target.parts)
        return PlannedBaseline(parts=ordered, **base)
    if _NUMBER.match(body) is None:
        raise InputError(f"「{field}」の「{_shown(original)}」を数値として読み取れません。「710社 (2022年度)」のように"
                         "数値と年度を入力してください（現状がない場合は「-」）。", field=field, text=original)
    printed = _printed_unit(body)
    if unit is None and printed is not None and printed not in ("万", "千") and not _unit_like(printed):
        raise InputError(f"「{field}」の「{_shown(original)}」を数値として読み取れません。「710社 (2022年度)」のように"
                         "数値と年度を入力してください（現状がない場合は「-」）。", field=field, text=original)
    value = _figure(body, field=field, unit=unit if unit is not None else _plain_unit(body))
    return PlannedBaseline(value=value, unit=_printed_unit(body), **base)


# ---------------------------------------------------------------------------------------------------------
# a whole row


def plan_indicator(*, target: str | None, baseline: str | None, unit: str | None = None,
                   kind: str | None = None) -> IndicatorPlan:
    """One row's target, baseline, unit and target-type cells as an indicator definition; RowProblems listing
    every cell that cannot be read (column header and a Japanese sentence).

    The unit is the 単位 column, else the unit printed with the target (or the baseline). Direction: what the
    text says (増加・以上 → higher, 減少・以下 → lower), else lower when a numeric target is below its
    baseline, else higher.
    """
    problems: list[CellProblem] = []

    def attempt(column: str, fn):
        try:
            return fn()
        except InputError as error:
            problems.append(CellProblem(column, str(error)))
            return None

    unit_text = attempt(UNIT, lambda: clean_text(unit, field=UNIT, max_length=20))
    forced = attempt(KIND, lambda: parse_kind(kind))
    unit_known = unit_text
    if unit_known is None:
        unit_known = _unit_from(target) or _unit_from(baseline)
    planned_target = attempt(TARGET, lambda: parse_target(target, unit=unit_known, kind=forced))
    planned_baseline = None
    if planned_target is not None:
        planned_baseline = attempt(BASELINE, lambda: parse_baseline(baseline, target=planned_target, unit=unit_known))
        tt = planned_target.target_type
        if tt in (TargetType.INCREASE, TargetType.DECREASE) and planned_baseline is None and not any(
                p.column == BASELINE for p in problems):
            aim = "増加" if tt is TargetType.INCREASE else "減少"
            problems.append(CellProblem(BASELINE, f"「{aim}を目指す」目標には「{BASELINE}」が必要です"
                                                  "（比べる基準がないと達成を判定できません）。数値と年度を入力してください。"))
        if (planned_baseline is not None and planned_baseline.fiscal_year and planned_target.fiscal_year
                and planned_target.fiscal_year < planned_baseline.fiscal_year):
            problems.append(CellProblem(TARGET, f"「{TARGET}」の年度（{planned_target.fiscal_year_text}）が"
                                                f"「{BASELINE}」の年度（{planned_baseline.fiscal_year_text}）より前です。"))
    if problems:
        raise RowProblems(problems)
    assert planned_target is not None
    direction = planned_target.direction
    if direction is None:
        lower = (planned_baseline is not None and planned_baseline.value is not None
                 and planned_target.value is not None and planned_target.value < planned_baseline.value)
        direction = Direction.LOWER if lower else Direction.HIGHER
    final_unit = unit_known if planned_target.target_type is not TargetType.QUALITATIVE or unit_text else unit_text
    return IndicatorPlan(final_unit, planned_target.target_type, direction, planned_target, planned_baseline)


def _unit_from(cell: str | None) -> str | None:
    """The unit printed in a figure cell (without its year and bound words), for a row without a 単位 column."""
    if not cell:
        return None
    try:
        body, _, _ = split_fiscal_year(cell, field=TARGET)
    except InputError:
        return None
    for pattern in (_BOUND, _TOWARD, _AIM_AT):
        m = pattern.match(body)
        if m is not None and _NUMBER.match(m.group("num")):
            body = m.group("num")
            break
    if "・" in body:
        return None
    return _plain_unit(body)


_NOT_IN_UNITS = ("以上", "以下", "未満", "超", "程度", "くらい", "ぐらい", "ほど", "前後", "余", "を", "に", "で", "が",
                 "は", "へ", "まで", "から", "より", "(", ")", " ")


def _plain_unit(body: str) -> str | None:
    """The printed unit of a figure when it can be one (「万」 alone is a multiplier, not a unit)."""
    printed = _printed_unit(body)
    if printed is None or printed in ("万", "千") or not _unit_like(printed):
        return None
    return printed


def _unit_like(printed: str) -> bool:
    """A unit, not words: no digits except a power after a letter (m3, km2 — ㎥ and ㎢ as NFKC prints them)."""
    digits_ok = re.sub(r"(?<=[A-Za-z])[23](?![\d])", "", printed)
    return not (_has_digit(digits_ok) or len(printed) > 10 or any(w in printed for w in _NOT_IN_UNITS))
