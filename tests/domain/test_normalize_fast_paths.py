"""The normalizer's shortcuts for plain text give exactly what the character-by-character rules give."""
from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kpi.domain import normalize
from kpi.domain.normalize import InputError, clean_text


def _clean_reference(text: str | None, max_length: int = 2000) -> str | None:
    """clean_text as written before the printable shortcut: every character looked at."""
    if text is None:
        return None
    s = re.sub("\r\n|[\r\u2028\u2029]", "\n", text)
    s = "".join(ch for ch in s if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs"}).strip()
    if not s or len(s) > max_length:
        return None if not s else "TOO LONG"
    return s


def _chars_reference(text: str, keep_compat_digits: bool = True) -> str:
    out = []
    for ch in text:
        if unicodedata.category(ch) == "Cf":
            continue
        digit = unicodedata.decimal(ch, None)
        if digit is not None:
            out.append(str(digit))
            continue
        folded = unicodedata.normalize("NFKC", ch)
        out.append(ch if keep_compat_digits and any("0" <= c <= "9" for c in folded) else folded)
    return "".join(out)


_TEXTS = st.text(max_size=60) | st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=60) | st.text(
    alphabet="要因予算執行\u3000 \t\n\r\u200b\u202e\u2028ＡＢ１２３,.-%", max_size=60)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
@example("  前年度より増加  ")
@example("\u3000全角空白で始まる")
@example("a\u200bb")
@example("line\r\nbreak")
def test_clean_text_equals_the_character_by_character_rules(text):
    try:
        got = clean_text(text, field="要因", max_length=40)
    except InputError:
        got = "TOO LONG"
    assert got == _clean_reference(text, max_length=40)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
@example("36,821")
@example("５，４４５時間")
@example("10²")
def test_character_folding_equals_the_character_by_character_rules(text):
    assert normalize._normalize_chars(text, keep_compat_digits=True) == _chars_reference(text)
