"""What every typed input shares: the refusal (:class:`InputError`), quoting what was typed, folding characters.

Pure (standard library only). The parsers built on these live in :mod:`kpi.domain.normalize` (fiscal years,
free text; the facade every caller imports) and :mod:`kpi.domain.typed_numbers` (figures).
"""
from __future__ import annotations

import unicodedata

__all__ = ["InputError", "MAX_TYPED", "BLANKS", "shown", "too_long", "input_head", "normalize_chars"]




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



_SHOWN_LIMIT = 40
_SAMPLE = 1000  # characters of a typed text looked at when quoting it
MAX_TYPED = 1000  # a figure or a fiscal year longer than this is refused before it is read character by character


def shown(text: str) -> str:
    """What was typed, safe to quote in a message: one line, no control/invisible characters, cut short."""
    sample = text[:_SAMPLE]  # only the start is quoted: a 10 MB paste is not scanned whole
    one_line = "".join(" " if ch in "\r\n\t\u2028\u2029\x85" else ch for ch in sample)
    visible = "".join(ch for ch in one_line if unicodedata.category(ch) not in ("Cc", "Cf", "Cs")).strip()
    if not visible:
        return "（表示できない文字）"
    if len(visible) > _SHOWN_LIMIT or len(text) > _SAMPLE:
        return visible[:_SHOWN_LIMIT] + "…"
    return visible


def too_long(field: str, text: str, limit: int) -> InputError:
    return InputError(f"{input_head(field, text)}長すぎます（{len(text):,}文字）。"
                      f"{limit:,}文字以内で入力してください。", field=field, text=text)


def input_head(field: str, text: str) -> str:
    return f"「{field}」に「{shown(text)}」と入力されましたが、"


def normalize_chars(text: str, *, keep_compat_digits: bool) -> str:
    """Per character: drop format characters (zero-width, BOM, bidi marks), turn every Unicode decimal digit
    (full-width, Arabic-Indic, Devanagari, …) into its ASCII digit, and apply NFKC to everything else.

    Characters that are not decimal digits but whose NFKC form contains digits (²,①,㉑,½) are kept as they
    are when keep_compat_digits is set, so that "10²" can never silently become 102; otherwise NFKC applies.
    """
    if text.isascii():  # no ASCII character is a format character, a non-ASCII digit or changed by NFKC
        return text
    return _fold_each(text, keep_compat_digits=keep_compat_digits)


def _fold_each(text: str, *, keep_compat_digits: bool) -> str:
    """normalize_chars character by character (the rule itself; the ASCII shortcut must equal it)."""
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
BLANKS = frozenset({"", "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\u2500", "ー"})
