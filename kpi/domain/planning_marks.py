"""Numerals and marks of printed figures: footnote marks, large numerals (億・兆 with 万・千), labelled parts,
comparison words and relative references. Pure; used by kpi.domain.planning_rows before a figure is read."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["fold", "strip_marks", "expand_numerals", "kanji_numerals", "comparison_of", "relative_of", "labelled_parts",
           "COMPARISONS", "Relative", "Labelled"]

COMPARISONS = ("ge", "gt", "le", "lt")


def fold(text: str) -> str:
    """NFKC, control and format characters dropped, runs of whitespace (line breaks too) as one space."""
    s = "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch) not in ("Cc", "Cf")
                or ch in "\n\t")
    return re.sub(r"\s+", " ", s).strip()


_MARK = re.compile(r"(?P<mark>※\s*\d*|\*\d*|†)")
_INLINE_NOTE = re.compile(r"(?<![(（])※\s*(?=[^\d\s)）])[^※()（）]{2,}$")


def strip_marks(text: str) -> tuple[str, str | None]:
    """(the cell without footnote marks, the marks as printed joined by a space, or None): 「720社※」 → 720社, ※;
    a note printed after its mark (「50人/年※R2~R12の累計500人」) goes to the note with its mark."""
    inline = _INLINE_NOTE.search(text)
    if inline is not None:
        body, note = strip_marks(text[:inline.start()])
        return body, " ".join(x for x in (note, inline.group(0).strip()) if x)
    marks = [m.group("mark").replace(" ", "") for m in _MARK.finditer(text)]
    if not marks:
        return text, None
    stripped = re.sub(r"[(（]\s*[)）]", "", _MARK.sub("", text))  # 「57.3%(※1)」: the parentheses held only the mark
    return re.sub(r"\s+", " ", stripped).strip(), " ".join(marks)


_BIG = {"兆": Decimal(10) ** 12, "億": Decimal(10) ** 8, "万": Decimal(10) ** 4, "千": Decimal(1000), "百": Decimal(100)}
_MULT = r"(?:[千百]?[兆億万]|千)"  # 「5千億」 is 5 × 千 × 億
_COMPOUND = re.compile(rf"(?P<num>(?:\d[\d,]*(?:\.\d+)?\s*{_MULT}\s*){{2,}}(?:\d[\d,]*(?:\.\d+)?)?"
                       rf"|(?:\d[\d,]*\s*{_MULT}\s*)+\d[\d,]*(?:\.\d+)?)")
_PIECE = re.compile(rf"(\d[\d,]*(?:\.\d+)?)\s*({_MULT})?")


def multiplier(prefix: str) -> Decimal:
    """The value of a run of 兆・億・万・千・百 (「千億」 → 10^11, 「千万」 → 10^7)."""
    out = Decimal(1)
    for ch in prefix:
        out *= _BIG[ch]
    return out


def expand_numerals(text: str) -> str:
    """A figure printed with two or more of 兆・億・万・千 as one plain number: 「2億4,500万人」 → 「245000000人」,
    「1万7千人超」 → 「17000人超」, 「3兆5千億円」 → 「3500000000000円」. A single multiplier (「3.6万人」「5,154億円」) is left for the unit to carry."""
    def one(m: re.Match) -> str:
        total = Decimal(0)
        for num, mult in _PIECE.findall(m.group("num")):
            total += Decimal(num.replace(",", "")) * multiplier(mult)
        return format(total.normalize(), "f")
    return _COMPOUND.sub(one, text)


_CMP_WORDS = (("を上回る", "gt"), ("を超える", "gt"), ("を超え", "gt"), ("超過", "gt"), ("超", "gt"),
              ("を下回る", "lt"), ("未満", "lt"), ("以上", "ge"), ("以下", "le"))


def comparison_of(body: str) -> str | None:
    """The comparison a target states: 超・を超える・を上回る → gt; 未満・を下回る → lt; 以上 → ge; 以下 → le."""
    for word, cmp in _CMP_WORDS:
        if re.search(rf"\d[^\d]*{word}|{word}\s*(?:を?(?:維持|確保|目指す|目指します|達成))?\s*[。.]?$", body) and word in body:
            return cmp
    return None


@dataclass(frozen=True)
class Relative:
    """A target against a reference figure of the year: 「全国平均を上回る」 → (全国平均, gt)."""

    reference: str
    comparison: str


_REFERENCE = (r"(?P<ref>全国平均値?|全国値|全国水準|国の平均値?|県平均値?|県全体の平均値?|市町村平均値?|[^\s\d]{1,8}の平均値?|"
              r"全ての世代|全国)")
_RELATIVE = re.compile(rf"^{_REFERENCE}\s*(?P<cmp>を上回る|を超える|超|以上|を下回る|未満|以下|と同水準)\s*"
                       r"(?:水準)?\s*(?:を?(?:維持|確保|目指す|目指します|達成))?\s*[。.]?$")


def relative_of(body: str) -> Relative | None:
    """The reference and comparison of a relative target, or None."""
    m = _RELATIVE.match(body)
    if m is None:
        return None
    cmp = "ge" if m.group("cmp") == "と同水準" else dict(_CMP_WORDS)[m.group("cmp")]  # 同水準: reach the level
    return Relative(m.group("ref"), cmp)


@dataclass(frozen=True)
class Labelled:
    """Figures printed with their labels (「男性58.2%／女性47.9%」), or one figure shared by every part
    (「いずれも85%」: shared=True, one part with label None)."""

    parts: tuple[tuple[str | None, str], ...]  # (label, figure text with its unit)
    shared: bool = False


_LABEL_AFTER = re.compile(r"(\d[\d,.]*\s*(?:%|[^\s\d()（）]{0,6}?))\s*[(（]([^\d()（）]{1,12})[)）]\s*")
_SHARED = re.compile(r"^(?:いずれも|全て|すべて|各)\s*(?P<fig>\d.*)$")
_LABELLED = re.compile(r"(?P<label>[^\d\s／/・,、:：]+?)\s*[:：]?\s*(?P<fig>\d[\d,.]*\s*(?:%|％|[^\s／/\d,、・]{0,6}?))"
                       r"(?=\s|／|/|、|$)")


_SPACED = re.compile(r"(?:[^\d\s]+\s*\d[\d,.]*\s+(?:%|[^\s\d]{1,3})\s*)+")
_DIGIT_LABEL = re.compile(r"\s*(?P<label>\S+?)\s*(?P<fig>\d[\d,.]*(?:%|[^\s\d/／、,・()（）]{1,4}))(?=\s|$)")


def _labels_with_digits(body: str) -> Labelled | None:
    """「20〜60歳代男性の肥満者の割合 31.2% 40〜60歳代女性の肥満者の割合 22.2%」: labels that contain figures of their
    own; each part is a label, then its figure with a unit, then a space."""
    found, pos = [], 0
    while pos < len(body):
        m = _DIGIT_LABEL.match(body, pos)
        if m is None or not re.search(r"[^\d\s.,%〜~\-－]", m.group("label")):  # a label has words, not only figures
            return None
        found.append((m.group("label"), m.group("fig")))
        pos = m.end()
    if len(found) < 2 or len({label for label, _ in found}) != len(found) \
            or not any(any(ch.isdigit() for ch in label) for label, _ in found):
        return None
    return Labelled(tuple(found))


def _grouped(body: str) -> str:
    """「朝食 小学生15.3% 中学生33.7% 夕食 小学生2.2% 中学生6.0%」: a heading word without a figure labels the parts
    after it (「朝食 小学生」…); other cells are returned as they are."""
    tokens = body.split()
    if len(tokens) < 3 or _has_digit(tokens[0]):
        return body
    out, group = [], None
    for i, token in enumerate(tokens):
        if not _has_digit(token):
            if i + 1 >= len(tokens) or not _has_digit(tokens[i + 1]):
                return body
            group = token
        elif group is None:
            return body
        else:
            out.append(f"{group}{token}")
    return " ".join(out)


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def labelled_parts(body: str) -> Labelled | None:
    """The labelled figures of a cell, or None when the cell is not such a list."""
    body = _grouped(body)
    if _SPACED.fullmatch(body.strip()):  # 「男性 8,000 歩 女性 8,000 歩」: the unit printed apart from its figure
        body = re.sub(r"(\d)\s+(%|[^\s\d]{1,3})(?=\s|$)", r"\1\2", body.strip())
    m = _SHARED.match(body)
    if m is not None:
        return Labelled(((None, m.group("fig").strip()),), shared=True)
    after = _LABEL_AFTER.findall(body)  # 「43.8%(正社員) 19.3%(非正社員)」: the label after the figure
    if len(after) >= 2 and _LABEL_AFTER.sub("", body).strip() == "":
        return Labelled(tuple((label, fig.strip()) for fig, label in after)) \
            if len({label for _, label in after}) == len(after) else None
    pieces = [p for p in re.split(r"\s*(?:／|/|、|,(?=\D))\s*|\s+(?=[^\d\s])", body) if p]
    found = []
    for piece in pieces:
        mm = _LABELLED.fullmatch(piece.strip())
        if mm is None:
            return _labels_with_digits(body.strip())
        found.append((mm.group("label"), mm.group("fig").strip()))
    if len(found) < 2 or len({label for label, _ in found}) != len(found):
        return None
    return Labelled(tuple(found))


_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_SMALL = {"十": 10, "百": 100, "千": 1000}
_KANJI_BIG = {"万": 10 ** 4, "億": 10 ** 8, "兆": 10 ** 12}
_KANJI_RUN = re.compile(r"(?:(?<=平成|令和|昭和|大正|明治)|(?<![一-龥\d,.]))(?P<run>[〇零一二三四五六七八九十百千]+(?:[万億兆][〇零一二三四五六七八九十百千]*)*)"
                        r"(?=年|人|件|か所|箇所|ヶ所|カ所|%|％|社|団体|校|回|台|戸|世帯|市町村|万|億|$|[)）])")


def _kanji_value(run: str) -> int:
    total, section, digit = 0, 0, None
    for ch in run:
        if ch in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[ch] if digit is None else digit * 10 + _KANJI_DIGITS[ch]
        elif ch in _KANJI_SMALL:
            section += (1 if digit is None else digit) * _KANJI_SMALL[ch]
            digit = None
        else:
            total += (section + (digit or 0)) * _KANJI_BIG[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def kanji_numerals(text: str) -> str:
    """Numbers printed in kanji as digits (「九十九人」 → 「99人」, 「平成二十三年度」 → 「平成23年度」), where a unit,
    a year or the end of the cell follows; words such as 「一般」「一時預かり」 are left alone."""
    def one(m: re.Match) -> str:
        run = m.group("run")
        after_era = m.string[max(0, m.start() - 2):m.start()] in ("平成", "令和", "昭和", "大正", "明治")
        if not after_era and not any(ch in _KANJI_DIGITS for ch in run):  # 「千人」「百万円」 alone are units, not numbers
            return run
        return str(_kanji_value(run))
    return _KANJI_RUN.sub(one, text)
