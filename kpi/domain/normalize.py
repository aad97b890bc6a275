"""Input as department staff type it → structured values, or a refusal in Japanese that names the field.

Three entry points, all pure (standard library only):

* :func:`parse_number` — a figure typed into a form or an Excel cell (「３６，８２１人」「約3.6万人」「▲5」).
* :func:`parse_fiscal_year` — a fiscal year (「令和3年度」「R3」「2021年度」「FY2021」「平成30年度」).
* :func:`clean_text` — free text such as a reason (要因) or a remark (備考).

A refusal is an :class:`InputError` (a ``ValueError``) whose ``str()`` is one Japanese sentence that quotes
the field label and what was typed, e.g.
「値」に「５，４４５件」と入力されましたが、この指標の単位は「時間」です（入力された単位は「件」）。…
Messages never contain a Python repr or a traceback; what was typed is quoted with control and invisible
characters removed and cut at 40 characters (:func:`shown`).

This module is the facade every caller imports; figures are parsed in :mod:`kpi.domain.typed_numbers`, and
what all parsers share (the error, quoting, character folding) is in :mod:`kpi.domain.typed_input`.
"""
from __future__ import annotations

import re
import unicodedata

from .typed_input import BLANKS, MAX_TYPED, InputError, input_head, normalize_chars, shown, too_long
from .typed_numbers import ParsedNumber, parse_number

__all__ = ["InputError", "ParsedNumber", "parse_number", "parse_fiscal_year", "clean_text", "shown"]


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
    if len(text) > MAX_TYPED:
        raise too_long(field, text, MAX_TYPED)
    s = normalize_chars(text, keep_compat_digits=False)
    s = "".join(ch for ch in unicodedata.normalize("NFKC", s) if not ch.isspace()).casefold()
    if s in BLANKS:
        return None
    head = input_head(field, text)
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
