"""The normalizer's shortcuts for plain text give exactly what the character-by-character rules give."""
from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kpi.domain import normalize, typed_input
from kpi.domain.normalize import InputError, clean_text

_TEXTS = st.text(max_size=60) | st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=60) | st.text(
    alphabet="要因予算執行\u3000 \t\n\r\u200b\u202e\u2028ＡＢ１２３,.-%", max_size=60)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
@example("  前年度より増加  ")
@example("\u3000全角空白で始まる")
@example("a\u200bb")
@example("line\r\nbreak")
@example("tab\tinside")
def test_clean_text_equals_the_character_by_character_rule(text):
    expected = normalize._clean_each(text) or None
    try:
        assert clean_text(text, field="要因", max_length=40) == expected
    except InputError:
        assert expected is not None and len(expected) > 40


@settings(max_examples=400, deadline=None)
@given(_TEXTS, st.booleans())
@example("36,821", True)
@example("５，４４５時間", True)
@example("10²", True)
@example("10²", False)
def test_character_folding_equals_the_character_by_character_rule(text, keep):
    assert typed_input.normalize_chars(text, keep_compat_digits=keep) == typed_input._fold_each(text, keep_compat_digits=keep)


def test_the_shortcuts_are_taken_and_the_rule_still_cleans():
    assert clean_text("  36,821人  ", field="値") == "36,821人"
    assert clean_text("a\u202eb\r\nc", field="要因") == "ab\nc"  # the bidi override dropped, CRLF → LF
    assert typed_input.normalize_chars("３６，８２１", keep_compat_digits=True) == "36,821"
