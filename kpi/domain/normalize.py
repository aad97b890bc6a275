"""Input as department staff type it → structured values, or a refusal in Japanese that names the field.

Three entry points, all pure (standard library only):

* :func:`parse_number` — a figure typed into a form or an Excel cell (「３６，８２１人」「約3.6万人」「▲5」).
* :func:`parse_fiscal_year` — a fiscal year (「令和3年度」「R3」「2021年度」「FY2021」「平成30年度」).
* :func:`clean_text` — free text such as a reason (要因) or a remark (備考).

A refusal is an :class:`InputError` (a ``ValueError``) whose ``str()`` is one Japanese sentence that quotes
the field label and what was typed, e.g.
「値」に「５，４４５件」と入力されましたが、この指標の単位は「時間」です（入力された単位は「件」）。…
Messages never contain a Python repr or a traceback; what was typed is quoted with control and invisible
characters removed and cut at 40 characters.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from .formatting import format_number

__all__ = ["InputError", "ParsedNumber", "parse_number", "parse_fiscal_year", "clean_text"]


class InputError(ValueError):
    """A refused input; .field (Japanese field label, e.g. "値"), .text (what was typed), str() is a Japanese sentence."""

    def __init__(self, message: str, *, field: str, text: str):
        super().__init__(message)
        self.message = message
        self.field = field
        self.text = text

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # keyword-only arguments: rebuild explicitly so the error survives pickling
        return (_rebuild_input_error, (self.message, self.field, self.text))


def _rebuild_input_error(message: str, field: str, text: str) -> InputError:
    return InputError(message, field=field, text=text)


@dataclass(frozen=True)
class ParsedNumber:
    """A figure read from typed text."""

    value: Decimal  # in the indicator's unit (after applying 万/千 multipliers)
    text: str  # the original text, unchanged


# ---------------------------------------------------------------------------------------------------------
# shared helpers

_SHOWN_LIMIT = 40
_SAMPLE = 1000  # characters of a typed text looked at when quoting it
_MAX_TYPED = 1000  # a figure or a fiscal year longer than this is refused before it is read character by character


def _shown(text: str) -> str:
    """What was typed, safe to quote in a message: one line, no control/invisible characters, cut short."""
    sample = text[:_SAMPLE]  # only the start is quoted: a 10 MB paste is not scanned whole
    one_line = "".join(" " if ch in "\r\n\t\u2028\u2029\x85" else ch for ch in sample)
    visible = "".join(ch for ch in one_line if unicodedata.category(ch) not in ("Cc", "Cf", "Cs")).strip()
    if not visible:
        return "（表示できない文字）"
    if len(visible) > _SHOWN_LIMIT or len(text) > _SAMPLE:
        return visible[:_SHOWN_LIMIT] + "…"
    return visible


def _too_long(field: str, text: str, limit: int) -> InputError:
    return InputError(f"{_head(field, text)}長すぎます（{len(text):,}文字）。{limit:,}文字以内で入力してください。",
                      field=field, text=text)


def _head(field: str, text: str) -> str:
    return f"「{field}」に「{_shown(text)}」と入力されましたが、"


def _normalize_chars(text: str, *, keep_compat_digits: bool) -> str:
    """Per character: drop format characters (zero-width, BOM, bidi marks), turn every Unicode decimal digit
    (full-width, Arabic-Indic, Devanagari, …) into its ASCII digit, and apply NFKC to everything else.

    Characters that are not decimal digits but whose NFKC form contains digits (²,①,㉑,½) are kept as they
    are when keep_compat_digits is set, so that "10²" can never silently become 102; otherwise NFKC applies.
    """
    if text.isascii():  # no ASCII character is a format character, a non-ASCII digit or changed by NFKC
        return text
    return _fold_each(text, keep_compat_digits=keep_compat_digits)


def _fold_each(text: str, *, keep_compat_digits: bool) -> str:
    """_normalize_chars character by character (the rule itself; the ASCII shortcut must equal it)."""
    out: list[str] = []
    for ch in text:
        if unicodedata.category(ch) == "Cf":
            continue
        digit = unicodedata.decimal(ch, None)
        if digit is not None:
            out.append(str(digit))
            continue
        folded = unicodedata.normalize("NFKC", ch)
        if keep_compat_digits and any("0" <= c <= "9" for c in folded):
            out.append(ch)
        else:
            out.append(folded)
    return "".join(out)


# Placeholders that mean "no value" in a form or a sheet: a single dash of any kind (including the
# katakana long-vowel mark ー, which IMEs produce when a dash is meant).
_BLANKS = frozenset({"", "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\u2500", "ー"})


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
    if len(text) > _MAX_TYPED:
        raise _too_long(field, text, _MAX_TYPED)
    s = _normalize_chars(text, keep_compat_digits=True).strip()
    if s in _BLANKS:
        return None
    head = _head(field, text)

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
            f"{head}この指標の単位は「{indicator_unit}」です（入力された単位は「{_shown(typed_suffix)}」）。"
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


# ---------------------------------------------------------------------------------------------------------
# fiscal years

_MIN_FY, _MAX_FY = 1900, 2100
_ERA_OFFSET = {"令和": 2018, "r": 2018, "平成": 1988, "h": 1988}
_ERA_NAME = {"令和": "令和", "r": "令和", "平成": "平成", "h": "平成"}
_HEISEI_LAST = 31  # 平成31年度 = 令和元年度 = FY2019 (the fiscal year began under 平成)

_FY_LABEL = re.compile(r"(.+)\(([0-9]{4})年度\)")
_FY_ERA = re.compile(r"(令和|平成|r|h)(元|[0-9]{1,4})(年度|年)?")
_FY_WESTERN = re.compile(r"(?:fy)?([0-9]{4})(年度|年)?")
_FY_SHORT = re.compile(r"(?:fy)?[0-9]{1,3}(年度|年)?")


def parse_fiscal_year(text: str | None, *, field: str = "年度") -> int | None:
    """A typed fiscal year as its western number; None for a blank; otherwise InputError.

    Accepted (full-width digits and letters, any Unicode decimal digits, spaces and case do not matter):
    令和3年度, 令和３年度, R3, R3年度, r3, R03, 令和元年度, R元 → 2021 / 2019; 平成30年度, H30 → 2018
    (平成 up to 31 = 2019); 2021年度, 2021, FY2021 → 2021; and the label of formatting.fiscal_year_label,
    令和3年度（2021年度）, when both halves agree. Years outside 1900–2100 are refused.
    Refused with a specific message: era year 0 (令和0年度), 平成32 and later, a 1–3 digit year without an
    era (21年度: era or western is unclear), and 「年」 instead of 「年度」 (令和3年, 2021年: a calendar year
    is not a fiscal year). Blank is empty, whitespace or a single dash placeholder.
    """
    if text is None:
        return None
    if len(text) > _MAX_TYPED:
        raise _too_long(field, text, _MAX_TYPED)
    s = _normalize_chars(text, keep_compat_digits=False)
    s = "".join(ch for ch in unicodedata.normalize("NFKC", s) if not ch.isspace()).casefold()
    if s in _BLANKS:
        return None
    head = _head(field, text)
    example = "「令和3年度」「R3」「2021年度」のように入力してください。"

    def refuse(reason: str) -> InputError:
        return InputError(f"{head}{reason}", field=field, text=text)

    def one(part: str) -> int:
        era = _FY_ERA.fullmatch(part)
        western = _FY_WESTERN.fullmatch(part)
        if (era is not None and era.group(3) == "年") or (western is not None and western.group(2) == "年"):
            raise refuse("「年」ではなく「年度」で入力してください（例: 令和3年度、2021年度）。")
        if era is not None:
            name = _ERA_NAME[era.group(1)]
            n = 1 if era.group(2) == "元" else int(era.group(2))
            if n < 1:
                first = _ERA_OFFSET[era.group(1)] + 1
                raise refuse(f"{name}は元年度（{first}年度）から始まります。{example}")
            if name == "平成" and n > _HEISEI_LAST:
                raise refuse("平成は31年度（2019年度）までです。それ以降は令和で入力してください（例: 令和2年度）。")
            fy = _ERA_OFFSET[era.group(1)] + n
        elif western is not None:
            fy = int(western.group(1))
        elif _FY_SHORT.fullmatch(part):
            raise refuse("元号の年か西暦の年かが分かりません。元号を付けるか、西暦4桁で入力してください（例: 令和3年度、2021年度）。")
        else:
            raise refuse(f"年度として読み取れません。{example}")
        if not _MIN_FY <= fy <= _MAX_FY:
            raise refuse(f"年度は{_MIN_FY}年度から{_MAX_FY}年度までの範囲で入力してください。")
        return fy

    label = _FY_LABEL.fullmatch(s)
    if label is not None:
        fy = one(label.group(1))
        if fy != int(label.group(2)):
            raise refuse("和暦と西暦の年度が一致しません。どちらか一方だけを入力してください。")
        return fy
    return one(s)


# ---------------------------------------------------------------------------------------------------------
# free text

_NEWLINES = re.compile("\r\n|[\r\u2028\u2029]")
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def _clean_each(text: str) -> str:
    """clean_text's rule character by character (the printable shortcut must equal it), stripped."""
    s = _NEWLINES.sub("\n", text)
    return "".join(ch for ch in s if ch in "\n\t" or unicodedata.category(ch) not in _DROPPED_CATEGORIES).strip()


def clean_text(text: str | None, *, field: str, max_length: int = 2000) -> str | None:
    """Free text (reasons, remarks) as it may be stored and shown; None for a blank; InputError when too long.

    CRLF, CR and the Unicode line/paragraph separators become LF. Removed: control characters except LF and
    tab; every format character (category Cf: bidi embeddings/overrides/isolates U+202A–U+202E and
    U+2066–U+2069, LRM/RLM, zero-width space/joiners, word joiner, BOM, soft hyphen — this also splits emoji
    joined by ZWJ); lone surrogates. Then leading and trailing whitespace is stripped. Nothing else is
    changed: no NFKC, so full-width text, kana and CJK compatibility ideographs stay as typed.
    The length limit counts characters of the cleaned text.
    """
    if text is None:
        return None
    if len(text) > max(10 * max_length, 10_000):  # a paste far beyond the limit is refused before it is scanned
        raise InputError(f"「{field}」は{max_length:,}文字以内で入力してください（入力は{len(text):,}文字です）。",
                         field=field, text=text)
    # printable: no line break, control, format or surrogate character, so nothing to change inside
    s = text.strip() if text.isprintable() else _clean_each(text)
    if not s:
        return None
    if len(s) > max_length:
        raise InputError(
            f"「{field}」は{max_length:,}文字以内で入力してください（入力は{len(s):,}文字です）。",
            field=field,
            text=text,
        )
    return s
