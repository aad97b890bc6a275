"""Typed input → structured values: numbers, fiscal years and free text, or a Japanese refusal naming the field."""
from __future__ import annotations

import pickle
import re
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kpi.domain.formatting import fiscal_year_ja, fiscal_year_label
from kpi.domain.normalize import InputError, ParsedNumber, clean_text, parse_fiscal_year, parse_number
from kpi.domain.typed_input import shown

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
UNITS = ["人", "件", "時間", "千枚", "件/月", "%", "日", "社", "地図", "万円", "㎡"]


def assert_japanese_refusal(error: InputError, field: str) -> None:
    message = str(error)
    assert f"「{field}」" in message
    assert error.field == field
    assert JAPANESE.search(message)
    for python_ish in ("Traceback", "Decimal(", "InputError", "\\x", "\\u", "None"):
        # what the person typed may hold it, also once its invisible characters are left out of the quote
        # (typed "\\<U+001F>u" is quoted as 「\\u」: found by Hypothesis in a full run)
        assert python_ish not in message or python_ish in error.text or python_ish in shown(error.text)


# ---------------------------------------------------------------------------------------------------------
# parse_number: accepted

ACCEPTED = [
    # (typed, unit, allow_negative, expected)
    ("36821", "人", False, "36821"),
    ("36,821", "人", False, "36821"),
    ("36,821人", "人", False, "36821"),
    ("３６，８２１人", "人", False, "36821"),
    ("36、821", "人", False, "36821"),
    ("５，４４５時間", "時間", False, "5445"),
    ("5,445時間", "時間", False, "5445"),
    ("5,445 時間", "時間", False, "5445"),
    ("  5445  ", "時間", False, "5445"),
    ("\u30005445\u3000", "時間", False, "5445"),
    ("73.5%", "%", False, "73.5"),
    ("７３．５％", "%", False, "73.5"),
    ("73.5％", "％", False, "73.5"),
    ("73.5パーセント", "%", False, "73.5"),
    ("100%", "%", False, "100"),
    ("35,406件/月", "件/月", False, "35406"),
    ("35,406件／月", "件/月", False, "35406"),
    ("26名", "人", False, "26"),
    ("26人", "名", False, "26"),
    ("20社", "社", False, "20"),
    ("99地図", "地図", False, "99"),
    ("12か所", "箇所", False, "12"),
    ("12ヶ所", "か所", False, "12"),
    ("437,322千枚", "千枚", False, "437322"),
    ("437,322", "千枚", False, "437322"),
    ("437,322千", "千枚", False, "437322"),
    ("437,322枚", "千枚", False, "437.322"),
    ("43万枚", "千枚", False, "430"),
    ("3.6万人", "人", False, "36000"),
    ("3.6万", "人", False, "36000"),
    ("43.7万件", "件", False, "437000"),
    ("5千人", "人", False, "5000"),
    ("3.6万", None, False, "36000"),
    ("36,000人", "万人", False, "3.6"),
    ("約3.6万人", "人", False, "36000"),
    ("延べ3,000人", "人", False, "3000"),
    ("延べ 約 3,000 人 程度", "人", False, "3000"),
    ("5,000人程度", "人", False, "5000"),
    ("▲5", None, True, "-5"),
    ("△5", None, True, "-5"),
    ("▲ 5", None, True, "-5"),
    ("−5", None, True, "-5"),
    ("-5", None, True, "-5"),
    ("－5", None, True, "-5"),
    ("▲1.5%", "%", True, "-1.5"),
    ("+5", None, False, "5"),
    ("▲0", None, False, "0"),
    ("0", None, False, "0"),
    ("0.5", None, False, "0.5"),
    (".5", None, False, "0.5"),
    ("5.", None, False, "5"),
    ("73.50", "%", False, "73.5"),
    ("1.50000", None, False, "1.5"),
    ("1.2345", None, False, "1.2345"),
    ("99999999999999.9999", None, False, "99999999999999.9999"),
    ("٣٦", None, False, "36"),  # Arabic-Indic digits
    ("۳۶", None, False, "36"),  # extended Arabic-Indic digits
    ("३६", None, False, "36"),  # Devanagari digits
    ("๓๖", None, False, "36"),  # Thai digits
    ("36\u200b", None, False, "36"),  # zero-width space pasted from the web
    ("\ufeff36", None, False, "36"),  # BOM of a CSV cell
    ("100㎡", "㎡", False, "100"),
    ("100m²", "㎡", False, "100"),
    ("5KM", "km", False, "5"),
]


@pytest.mark.parametrize("typed, unit, allow_negative, expected", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_typed_figure_is_read_in_the_indicators_unit(typed, unit, allow_negative, expected):
    parsed = parse_number(typed, unit=unit, allow_negative=allow_negative, percent_max=Decimal(100))
    assert parsed == ParsedNumber(value=Decimal(expected), text=typed)
    assert parsed.value.as_tuple().exponent <= 0 and str(parsed.value) == expected


def test_parsed_number_keeps_the_original_text_unchanged():
    assert parse_number("  約３．６万人 ", unit="人").text == "  約３．６万人 "


def test_parsed_value_has_no_exponent_or_needless_zeros():
    assert str(parse_number("3.6万人", unit="人").value) == "36000"
    assert str(parse_number("73.50%", unit="%").value) == "73.5"


@pytest.mark.parametrize("typed", ["", "   ", "\u3000", "\t\n", "-", "－", "―", "—", "−", "ー", " － ", None])
def test_blank_or_a_dash_placeholder_is_no_value(typed):
    assert parse_number(typed, unit="人") is None


def test_percent_maximum_can_be_raised_or_disabled():
    assert parse_number("120%", unit="%", percent_max=Decimal(150)).value == Decimal(120)
    assert parse_number("250%", unit="%", percent_max=None).value == Decimal(250)


def test_percent_maximum_applies_only_to_percent_units():
    assert parse_number("120", unit="人").value == Decimal(120)


# ---------------------------------------------------------------------------------------------------------
# parse_number: refused

UNREADABLE = "数値として読み取れません"
REFUSED = [
    # (typed, unit, options, fragment of the message)
    ("1e5", None, {}, UNREADABLE),
    ("1E5", "人", {}, UNREADABLE),
    ("NaN", None, {}, UNREADABLE),
    ("nan", "人", {}, UNREADABLE),
    ("inf", None, {}, UNREADABLE),
    ("Infinity", None, {}, UNREADABLE),
    ("12.3.4", None, {}, UNREADABLE),
    ("abc", None, {}, UNREADABLE),
    ("１２ａ", None, {}, UNREADABLE),
    ("１２ａ", "人", {}, UNREADABLE),
    ("==1+1", None, {}, UNREADABLE),
    ("=SUM(A1:A3)", None, {}, UNREADABLE),
    ("1+1", None, {}, UNREADABLE),
    ("1_000", None, {}, UNREADABLE),
    ("1 000", None, {}, UNREADABLE),
    ("1.234,5", None, {}, UNREADABLE),
    ("なし", "人", {}, UNREADABLE),
    ("未定", "人", {}, UNREADABLE),
    ("約", "人", {}, UNREADABLE),
    ("▲", None, {"allow_negative": True}, UNREADABLE),
    ("--5", None, {"allow_negative": True}, UNREADABLE),
    ("三", "人", {}, UNREADABLE),
    ("4億人", "人", {}, "漢数字"),
    ("3万5千人", "人", {}, UNREADABLE),
    ("10²", "人", {}, UNREADABLE),
    ("①", None, {}, UNREADABLE),
    ("½", None, {}, UNREADABLE),
    ("3,68,21", None, {}, "桁区切り"),
    ("1,5", None, {}, "桁区切り"),
    ("36,82", "人", {}, "桁区切り"),
    ("36、82", "人", {}, "桁区切り"),
    ("5,445件", "時間", {}, "この指標の単位は「時間」です"),
    ("５，４４５件", "時間", {}, "「５，４４５件」と入力されましたが、この指標の単位は「時間」です"),
    ("35,406件", "件/月", {}, "この指標の単位は「件/月」です"),
    ("73.5%", "人", {}, "この指標の単位は「人」です"),
    ("5,445件", None, {}, "単位を付けられません"),
    ("5人以上", "人", {}, "「以上」のような言葉は付けられません"),
    ("5未満", "人", {}, "「未満」のような言葉は付けられません"),
    ("▲5", None, {}, "マイナスの値は入力できません"),
    ("-5", "人", {}, "マイナスの値は入力できません"),
    ("－0.5%", "%", {}, "マイナスの値は入力できません"),
    ("120%", "%", {}, "100%を超える値は入力できません"),
    ("100.01", "%", {}, "100%を超える値は入力できません"),
    ("160%", "%", {"percent_max": Decimal(150)}, "150%を超える値は入力できません"),
    ("1.23456", None, {}, "小数点以下は4桁まで"),
    ("0.00001", None, {}, "小数点以下は4桁まで"),
    ("1.23456枚", "千枚", {}, "小数点以下は4桁まで"),
    ("100000000000000", None, {}, "大きすぎます"),
    ("100,000,000,000,000", None, {}, "大きすぎます"),
    ("1" * 400, None, {}, "大きすぎます"),
    ("10000000000万", None, {}, "大きすぎます"),
    ("▲100000000000000", None, {"allow_negative": True}, "大きすぎます"),
]


@pytest.mark.parametrize("typed, unit, options, fragment", REFUSED, ids=[r[0][:20] for r in REFUSED])
def test_unreadable_or_wrong_figure_is_refused_in_japanese_naming_the_field(typed, unit, options, fragment):
    with pytest.raises(InputError) as caught:
        parse_number(typed, unit=unit, field="実績値", **options)
    assert fragment in str(caught.value)
    assert caught.value.text == typed
    assert_japanese_refusal(caught.value, "実績値")


def test_unit_mismatch_message_names_both_units():
    with pytest.raises(InputError) as caught:
        parse_number("５，４４５件", unit="時間")
    assert str(caught.value).startswith(
        "「値」に「５，４４５件」と入力されましたが、この指標の単位は「時間」です（入力された単位は「件」）。"
    )


def test_refusal_quotes_the_typed_text_without_control_characters_and_cut_short():
    with pytest.raises(InputError) as caught:
        parse_number("abc\x00\u202e" + "x" * 100)
    message = str(caught.value)
    assert "\x00" not in message and "\u202e" not in message
    assert "…" in message and "x" * 41 not in message


def test_input_error_is_a_value_error_and_survives_pickling():
    error = InputError("「値」が正しくありません。", field="値", text="abc")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.field, copy.text) == ("「値」が正しくありません。", "値", "abc")


# ---------------------------------------------------------------------------------------------------------
# parse_number: properties

@settings(max_examples=500)
@given(
    st.text(),
    st.sampled_from([None, *UNITS]),
    st.booleans(),
    st.sampled_from([Decimal(100), None]),
)
def test_parse_number_never_raises_anything_but_input_error(text, unit, allow_negative, percent_max):
    try:
        result = parse_number(text, unit=unit, allow_negative=allow_negative, percent_max=percent_max)
    except InputError as error:
        assert_japanese_refusal(error, "値")
    else:
        assert result is None or (isinstance(result.value, Decimal) and result.value.is_finite())


NUMBER_ALPHABET = "0123456789０１２３４５６７８９٣३.,，．、-－▲△+約万千人件%％時間枚 \u3000e"


@settings(max_examples=300)
@given(st.text(alphabet=NUMBER_ALPHABET, max_size=15), st.sampled_from([None, *UNITS]))
def test_parse_number_on_number_like_text_returns_a_storable_value_or_refuses(text, unit):
    try:
        result = parse_number(text, unit=unit, allow_negative=True, percent_max=None)
    except InputError as error:
        assert_japanese_refusal(error, "値")
    else:
        if result is not None:
            assert abs(result.value) < Decimal(10) ** 14
            assert result.value == result.value.quantize(Decimal("0.0001"))


@st.composite
def decimals_with_up_to_4_places(draw):
    places = draw(st.integers(0, 4))
    bound = 10**14 * 10**places - 1
    return Decimal(draw(st.integers(-bound, bound))).scaleb(-places)


FULL_WIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")


@settings(max_examples=300)
@given(decimals_with_up_to_4_places(), st.sampled_from(UNITS))
def test_formatted_figure_with_its_unit_parses_back_to_the_same_value(d, unit):
    typed = f"{d:,}{unit}"
    assert parse_number(typed, unit=unit, allow_negative=True, percent_max=None).value == d


@settings(max_examples=300)
@given(decimals_with_up_to_4_places(), st.sampled_from(UNITS))
def test_full_width_formatted_figure_with_its_unit_parses_back_to_the_same_value(d, unit):
    typed = f"{d:,}".translate(FULL_WIDTH) + unicodedata.normalize("NFKC", unit).replace("%", "％")
    assert parse_number(typed, unit=unit, allow_negative=True, percent_max=None).value == d


DIGIT_ZEROS = [0x30, 0xFF10, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0x1D7CE]


@settings(max_examples=200)
@given(decimals_with_up_to_4_places(), st.sampled_from(DIGIT_ZEROS))
def test_any_unicode_decimal_digits_are_read_as_their_digit(d, zero):
    table = str.maketrans({str(i): chr(zero + i) for i in range(10)})
    assert parse_number(f"{d:,}".translate(table), allow_negative=True).value == d


# ---------------------------------------------------------------------------------------------------------
# parse_fiscal_year

FISCAL_YEARS = [
    ("令和3年度", 2021),
    ("令和３年度", 2021),
    ("令和 3 年度", 2021),
    ("R3", 2021),
    ("R3年度", 2021),
    ("r3", 2021),
    ("Ｒ３", 2021),
    ("R03", 2021),
    ("令和元年度", 2019),
    ("R元", 2019),
    ("㋿3年度", 2021),
    ("2021年度", 2021),
    ("２０２１年度", 2021),
    ("2021", 2021),
    ("FY2021", 2021),
    ("fy 2021", 2021),
    ("平成30年度", 2018),
    ("H30", 2018),
    ("h30年度", 2018),
    ("平成元年度", 1989),
    ("平成31年度", 2019),
    ("令和3年度（2021年度）", 2021),
]


@pytest.mark.parametrize("typed, fy", FISCAL_YEARS)
def test_typed_fiscal_year_is_read_as_the_western_year(typed, fy):
    assert parse_fiscal_year(typed) == fy


@pytest.mark.parametrize("typed", ["", "  ", "\u3000", "－", "-", None])
def test_blank_fiscal_year_is_no_value(typed):
    assert parse_fiscal_year(typed) is None


FISCAL_YEARS_REFUSED = [
    ("令和0年度", "令和は元年度（2019年度）から始まります"),
    ("R0", "令和は元年度"),
    ("平成0年度", "平成は元年度（1989年度）から始まります"),
    ("平成32年度", "平成は31年度"),
    ("R", "年度として読み取れません"),
    ("令和", "年度として読み取れません"),
    ("元年度", "年度として読み取れません"),
    ("21年度", "元号の年か西暦の年かが分かりません"),
    ("21", "元号の年か西暦の年かが分かりません"),
    ("FY21", "元号の年か西暦の年かが分かりません"),
    ("明日", "年度として読み取れません"),
    ("令和3年", "「年」ではなく「年度」で"),
    ("2021年", "「年」ではなく「年度」で"),
    ("2021-22", "年度として読み取れません"),
    ("1800年度", "1900年度から2100年度までの範囲"),
    ("R99", "1900年度から2100年度までの範囲"),
    ("令和3年度（2020年度）", "和暦と西暦の年度が一致しません"),
]


@pytest.mark.parametrize("typed, fragment", FISCAL_YEARS_REFUSED)
def test_unreadable_fiscal_year_is_refused_in_japanese_naming_the_field(typed, fragment):
    with pytest.raises(InputError) as caught:
        parse_fiscal_year(typed, field="目標年度")
    assert fragment in str(caught.value)
    assert_japanese_refusal(caught.value, "目標年度")


@given(st.integers(1900, 2100))
def test_displayed_fiscal_year_parses_back(fy):
    assert parse_fiscal_year(fiscal_year_ja(fy)) == fy
    assert parse_fiscal_year(fiscal_year_label(fy)) == fy


@settings(max_examples=300)
@given(st.text())
@example("\\\x1fu")  # a backslash, an invisible character, a u: quoted as 「\\u」, which is what was typed
def test_parse_fiscal_year_never_raises_anything_but_input_error(text):
    try:
        result = parse_fiscal_year(text)
    except InputError as error:
        assert_japanese_refusal(error, "年度")
    else:
        assert result is None or 1900 <= result <= 2100


# ---------------------------------------------------------------------------------------------------------
# clean_text

CLEANED = [
    ("  新型コロナの影響  ", "新型コロナの影響"),
    ("一行目\r\n二行目\r三行目", "一行目\n二行目\n三行目"),
    ("一行目\u2028二行目", "一行目\n二行目"),
    ("列1\t列2", "列1\t列2"),
    ("要因\x00です\x07", "要因です"),
    ("\x1b[31m赤\x1b[0m", "[31m赤[0m"),
    ("abc\u202edcba", "abcdcba"),  # right-to-left override
    ("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069理由", "理由"),
    ("ゼロ\u200b幅\u200c文\u200d字\u2060\ufeff", "ゼロ幅文字"),
    ("\u200e左右\u200f", "左右"),
    ("全角ＡＢＣ　と　㈱", "全角ＡＢＣ　と　㈱"),  # no NFKC on free text
    ("\ud800壊れた", "壊れた"),  # lone surrogate
]


@pytest.mark.parametrize("typed, cleaned", CLEANED)
def test_free_text_loses_control_bidi_and_invisible_characters(typed, cleaned):
    assert clean_text(typed, field="要因") == cleaned


@pytest.mark.parametrize("typed", [None, "", "   ", "\u3000\n\t", "\u200b", "\x00\u202e"])
def test_blank_free_text_is_no_value(typed):
    assert clean_text(typed, field="要因") is None


def test_free_text_at_the_length_limit_is_kept():
    assert clean_text("あ" * 2000, field="要因") == "あ" * 2000
    assert clean_text("あ" * 10 + "\u200b" * 5, field="要因", max_length=10) == "あ" * 10


def test_free_text_over_the_length_limit_is_refused_naming_field_and_limit():
    with pytest.raises(InputError) as caught:
        clean_text("あ" * 2001, field="要因")
    assert "2,000文字以内" in str(caught.value) and "2,001文字" in str(caught.value)
    assert_japanese_refusal(caught.value, "要因")
    with pytest.raises(InputError, match="「備考」は100文字以内"):
        clean_text("x" * 101, field="備考", max_length=100)


@settings(max_examples=300)
@given(st.text())
def test_cleaned_text_is_stable_and_free_of_hidden_characters(text):
    cleaned = clean_text(text, field="備考")
    if cleaned is None:
        return
    assert cleaned == cleaned.strip() and cleaned
    assert "\r" not in cleaned
    assert all(ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in cleaned)
    assert clean_text(cleaned, field="備考") == cleaned
