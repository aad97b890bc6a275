"""One row of a printed indicator list read as a person reads it: every cell, every problem at once.

Pure. Each figure cell goes through the marks (kpi.domain.planning_marks: footnote marks kept as the note, large
numerals, labelled parts, comparison words, relative references), then its period (kpi.domain.planning_periods,
through the plan's printed era), and the rest is read by kpi.domain.planning_text. A refused target never hides
the row's baseline: both are read and every problem is listed, with the text, what was understood and what to write.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from .model import Direction, TargetType
from .normalize import InputError
from .planning_marks import (comparison_of, expand_numerals, multiplier, fold, kanji_numerals, labelled_parts, relative_of,
                             strip_marks)
from .planning_periods import Period, PeriodError, period_label, split_period
from .planning_text import (BASELINE, KIND, TARGET, UNIT, CellProblem, PlannedBaseline, PlannedTarget, RowProblems,
                            parse_baseline, parse_kind, parse_target)

__all__ = ["RowReading", "read_row", "TARGET_TYPES"]

TARGET_TYPES = ("numeric", "increase", "decrease", "qualitative", "composite", "relative")
_BLANK = {"", "-", "－", "―", "—", "─", "ー", "‐", "なし", "無し", "未集計", "未把握"}
_CMP_DIRECTION = {"ge": Direction.HIGHER, "gt": Direction.HIGHER, "le": Direction.LOWER, "lt": Direction.LOWER}


@dataclass(frozen=True)
class RowReading:
    """What a person reads in one row (the dry run's indicator object)."""

    target_type: str
    direction: Direction
    comparison: str | None
    target: Decimal | None
    target_text: str
    target_period: Period | None
    baseline: Decimal | None
    baseline_text: str | None
    baseline_period: Period | None
    unit: str | None
    parts: tuple[dict, ...] = ()
    note: str | None = None
    reference: str | None = None
    planned_target: PlannedTarget | None = None
    planned_baseline: PlannedBaseline | None = None
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        """The dry run's indicator fields (figures as strings, periods as the resolved label)."""
        return {"target_type": self.target_type, "comparison": self.comparison, "direction": self.direction.value,
                "target": _s(self.target) if self.target is not None else self.target_text,
                "target_period": period_label(self.target_period),
                "baseline": _s(self.baseline) if self.baseline is not None else self.baseline_text,
                "baseline_period": period_label(self.baseline_period), "unit": self.unit,
                "parts": list(self.parts), "note": self.note, "reference": self.reference}


def _s(d: Decimal) -> str:
    return format(d.normalize(), "f")


@dataclass
class _Cell:
    original: str
    body: str
    period: Period | None = None
    note: str | None = None
    aggregate: str | None = None


def _prepare(column: str, text: str | None, printed_era: str | None, problems: list[CellProblem]) -> _Cell | None:
    if text is None or fold(text) in _BLANK:
        return None
    s = fold(text)
    body, note = strip_marks(kanji_numerals(s))
    body = re.sub(r"^[⇒→]\s*", "", body)
    body = re.sub(r"\s*[(（](?:現状値?|目標値?|中間目標?|基準値?)[)）]\s*$", "", body)  # 「31万m3(現状)」: a column label
    m = re.match(r"^(?P<rank>全国\d+位)の?\s*(?=\d)", body)
    if m:  # 「全国45位の20.9%」: the rank restates the figure
        body, note = body[m.end():], " ".join(x for x in (note, f"（{m.group('rank')}）") if x)
    m = re.fullmatch(r"[(（](?P<inner>[^()（）]*)[)）]", body)
    if m:  # 「(21,371人:2014年4月)」: the whole cell in parentheses
        body = m.group("inner").strip()
    m = re.match(r"^(?P<body>.*?\S)\s*[(（]\s*(?P<every>毎年度|毎年)\s*[)）]$", body)
    if m:  # 「30%以上 (毎年度)」: the same target every year
        body, note = m.group("body"), " ".join(x for x in (note, m.group("every")) if x)
    m = re.match(r"^(?P<per>(?:1|一)(?:日|人|世帯|か月|ヶ月|月|年)当たり)\s*(?P<body>\d.*)$", body)
    if m:  # 「1日当たり 2時間30分」: the rate's denominator goes to the note
        body, note = m.group("body"), " ".join(x for x in (note, m.group("per")) if x)
    m = re.fullmatch(r"[【\[](?P<when>(?:令和|平成|R|H)?(?:元|\d{1,4})年度?)(?:実績|現在|時点)?[:：]\s*(?P<fig>[^【】]+)[】\]]",
                     body)
    if m:  # 「【令和元年実績:4.8兆円】」: the figure of that year
        body = f"{m.group('fig').strip()}({m.group('when')})"
    m = re.fullmatch(r"(?P<end>\d{4})(?P<fy>年度?)までの(?P<n>\d{1,2})年間で\s*(?P<fig>\d[^、,]*)", body)
    if m:  # 「2020年までの5年間で30万人」: the total over those years
        start = int(m.group("end")) - int(m.group("n")) + 1
        body = f"{m.group('fig').strip()}({start}{m.group('fy')}～{m.group('end')}{m.group('fy')}の累計)"
    m = re.fullmatch(r"(?P<when>(?:令和|平成|R|H)?(?:元|\d{1,4})年度?)(?:末)?までに\s*(?P<fig>[^、,]+)", body)
    if m:  # 「令和7年までに20万円」: the figure by that year
        body = f"{m.group('fig').strip()}({m.group('when')})"
    m = re.fullmatch(r"(?P<by>(?:令和|平成|R|H)?(?:元|\d{1,4})年度?)(?:末)?までに\s*(?P<level>\S+水準(?:超え|以上))", body)
    if m:  # 「令和7年までに令和元年水準超え」: the level (read against the baseline in read_row) by that year
        body = f"{m.group('level')}({m.group('by')})"
    m = re.fullmatch(r"[(（]参考値?[)）]\s*(?P<what>[^\d]+?)\s*(?P<fig>\d[\d,.]*\s*[^\s\d()（）]{0,4})"
                     r"(?P<when>\s*[(（][^()（）]*[)）])?", body)
    if m:  # 「(参考値)…を配置している施設の割合 70.5%」: the plan's reference figure; what it counts goes to the note
        body, note = m.group("fig") + (m.group("when") or ""), " ".join(x for x in (note, f"（参考値: {m.group('what').strip()}）") if x)
    m = re.match(r"^早期に\s*(?=\d[^、,]*$)", body)
    if m:  # 「早期に5兆円」: no year is printed; 早期に goes to the note
        body, note = body[m.end():], " ".join(x for x in (note, "早期に") if x)
    body = re.sub(r"^(\d+)・(\d+)\s*%$", r"\1.\2%", body)  # 「26・1%」: a newspaper's decimal point
    m = re.match(r"^「(?P<label>[^「」]+)」\s*(?=\d)", body)
    if m:  # 「「アジア最大の開催国」3割以上」: the quoted aim names the target; it goes to the note
        body, note = body[m.end():], " ".join(x for x in (note, m.group(0).strip()) if x)
    m = re.fullmatch(r"(?P<n>\d+(?:\.\d+)?)\s*割(?P<rest>以上|以下|未満|超|程度)?", body)
    if m:  # 「3割以上」: tenths, i.e. 30%以上
        body = f"{format((Decimal(m.group('n')) * 10).normalize(), 'f')}%{m.group('rest') or ''}"
    m = re.match(r"^(?:毎)?(?P<per>週|月)\s*(?=\d)", body)
    if m:  # 「週9.7回」「週11回以上」: per week (month); the denominator goes to the note as above
        body, note = body[m.end():], " ".join(x for x in (note, f"{m.group('per')}当たり") if x)
    body = re.sub(r"(\d+)\s*時間\s*(\d+)\s*分", lambda h: f"{int(h.group(1)) * 60 + int(h.group(2))}分", body)
    try:
        body, period = split_period(body, printed_era=printed_era)
    except PeriodError as error:
        problems.append(CellProblem(column, f"「{column}」の「{s[:40]}」: {error}"))
        return _Cell(text.strip(), "", None, note)
    body, _ = strip_marks(body)
    aggregate = None
    m = re.match(r"^(?P<body>.*?\S)\s*[(（]\s*(?P<agg>累計|合計|平均)\s*[)）]$", body)
    if m:  # 「75人(累計)」: cumulative over the plan's period (its years are the strategy's)
        aggregate = {"累計": "cumulative", "合計": "cumulative", "平均": "average"}[m.group("agg")]
        body = m.group("body")
    if re.fullmatch(r"[-－―—─ー‐]\s*[^\d\s]{1,6}", body):  # 「― 件/年」: no figure, only its unit
        return None
    if re.search(r"\d,\d{4}|\d,\d{1,2}(?!\d)", body):
        problems.append(CellProblem(column, f"「{column}」の「{s[:40]}」は桁区切りの「,」の位置が3桁ごとになっていないため、"
                                            "どの数か決められません（印刷の誤りの可能性があります）。計画の原本で数値を確かめて"
                                            "「430,000,000円」のように書いてください。"))
        return _Cell(text.strip(), "", period, note, aggregate)
    m = None
    m = re.match(r"^(平均|累計)\s*(?=\d)", body)
    if m:
        aggregate = {"平均": "average", "累計": "cumulative"}[m.group(1)]
        body = body[m.end():]
    body = expand_numerals(body).strip()
    m = re.fullmatch(r"(?P<what>[^\d\s]{0,12}?)(?:の)?解消(?:を)?(?:目指す|めざす|目指します|めざします)?", body)
    if m and column == TARGET:  # 「待機児童解消をめざす」: none left, i.e. zero
        body = "0以下"
        note = " ".join(x for x in (note, f"（{m.group(0)}）") if x)
    m = _SHARE_CHANGE.match(body)
    if m is not None:  # 「(10%(平成20年)から) 5割減」: the target is the printed figure changed by the share
        ref = Decimal(m.group("ref").replace(",", ""))
        share = Decimal(m.group("n")) / (10 if m.group("unit") == "割" else 100)
        value = ref * (1 - share) if m.group("dir") in ("減", "削減", "減少") else ref * (1 + share)
        body = f"{format(value.normalize(), 'f')}{m.group('u')}{'以下' if m.group('dir') in ('減', '削減', '減少') else '以上'}"
        note = " ".join(x for x in (note, f"（{m.group(0)}）") if x)
    m = re.fullmatch(r"(?P<fig>\d[\d,.]*\s*[^\d\s()（）%]{1,6})\s*[(（](?P<share>\d[\d,.]*\s*%)[)）]", body)
    if m:  # 「18人(18.2%)」: the share restates the figure; it goes to the note
        body, note = m.group("fig"), " ".join(x for x in (note, f"（{m.group('share')}）") if x)
    m = _MANY.match(body)
    if m is not None and labelled_parts(body) is None:  # 「44.2% 34市町村 全国41位」: the first figure, the rest noted
        body, rest = m.group("first"), m.group("rest")
        note = " ".join(x for x in (note, f"（併記: {rest}）") if x)
    return _Cell(text.strip(), body, period, note, aggregate)


_SHARE_CHANGE = re.compile(r"^[(（]?\s*(?P<ref>\d[\d,]*(?:\.\d+)?)\s*(?P<u>%|[^\d\s()（）]{0,4}?)\s*(?:[(（][^()（）]*[)）])?\s*"
                           r"から\s*[)）]?\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>割|%)\s*(?P<dir>減少|削減|減|増加|増)$")
_MANY = re.compile(r"^(?P<first>\d[\d,.]*\s*[^\d\s]{0,6})\s+(?P<rest>(?:[^\d\s]{0,4}\d[\d,.]*\s*[^\d\s]{0,6}\s*)+)$")


def read_row(*, target: str | None, baseline: str | None, unit: str | None = None, kind: str | None = None,
             printed_era: str | None = None) -> RowReading:
    """The row's reading, or RowProblems listing every cell that cannot be read."""
    problems: list[CellProblem] = []
    unit_text = fold(unit) if unit and fold(unit) not in _BLANK else None
    forced = None
    try:
        forced = parse_kind(kind)
    except InputError as error:
        problems.append(CellProblem(KIND, str(error)))
    t = _prepare(TARGET, target, printed_era, problems)
    b = _prepare(BASELINE, baseline, printed_era, problems)
    if t is None:
        problems.append(CellProblem(TARGET, f"「{TARGET}」が空です。「720社 (2027年度)」「増加を目指す」「85%以上」のように"
                                            "入力してください。"))
    note = " ".join(dict.fromkeys(x for x in (t.note if t else None, b.note if b else None) if x)) or None

    m = re.fullmatch(r"(?P<when>(?:令和|平成|R|H)?(?:元|\d{1,4})年度?)水準(?P<cmp>超え|以上)", t.body) if t else None
    if m and b is not None and b.body:  # 「令和元年水準超え」: more than the printed baseline of that year
        note = " ".join(x for x in (note, f"（{m.group(0)}）") if x)
        t = replace(t, body=f"{b.body}{'超' if m.group('cmp') == '超え' else '以上'}")

    # relative targets: 全国平均を上回る
    relative = relative_of(t.body) if t is not None else None
    if relative is not None:
        bl = _baseline_figure(b, unit_text, problems)
        if problems:
            raise RowProblems(problems)
        return RowReading("relative", _CMP_DIRECTION[relative.comparison], relative.comparison, None, t.original,
                          t.period, bl[0], b.original if b else None, b.period if b else None,
                          unit_text or bl[1], note=note, reference=relative.reference)

    # labelled parts: 男性58.2%／女性47.9% as a baseline, いずれも85% as a target
    t_parts = labelled_parts(t.body) if t is not None else None
    b_parts = labelled_parts(b.body) if b is not None else None
    if b_parts is not None or (t_parts is not None and not t_parts.shared):
        return _parted(t, b, t_parts, b_parts, unit_text, note, problems)

    planned_t = None
    if t is not None and t.body:  # an empty body: the cell was refused above (its problem is listed)
        try:
            planned_t = parse_target(t.body, unit=unit_text or _unit_of(t.body) or _unit_of(b.body if b else None),
                                     kind=forced, field=TARGET)
        except InputError as error:
            problems.append(CellProblem(TARGET, f"{error}（読み取れた期間: {period_label(t.period) or 'なし'}）"))
    stand_in = planned_t or PlannedTarget(TargetType.NUMERIC, "")
    planned_b = None
    if b is not None and b.body:
        try:
            planned_b = parse_baseline(b.body, target=stand_in, unit=unit_text or _unit_of(b.body)
                                       or _unit_of(t.body if t else None), field=BASELINE)
        except InputError as error:
            problems.append(CellProblem(BASELINE, f"{error}（読み取れた期間: {period_label(b.period) or 'なし'}）"))
    if planned_t is not None and planned_t.target_type in (TargetType.INCREASE, TargetType.DECREASE) \
            and (planned_b is None or planned_b.value is None) and not any(p.column == BASELINE for p in problems):
        problems.append(CellProblem(BASELINE, f"「{planned_t.text}」の目標には「{BASELINE}」の数値が必要です"
                                              "（比べる基準がないと達成を判定できません）。"))
    if planned_t and planned_b and planned_t.unit and planned_b.unit and not unit_text \
            and _base_unit(planned_t.unit) != _base_unit(planned_b.unit):
        problems.append(CellProblem(BASELINE, f"「{BASELINE}」の単位「{planned_b.unit}」と「{TARGET}」の単位"
                                              f"「{planned_t.unit}」が違います。同じ単位で比べられるように、どちらかを直すか"
                                              "「単位」の列に書いてください。"))
    if planned_t and planned_b and t.period and b.period and t.period.end < b.period.end:
        problems.append(CellProblem(TARGET, f"「{TARGET}」の期間（{period_label(t.period)}）が「{BASELINE}」の期間"
                                            f"（{period_label(b.period)}）より前です。元号や年を確かめてください。"))
    if problems:
        raise RowProblems(problems)
    assert planned_t is not None and t is not None
    if planned_b is not None and planned_t.value is not None and planned_b.value is not None and not unit_text \
            and planned_t.unit and planned_b.unit and _prefix(planned_t.unit) != _prefix(planned_b.unit):
        planned_t, planned_b = _in_base_unit(planned_t), _in_base_unit(planned_b)  # 「4千万人」 against 「1974万人」
    comparison = comparison_of(t.body) if planned_t.target_type is TargetType.NUMERIC else None
    direction = planned_t.direction or (_CMP_DIRECTION[comparison] if comparison else None)
    if direction is None:
        lower = (planned_b is not None and planned_b.value is not None and planned_t.value is not None
                 and planned_t.value < planned_b.value)
        lower = lower or (planned_t.value == 0 and (planned_b is None or planned_b.value is None))  # 「0%」: none
        direction = Direction.LOWER if lower else Direction.HIGHER
    if planned_t.target_type is TargetType.NUMERIC and comparison is None:
        comparison = "ge" if direction is Direction.HIGHER else "le"
    the_unit = unit_text or planned_t.unit or (planned_b.unit if planned_b else None)
    if planned_t.target_type is TargetType.QUALITATIVE:
        the_unit = unit_text
    period = t.period
    if t.aggregate and period is None:
        note = " ".join(x for x in (note, {"cumulative": "累計", "average": "平均"}[t.aggregate]) if x)
    if period is not None and period.kind == "range" and period.aggregate is None and t.aggregate:
        period = Period(period.kind, period.start, period.end, period.text, t.aggregate, fiscal=period.fiscal)
    return RowReading(planned_t.target_type.value, direction, comparison, planned_t.value, t.original, period,
                      planned_b.value if planned_b else None, b.original if planned_b else None,
                      b.period if b else None, the_unit,
                      tuple({"no": p.no, "label": p.label, "target": _s(p.value), "baseline": None}
                            for p in planned_t.parts),
                      note, planned_target=planned_t, planned_baseline=planned_b)


_PREFIX = re.compile(r"^(?:[千百]?[兆億万]|千)")


def _base_unit(unit: str) -> str:
    """The unit without a leading 万・千・百万・千億… and a trailing 「/年」 (「千人」 and 「人」, 「m3/年」 and 「m3」 compare;
    「組」 and 「人」 do not)."""
    return re.sub(r"/年度?$", "", _PREFIX.sub("", unit))


def _prefix(unit: str) -> str:
    m = _PREFIX.match(unit)
    return m.group(0) if m else ""


def _in_base_unit(planned):
    """A figure whose unit carries a multiplier (「8兆円」, 「4千万人」) in the plain unit (「8000000000000円」), so that a
    target and a baseline printed with different multipliers compare as numbers."""
    head = _prefix(planned.unit)
    if not head:
        return planned
    return replace(planned, value=planned.value * multiplier(head), unit=planned.unit[len(head):])


def _unit_of(body: str | None) -> str | None:
    if not body:
        return None
    m = re.match(r"^(?:約)?\s*[+\-−▲△]?\d[\d,.]*\s*(?P<u>(?:[^\d\s()（）]|(?<=[A-Za-z])[23]){1,8}?)\s*(?:以上|以下|未満|超|を超える|を上回る|"
                 r"を下回る|に増加|に減少|まで減少|まで増加|程度)?$", body)
    if m is None or m.group("u") in ("万", "千") or any(w in m.group("u") for w in _NOT_IN_UNITS):
        return None
    return m.group("u")


_NOT_IN_UNITS = ("くらい", "ぐらい", "ほど", "前後", "余", "程度", "を", "に", "で", "が", "は", "へ", "まで", "から", "より")


def _figure(text: str, unit: str | None, column: str, problems: list[CellProblem]) -> tuple[Decimal | None, str | None]:
    try:
        planned = parse_baseline(text, target=PlannedTarget(TargetType.NUMERIC, ""), unit=unit or _unit_of(text),
                                 field=column)
    except InputError as error:
        problems.append(CellProblem(column, str(error)))
        return None, None
    return (planned.value, planned.unit) if planned else (None, None)


def _baseline_figure(b: _Cell | None, unit: str | None, problems) -> tuple[Decimal | None, str | None]:
    return (None, None) if b is None else _figure(b.body, unit, BASELINE, problems)


def _parted(t, b, t_parts, b_parts, unit_text, note, problems) -> RowReading:
    """A target per labelled part (composite): labels from the target or the baseline, a shared target to each."""
    labels = [label for label, _ in (t_parts.parts if t_parts and not t_parts.shared else b_parts.parts)]
    targets: dict[str, Decimal | None] = {}
    if t is None:
        pass
    elif t_parts is not None and t_parts.shared:
        value, _ = _figure(t_parts.parts[0][1], unit_text, TARGET, problems)
        targets = {label: value for label in labels}
    elif t_parts is not None:
        targets = {label: _figure(fig, unit_text, TARGET, problems)[0] for label, fig in t_parts.parts}
    elif re.match(r"^(?:前年度|基準値|現状)?(?:より|から|比で?)?\s*(増加|増大|拡大|向上|上昇|延伸|減少|削減|縮減|低下|短縮|縮小)"
                  r"(?:傾向へ|傾向に)?\s*(?:を目指(?:します|す)|させる|する)?$", t.body):
        aim = "decrease" if re.search(r"減少|削減|縮減|低下|短縮|縮小", t.body) else "increase"
        baselines = {label: _figure(fig, unit_text, BASELINE, problems)[0] for label, fig in b_parts.parts}
        if problems:
            raise RowProblems(problems)
        parts = tuple({"no": i, "label": label, "target": None, "baseline": _s(v) if v is not None else None}
                      for i, (label, v) in enumerate(baselines.items(), start=1))
        unit = unit_text or next((u for _, fig in b_parts.parts for u in [_unit_of(fig)] if u), None)
        return RowReading(aim, Direction.LOWER if aim == "decrease" else Direction.HIGHER, None, None, t.original,
                          t.period, None, b.original, b.period, unit, parts, note)
    elif _unit_of(t.body) is not None or re.fullmatch(r"\d[\d,.]*", t.body):
        value, _ = _figure(t.body, unit_text, TARGET, problems)
        targets = {label: value for label in labels}
    else:
        problems.append(CellProblem(TARGET, f"「{BASELINE}」は部分（{'・'.join(labels)}）ごとの値ですが、「{TARGET}」の"
                                            f"「{t.original[:40]}」は部分ごとの目標として読めません。「いずれも85%」か"
                                            f"「{labels[0]}60%／{labels[1]}60%」のように書くか、部分ごとに1行に分けてください。"))
    baselines = {label: _figure(fig, unit_text, BASELINE, problems)[0] for label, fig in b_parts.parts} if b_parts else {}
    if b_parts and sorted(baselines) != sorted(labels):
        problems.append(CellProblem(BASELINE, f"「{BASELINE}」の部分（{'・'.join(baselines)}）が「{TARGET}」の部分"
                                              f"（{'・'.join(labels)}）と違います。"))
    if problems:
        raise RowProblems(problems)
    unit = unit_text or next((u for _, fig in (t_parts or b_parts).parts for u in [_unit_of(fig)] if u), None)
    parts = tuple({"no": i, "label": label, "target": _s(targets[label]) if targets.get(label) is not None else None,
                   "baseline": _s(baselines[label]) if baselines.get(label) is not None else None}
                  for i, label in enumerate(labels, start=1))
    higher = all(targets.get(label) is None or baselines.get(label) is None or targets[label] >= baselines[label]
                 for label in labels)
    return RowReading("composite", Direction.HIGHER if higher else Direction.LOWER, None, None, t.original,
                      t.period, None, b.original if b else None, b.period if b else None, unit, parts, note)
