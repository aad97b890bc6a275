"""The normalizer never crashes: anything typed is read as a value or refused with a Japanese sentence naming the
field, however long, hostile or strange the text."""
from __future__ import annotations

import time
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.domain.normalize import InputError, clean_text, parse_fiscal_year, parse_number
from tests.fuzz import tally
from tests.fuzz.texts import ADVERSARIAL, ND_DIGITS, adversarial, is_japanese_sentence

UNITS = [None, "人", "%", "％", "時間", "千枚", "万人", "件/月", "箇所", "か所", "団体", "円", ""]
FIELDS = ["値", "値（県）", "年度", "要因"]


def _refusal_ok(exc: InputError, field: str) -> None:
    assert is_japanese_sentence(str(exc)), str(exc)
    assert f"「{field}」" in str(exc)  # names the field
    assert len(str(exc)) < 600  # quotes what was typed cut short, never the whole text
    assert exc.field == field


@tally.fuzz_settings(max_examples=1000)
@given(text=adversarial, unit=st.sampled_from(UNITS), field=st.sampled_from(FIELDS),
       negative=st.booleans())
def test_parse_number_reads_or_refuses_in_japanese(text, unit, field, negative):
    try:
        parsed = parse_number(text, unit=unit, field=field, allow_negative=negative)
    except InputError as exc:
        tally.ran("normalize.parse_number", refused=True)
        _refusal_ok(exc, field)
        return
    tally.ran("normalize.parse_number")
    if parsed is None:
        return
    v = parsed.value
    assert isinstance(v, Decimal) and v.is_finite()
    assert abs(v) < Decimal(10) ** 14
    assert v.as_tuple().exponent >= -4
    assert negative or v >= 0
    assert parsed.text == text


@tally.fuzz_settings(max_examples=1000)
@given(text=adversarial)
def test_parse_fiscal_year_reads_or_refuses_in_japanese(text):
    try:
        fy = parse_fiscal_year(text)
    except InputError as exc:
        tally.ran("normalize.parse_fiscal_year", refused=True)
        _refusal_ok(exc, "年度")
        return
    tally.ran("normalize.parse_fiscal_year")
    assert fy is None or 1900 <= fy <= 2100


@tally.fuzz_settings(max_examples=1000)
@given(text=adversarial, limit=st.integers(min_value=1, max_value=50))
def test_clean_text_keeps_only_showable_characters(text, limit):
    try:
        cleaned = clean_text(text, field="要因", max_length=limit)
    except InputError as exc:
        tally.ran("normalize.clean_text", refused=True)
        _refusal_ok(exc, "要因")
        return
    tally.ran("normalize.clean_text")
    if cleaned is None:
        return
    assert cleaned == cleaned.strip() and 0 < len(cleaned) <= limit
    assert all(ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in cleaned)
    assert "\r" not in cleaned


def test_every_unicode_decimal_digit_is_read_as_its_digit():
    for ch in ND_DIGITS:
        d = unicodedata.decimal(ch)
        parsed = parse_number(ch * 3 + "人", unit="人")
        assert parsed is not None and parsed.value == d * 111, (hex(ord(ch)), parsed)
        tally.ran("normalize.every_Nd_digit")


@pytest.mark.parametrize("fixed", ADVERSARIAL)
def test_each_adversarial_sample_through_every_parser(fixed):
    for call in (lambda t: parse_number(t, unit="人"), parse_fiscal_year, lambda t: clean_text(t, field="備考")):
        try:
            call(fixed)
        except InputError as exc:
            assert is_japanese_sentence(str(exc))
            tally.ran("normalize.fixed_samples", refused=True)
        else:
            tally.ran("normalize.fixed_samples")


@pytest.mark.parametrize("text", [
    "1" * 10_000_000, "1." + "0" * 10_000_000, "0." + "0" * 10_000_000, "1" + "0" * 10_000_000 + "人",
    "あ" * 10_000_000, "\u202e" * 10_000_000, "1,000" * 2_000_000,
], ids=["digits", "trailing-zero-decimals", "zero-decimals", "huge-with-unit", "kana", "rtl-marks", "groups"])
def test_ten_megabyte_text_is_answered_within_seconds(text):
    """A 10 MB paste is refused (or read) quickly, and the message quotes only its first 40 characters."""
    started = time.monotonic()
    for field, call in (("値", lambda: parse_number(text, unit="人")), ("年度", lambda: parse_fiscal_year(text)),
                        ("要因", lambda: clean_text(text, field="要因"))):
        try:
            call()
        except InputError as exc:
            _refusal_ok(exc, field)
            tally.ran("normalize.10MB_text", refused=True)
        else:
            tally.ran("normalize.10MB_text")
    assert time.monotonic() - started < 5
