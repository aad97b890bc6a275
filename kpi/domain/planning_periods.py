"""Periods as planning documents print them: fiscal years, calendar years, points in time and multi-year ranges.

Pure. A plan prints 「(平成28年度)」「(32年度)」「(2026年)」「(H30.4.1)」「R5.4.1時点」「3年9月」
「(2023年度～2027年度の累計)」「平均95人（H27～R1）」. A year without its era (「32年度」「26年」) is read through
the plan's printed era (記載の元号, a setting of the strategy that defaults from the plan's adoption date); 平成 years
past 31 are the years a plan printed before 2019 wrote (平成32年度 = 2020年度). :func:`split_period` returns the
cell without its period and the :class:`Period`; :func:`period_label` is what the preview shows, so a person can
confirm the resolved year.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Period", "PeriodError", "ERAS", "split_period", "period_label", "era_of_year"]

ERAS = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}
_ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
KINDS = ("fiscal_year", "calendar_year", "point", "range")
AGGREGATES = ("cumulative", "average")


class PeriodError(ValueError):
    """A period that looks like one but cannot be resolved; the message is one Japanese sentence."""


@dataclass(frozen=True)
class Period:
    """kind: fiscal_year (年度), calendar_year (暦年), point (時点), range (several years, with aggregate
    cumulative 累計 / average 平均 / None); start and end are western years (equal unless a range); month and day
    for a point in time; text is the period as printed."""

    kind: str
    start: int
    end: int
    text: str
    aggregate: str | None = None
    month: int | None = None
    day: int | None = None
    fiscal: bool = True  # a range of fiscal years (年度) or of calendar years (年)

    @property
    def fiscal_year(self) -> int:
        """The fiscal year the period is judged in: its (last) year; a point in time falls in its fiscal year."""
        if self.kind == "point" and self.month is not None and self.month <= 3:
            return self.end - 1
        return self.end


def era_of_year(year: int) -> str:
    """The era a document adopted in this western year prints (2019 counts as 令和)."""
    return "令和" if year >= 2019 else "平成" if year >= 1989 else "昭和"


_ERA = r"(?:明治|大正|昭和|平成|令和|[MTSHR]\.?)"
_N = r"(?:元|\d{1,2})"
_YEAR = rf"(?:(?P<era>{_ERA})\s*(?P<n>{_N})|(?P<w>\d{{4}})|(?P<bare>{_N}))"


def _year(era: str | None, n: str | None, western: str | None, bare: str | None, printed_era: str | None,
          text: str) -> int:
    if western:
        return int(western)
    name = None
    if era:
        e = era.rstrip(".")
        name = _ERA_LETTERS.get(e.upper(), e)
    number = n if n is not None else bare
    if name is None:
        if printed_era is None:
            raise PeriodError(f"「{text}」の元号が分かりません。「令和3年度」「2021年度」のように書くか、"
                              "戦略の「記載の元号」（計画が印刷された時の元号）を設定してください。")
        name = printed_era
    k = 1 if number == "元" else int(number)
    if k < 1:
        raise PeriodError(f"「{text}」の年は元年（1年）から始まります。")
    return ERAS[name] + k


def _y(m: re.Match, suffix: str, printed_era: str | None, text: str) -> int:
    g = m.groupdict()
    return _year(g.get(f"era{suffix}"), g.get(f"n{suffix}"), g.get(f"w{suffix}"), g.get(f"bare{suffix}"),
                 printed_era, text)


def _named(pattern: str, suffix: str) -> str:
    return pattern.replace("?P<era>", f"?P<era{suffix}>").replace("?P<n>", f"?P<n{suffix}>") \
        .replace("?P<w>", f"?P<w{suffix}>").replace("?P<bare>", f"?P<bare{suffix}>")


_NENDO = r"(?P<unit>年度|年)?"
_TAIL = r"(?P<tail>末|中|当初)?\s*(?P<state>時点|現在|実績値?|見込み?値?|予測値?|推計値?|速報値?|確定値?|目標値?|基準値?|値)?"
_AGG = r"(?:\s*の?\s*(?P<agg>累計|合計|平均))?"
_RANGE = re.compile(rf"^(?P<agg0>平均|累計)?\s*{_named(_YEAR, 'a')}\s*(?P<unita>年度|年)?\s*[~〜～\-－―ー]\s*"
                    rf"{_named(_YEAR, 'b')}\s*(?P<unitb>年度|年)?{_AGG}$")
_POINT = re.compile(rf"^{_YEAR}\s*(?:\.|年)\s*(?P<month>\d{{1,2}})\s*(?:\.|月)\s*(?:(?P<day>\d{{1,2}})\s*日?)?\s*"
                    r"(?:時点|現在)?$")
_SINGLE = re.compile(rf"^{_YEAR}\s*{_NENDO}\s*{_TAIL}\s*(?P<avg>平均)?\s*(?:まで(?:に)?)?$")


def _parse(inner: str, printed_era: str | None) -> Period | None:
    s = inner.strip()
    m = _RANGE.match(s)
    if m is not None:
        a, b = _y(m, "a", printed_era, s), _y(m, "b", printed_era, s)
        if b < a:
            raise PeriodError(f"「{s}」の期間は終わりの年が始まりの年より前です。")
        agg_word = m.group("agg") or m.group("agg0")
        agg = {"累計": "cumulative", "合計": "cumulative", "平均": "average"}.get(agg_word or "")
        fiscal = (m.group("unitb") or m.group("unita") or "年度") == "年度"
        return Period("range", a, b, s, agg, fiscal=fiscal)
    m = _POINT.match(s)
    if m is not None and (m.group("unit") if "unit" in m.groupdict() else None) is None:
        month = int(m.group("month"))
        day = int(m.group("day")) if m.group("day") else None
        if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
            raise PeriodError(f"「{s}」の月日が正しくありません。")
        y = _y(m, "", printed_era, s)
        return Period("point", y, y, s, month=month, day=day)
    m = _SINGLE.match(s)
    if m is not None and (m.group("unit") or m.group("era") or m.group("w")):
        if m.group("bare") is not None and m.group("unit") is None:
            return None  # 「32」 alone is a figure, not a year
        y = _y(m, "", printed_era, s)
        if m.group("state") in ("時点", "現在") and m.group("unit") != "年度":
            return Period("point", y, y, s)
        kind = "calendar_year" if m.group("unit") == "年" else "fiscal_year"
        return Period(kind, y, y, s, "average" if m.group("avg") else None)
    return None


_TRAILING = re.compile(r"^(?P<body>.*?)\s*[(（]\s*(?P<inner>[^()（）]+?)\s*[)）]\s*(?P<rest>(?:まで(?:に)?)?)$")
_LEADING = re.compile(r"^(?P<inner>(?:平均|累計)?\s*(?:明治|大正|昭和|平成|令和|[MTSHR]|FY)?\s*(?:元|\d{1,4})"
                      r"[^\s:：]*?)\s*[:：]?\s+(?P<body>\S.*)$|^(?P<inner2>(?:明治|大正|昭和|平成|令和|[MTSHR])\s*(?:元|\d{1,2})"
                      r"\s*年度?(?:末|中)?(?:時点|現在)?(?:の?(?:実績値?|見込み?値?|予測値?|目標値?|基準値?|値))?)\s*[:：]?\s*"
                      r"(?P<body2>\S.*)$")
_LEADING_PAREN = re.compile(r"^[(（]\s*(?P<inner>[^()（）]+?)\s*[)）]\s*[:：]?\s*(?P<body>\S.*)$")
_TRAILING_COLON = re.compile(r"^(?P<body>.*?\S)\s*[:：]\s*(?P<inner>[^:：]{2,20})$")
_TRAILING_BARE = re.compile(r"^(?P<body>.*?\S)\s*(?P<inner>(?:\d{4}|(?:明治|大正|昭和|平成|令和|[MTSHR])\s*(?:元|\d{1,2}))"
                            r"\s*(?:年度|年)(?:末|中)?(?:時点|現在)?)$")


def split_period(text: str, *, printed_era: str | None = None) -> tuple[str, Period | None]:
    """(the cell without its period, the period or None). PeriodError for a period that cannot be resolved
    (no era known, 元年 0, a range backwards, a month 13)."""
    s = text.strip()
    m = _TRAILING.match(s)
    if m is not None and m.group("body").strip():
        p = _parse(m.group("inner").replace("FY", ""), printed_era)
        if p is not None:
            return m.group("body").strip(), p
    m = _LEADING_PAREN.match(s)
    if m is not None:  # 「(H25)4,356 億円」「(H27~H31累計):10,000人」
        p = _parse(m.group("inner").replace("FY", ""), printed_era)
        if p is not None:
            return m.group("body").strip(), p
    m = _LEADING.match(s)
    if m is not None:
        inner = m.group("inner") if m.group("inner") is not None else m.group("inner2")
        body = m.group("body") if m.group("body") is not None else m.group("body2")
        p = _parse(inner.replace("FY", ""), printed_era)
        if p is not None and body:
            return body.strip(), p
    m = _TRAILING_COLON.match(s)
    if m is not None:  # 「234万人:2014年4月」「待機児童解消をめざす:2017年度末」
        p = _parse(m.group("inner"), printed_era)
        if p is not None:
            return m.group("body").strip(), p
    m = _TRAILING_BARE.match(s)
    if m is not None:
        p = _parse(m.group("inner"), printed_era)
        if p is not None:
            return m.group("body").strip(), p
    return s, None


def period_label(p: Period | None) -> str:
    """The resolved period for the preview: 「2020年度（平成32年度と印刷）」「2026年（暦年）」「2023〜2027年度の累計」."""
    if p is None:
        return ""
    if p.kind == "fiscal_year":
        shown = f"{p.end}年度" + ("の平均" if p.aggregate == "average" else "")
    elif p.kind == "calendar_year":
        shown = f"{p.end}年（暦年）"
    elif p.kind == "point":
        shown = f"{p.end}年" + (f"{p.month}月" if p.month else "") + (f"{p.day}日" if p.day else "") + "時点"
    else:
        unit = "年度" if p.fiscal else "年"
        agg = {"cumulative": "の累計", "average": "の平均"}.get(p.aggregate or "", "")
        shown = f"{p.start}〜{p.end}{unit}{agg}"
    return f"{shown}（「{p.text}」と記載）"
