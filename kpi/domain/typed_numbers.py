"""A figure as department staff type it (「３６，８２１人」「約3.6万人」「▲5」) → :class:`ParsedNumber`, or an InputError.

Pure (standard library only); reached through :func:`kpi.domain.normalize.parse_number`.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from .formatting import format_number
from .typed_input import BLANKS, MAX_TYPED, InputError, input_head, normalize_chars, shown, too_long

__all__ = ["ParsedNumber", "parse_number"]


@dataclass(frozen=True)
class ParsedNumber:
    """A figure read from typed text."""

    value: Decimal  # in the indicator's unit (after applying 万/千 multipliers)
    text: str  # the original text, unchanged



# ---------------------------------------------------------------------------------------------------------
# numbers

_LIMIT = Decimal(10) ** 14  # the warehouse stores DECIMAL(18,4)
_MAX_PLACES = 4
_MULTIPLIERS = {"万": 4, "千": 3}  # power of ten
_KANJI_NUMERALS = frozenset("〇零一二三四五六七八九十百千万億兆壱弐参拾")
_NEGATIVE_SIGNS = frozenset({"-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2212", "▲", "△"})
_POSITIVE_SIGNS = frozenset({"+"})
_PREFIXES = ("延べ", "のべ", "約")
_SUFFIXES = ("程度",)
_QUALIFIERS = ("以上", "以下", "未満", "超", "前後", "強", "弱", "余り", "余", "ほど", "くらい", "ぐらい")

_RUN = re.compile(r"[0-9.,、]+")
_STRICT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+")
_MISGROUPED = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?")
_COUNTER_KA = re.compile(r"[ヶケヵカか箇個](?=[所月国年])")
_ASCII_PUNCTUATION_NOT_UNIT = frozenset("!\"#$&'()*+,-.:;<=>?@[\\]^_`{|}~")


@functools.lru_cache(maxsize=1024)  # a few units, asked twice per figure
def _canonical_unit(unit: str) -> str:
    """A unit in the form used for comparison: NFKC, no spaces, case-folded, 名≡人, パーセント≡%, ヶ所≡か所."""
    u = unicodedata.normalize("NFKC", unit)
    u = "".join(ch for ch in u if not ch.isspace() and unicodedata.category(ch) != "Cf").casefold()
    u = u.replace("パーセント", "%").replace("名", "人")
    return _COUNTER_KA.sub("か", u)


def _split_unit(canonical: str) -> tuple[str, int]:
    """"千枚" → ("枚", 3); "万人" → ("人", 4); "人" → ("人", 0); "千" alone stays ("千", 0)."""
    if len(canonical) > 1 and canonical[0] in _MULTIPLIERS:
        return canonical[1:], _MULTIPLIERS[canonical[0]]
    return canonical, 0


def _strip_trailing_zeros(value: Decimal) -> tuple[int, tuple[int, ...], int]:
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite by construction
    digits = tuple(digits)
    while len(digits) > 1 and digits[-1] == 0 and exponent < 0:
        digits = digits[:-1]
        exponent += 1
    if all(d == 0 for d in digits):
        return 0, (0,), 0
    return sign, digits, exponent


def parse_number(
    text: str | None,
    *,
    unit: str | None = None,
    field: str = "値",
    allow_negative: bool = False,
    percent_max: Decimal | None = Decimal(100),
) -> ParsedNumber | None:
    """Read a typed figure in the indicator's unit; None for a blank; otherwise InputError.

    Blank: empty, whitespace only, or a single dash placeholder (-, －, ―, —, −, ‐, –, ー) → None.
    Anything else must be, after NFKC and with whitespace allowed between the parts::

        [延べ|のべ][約] [sign] number [万|千][unit] [程度]

    * Digits: every Unicode decimal digit is converted (full-width ３, Arabic-Indic ٣, Devanagari ३ …).
      Digit-like characters that are not decimal digits (², ①, ½) are never read as digits.
    * Separators: thousands separators ',' (also '，' and '、') only in valid 3-digit groups ("36,821");
      anything else ("3,68,21", "1,5") is refused as ambiguous. Decimal point '.' (also '．'). No spaces,
      underscores, exponents ("1e5"), NaN or infinities.
    * Sign: '-', '－', '−', '‐', '–', '▲' and '△' mean minus; '+' is allowed. Negative values are refused
      unless allow_negative.
    * Unit: when typed it must be the indicator's unit. Comparison ignores width, case and spaces and treats
      名 as 人, パーセント as %, ヶ所/カ所/箇所 as か所. With unit None nothing but a multiplier may follow
      the number. A typed unit other than the indicator's is refused naming both.
    * Multipliers: one 万 (×10,000) or 千 (×1,000) directly before the unit, or at the end when no unit is
      typed. Quantities are converted through the unit's base: an indicator unit that itself starts with
      万 or 千 (千枚, 万人) is that multiple of its base, so for unit 千枚 "437,322千枚" and "437,322千" are
      437322, "437,322枚" is 437.322 and "43万枚" is 430; for unit 人 "3.6万人" and "3.6万" are 36000.
      No other kanji numerals (億, 百, "3万5千") are read.
    * 「約」「延べ」 before and 「程度」 after are dropped; 以上/未満/前後… are refused (the figure would not be exact).
    * The result has at most 4 decimal places and an absolute value below 10**14 (the warehouse stores
      DECIMAL(18,4)); with unit % (or ％) it must not exceed percent_max (None: no maximum).

    The value is returned without needless zeros or exponent (Decimal("73.5"), Decimal("36000")).
    """
    if text is None:
        return None
    if len(text) > MAX_TYPED:
        raise too_long(field, text, MAX_TYPED)
    s = normalize_chars(text, keep_compat_digits=True).strip()
    if s in BLANKS:
        return None
    head = input_head(field, text)

    def unreadable(hint: str = "") -> InputError:
        return InputError(
            f"{head}数値として読み取れません。{hint}数字で入力してください（値がない場合は空欄のままにしてください）。",
            field=field,
            text=text,
        )

    # words around the figure
    used: set[str] = set()
    progressed = True
    while progressed:
        progressed = False
        for prefix in _PREFIXES:
            if prefix not in used and s.startswith(prefix):
                s = s[len(prefix):].lstrip()
                used.add(prefix)
                progressed = True
    for suffix in _SUFFIXES:
        if s.endswith(suffix):
            s = s[: -len(suffix)].rstrip()

    negative = False
    if s[:1] in _NEGATIVE_SIGNS or s[:1] in _POSITIVE_SIGNS:
        negative = s[0] in _NEGATIVE_SIGNS
        s = s[1:].lstrip()

    run_match = _RUN.match(s)
    if run_match is None:
        raise unreadable()
    run = run_match.group(0).replace("、", ",")
    if not _STRICT.fullmatch(run):
        if "," in run and _MISGROUPED.fullmatch(run):
            raise InputError(
                f"{head}桁区切りの「,」の位置が正しくないため、数値を確定できません。"
                "「36,821」のように3桁ごとに区切るか、区切らずに入力してください。",
                field=field,
                text=text,
            )
        raise unreadable()

    # what follows the figure: multiplier and/or unit
    typed_suffix = unicodedata.normalize("NFKC", s[run_match.end():]).strip()
    typed = _canonical_unit(typed_suffix)
    indicator_unit = (unit or "").strip()
    canonical = _canonical_unit(indicator_unit)
    base, unit_power = _split_unit(canonical) if canonical else ("", 0)

    typed_power: int | None
    if typed == "":
        typed_power = unit_power
    elif canonical and typed == base:
        typed_power = 0
    elif typed in _MULTIPLIERS:
        typed_power = _MULTIPLIERS[typed]
    elif canonical and typed[0] in _MULTIPLIERS and typed[1:] == base:
        typed_power = _MULTIPLIERS[typed[0]]
    else:
        typed_power = None

    if typed_power is None:
        if any("0" <= c <= "9" for c in typed) or any(c in _ASCII_PUNCTUATION_NOT_UNIT for c in typed):
            raise unreadable()
        for qualifier in _QUALIFIERS:
            if typed.endswith(qualifier):
                raise InputError(
                    f"{head}「{qualifier}」のような言葉は付けられません。数値だけを入力してください。",
                    field=field,
                    text=text,
                )
        rest = typed[1:] if typed[0] in _MULTIPLIERS else typed
        if rest[:1] in _KANJI_NUMERALS:
            raise unreadable("「万」「千」以外の漢数字や、「3万5千」のような書き方は使えません。")
        if typed.isascii() and "%" not in typed:  # stray Latin letters (12a, 5x) are not a unit anyone means
            raise unreadable()
        if not canonical:
            raise InputError(
                f"{head}この項目には単位を付けられません。数値だけを入力してください。", field=field, text=text
            )
        raise InputError(
            f"{head}この指標の単位は「{indicator_unit}」です（入力された単位は「{shown(typed_suffix)}」）。"
            f"「{indicator_unit}」で入力するか、数値だけを入力してください。",
            field=field,
            text=text,
        )

    number = Decimal(run.replace(",", ""))
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    shift = typed_power - unit_power
    value = Decimal((1 if negative else 0, digits, exponent + shift))  # exact, no context rounding

    sign_bit, digits, exponent = _strip_trailing_zeros(value)
    if sign_bit and not allow_negative:
        raise InputError(f"{head}マイナスの値は入力できません。", field=field, text=text)
    if value.copy_abs() >= _LIMIT:
        raise InputError(f"{head}値が大きすぎます。100兆未満の値を入力してください。", field=field, text=text)
    if exponent < -_MAX_PLACES:
        converted = ""
        if shift:
            shown_value = format(Decimal((sign_bit, digits, exponent)), "f")
            if len(shown_value) <= 30:
                converted = f"（「{indicator_unit}」に換算すると{shown_value}{indicator_unit}です）"
        raise InputError(
            f"{head}小数点以下は{_MAX_PLACES}桁までしか入力できません{converted}。", field=field, text=text
        )
    result = Decimal(int(value)) if exponent >= 0 else Decimal((sign_bit, digits, exponent))
    if canonical == "%" and percent_max is not None and result > percent_max:
        raise InputError(
            f"{head}{format_number(percent_max, '%')}を超える値は入力できません。", field=field, text=text
        )
    return ParsedNumber(value=result, text=text)
