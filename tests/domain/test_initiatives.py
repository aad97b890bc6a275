"""The computed comparison of an initiative's figure (前年比1.7倍, 9割弱) and the checks of a typed entry."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from kpi.domain.initiatives import (BaseKind, InitiativeInput, PhotoRefused, check_input, compare, figure_sentence,
                                    photo_mime, ratio_text, share_text)

AREAS = {"ONLINE", "STAFF"}


# --- the seed's figures ------------------------------------------------------------------------------------


def test_the_seeds_share_5300_of_6000_reads_9_wari_jaku():
    assert compare(5300, 6000, "total").text == "9割弱"


def test_the_seeds_ratios_read_as_printed():
    assert compare(1227, 722, BaseKind.PREVIOUS_YEAR).text == "前年比1.7倍"
    assert compare(176679, 110760, "previous_year").text == "前年比1.6倍"


@pytest.mark.parametrize(("share", "text"), [
    (Fraction(1, 2), "5割"), (Fraction(92, 100), "9割強"), (Fraction(85, 100), "9割弱"), (Fraction(84, 100), "8割強"),
    (Fraction(3, 100), "1割未満"), (Fraction(96, 100), "ほぼ全て"), (Fraction(0), "なし"), (Fraction(1), "全て"),
    (Fraction(1, 10), "1割"), (Fraction(5, 100), "1割弱"),
])
def test_share_words(share, text):
    assert share_text(share) == text


def test_ratio_rounds_half_up_to_one_decimal():
    assert ratio_text(Fraction(165, 100)) == "前年比1.7倍"
    assert ratio_text(Fraction(1649, 1000)) == "前年比1.6倍"
    assert ratio_text(Fraction(2)) == "前年比2.0倍"


def test_no_comparison_without_a_base_or_with_a_zero_base():
    assert compare(10, None, None) is None
    assert compare(10, 0, "previous_year") is None
    assert compare(None, 5, "total") is None


def test_figure_sentences_name_the_figure_its_base_and_the_computed_comparison():
    assert figure_sentence("押印を廃止した様式", Decimal(5300), "件", Decimal(6000), "total") == \
        "押印を廃止した様式 5,300件（6,000件のうち9割弱）"
    assert figure_sentence("申請件数", Decimal(176679), "件", Decimal(110760), "previous_year") == \
        "申請件数 176,679件（前年比1.6倍、前年110,760件）"
    assert figure_sentence(None, Decimal(12), "回", None, None) == "12回"


# --- properties ---------------------------------------------------------------------------------------------

@given(figure=st.decimals(min_value=0, max_value=10**9, places=2), base=st.decimals(min_value=Decimal("0.01"),
                                                                                 max_value=10**9, places=2))
def test_ratio_text_is_the_exact_ratio_rounded_half_up(figure, base):
    c = compare(figure, base, "previous_year")
    assert c.ratio == Fraction(figure) / Fraction(base)
    shown = Fraction(Decimal(c.text.removeprefix("前年比").removesuffix("倍")))
    assert abs(shown - c.ratio) <= Fraction(1, 20)  # within half a tenth
    if abs(shown - c.ratio) == Fraction(1, 20):
        assert shown > c.ratio  # ties go up


@given(part=st.integers(min_value=0, max_value=10**6), extra=st.integers(min_value=0, max_value=10**6))
def test_share_word_names_the_nearest_tenth_and_which_side_of_it(part, extra):
    total = part + extra
    if total == 0:
        return
    share = Fraction(part, total)
    text = compare(part, total, "total").text
    if share == 0:
        assert text == "なし"
    elif share == 1:
        assert text == "全て"
    elif text == "1割未満":
        assert share < Fraction(1, 20)
    elif text == "ほぼ全て":
        assert Fraction(19, 20) <= share < 1
    else:
        tenths = int(text.split("割")[0])
        assert abs(share - Fraction(tenths, 10)) <= Fraction(1, 20)
        suffix = text.split("割")[1]
        assert suffix == ("弱" if share < Fraction(tenths, 10) else "強" if share > Fraction(tenths, 10) else "")


@given(a=st.integers(min_value=0, max_value=10**6), b=st.integers(min_value=0, max_value=10**6),
       total=st.integers(min_value=1, max_value=10**6))
def test_a_larger_part_never_reads_as_a_smaller_share(a, b, total):
    order = ["なし", "1割未満"] + [f"{n}割{s}" for n in range(1, 10) for s in ("弱", "", "強")] + ["ほぼ全て", "全て"]
    lo, hi = sorted((min(a, total), min(b, total)))
    assert order.index(compare(lo, total, "total").text) <= order.index(compare(hi, total, "total").text)


@given(figure=st.integers(min_value=1, max_value=10**7), total=st.integers(min_value=1, max_value=10**7))
def test_a_part_larger_than_its_whole_has_no_share(figure, total):
    c = compare(figure, total, "total")
    assert (c is None) == (figure > total)


# --- checks of a typed entry ------------------------------------------------------------------------------


def test_a_typed_entry_is_normalized_and_its_comparison_computed():
    fields, errors = check_input(InitiativeInput("ONLINE", " 電子申請の拡大 ", "1月", ("手続の追加", ""),
                                                 "利用可能な手続件数", "１，２２７件", "件", "722", "previous_year"),
                                 AREAS)
    assert errors == []
    assert fields.title == "電子申請の拡大" and fields.points == ("手続の追加",)
    assert fields.figure_value == Decimal(1227) and fields.base_value == Decimal(722)
    assert fields.comparison.text == "前年比1.7倍"


def test_every_problem_of_an_entry_is_named_with_its_field():
    fields, errors = check_input(InitiativeInput("NOPE", "", figure_text="abc", figure_unit="件",
                                                 base_text="0", base_kind="previous_year"), AREAS)
    assert fields is None
    named = {e.field for e in errors}
    assert {"分野", "取組名", "数値", "前年の数値"} <= named
    assert all(str(e) and "Traceback" not in str(e) for e in errors)


def test_a_part_larger_than_the_whole_is_refused():
    _f, errors = check_input(InitiativeInput("ONLINE", "押印廃止", figure_text="7000", figure_unit="件",
                                             base_text="6000", base_kind="total"), AREAS)
    assert [e.field for e in errors] == ["数値"]
    assert "6,000件" in str(errors[0])


def test_a_base_without_a_figure_is_refused():
    _f, errors = check_input(InitiativeInput("ONLINE", "押印廃止", base_text="6000", base_kind="total"), AREAS)
    assert [e.field for e in errors] == ["数値"]


def test_photos_are_judged_by_their_content_and_size():
    assert photo_mime("a.jpg", b"\x89PNG\r\n\x1a\n" + b"0" * 10) == "image/png"
    assert photo_mime("a.png", b"\xff\xd8\xff\xe0" + b"0" * 10) == "image/jpeg"
    with pytest.raises(PhotoRefused, match="PNGまたはJPEG"):
        photo_mime("evil.png", b"<svg onload=alert(1)>")
    with pytest.raises(PhotoRefused, match="MB以内"):
        photo_mime("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (3 * 1024 * 1024))
