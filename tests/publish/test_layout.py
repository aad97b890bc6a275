"""Pagination of slide bodies: pages never exceed the box, long texts are cut, headings repeat with （続き）."""
from __future__ import annotations

import pytest

from kpi.publish.layout import SAFETY, Block, Para, Run, block_height, para_height, paginate, text_em

WIDTH, HEIGHT = 860.0, 370.0


def _heading(group: str, continued: bool) -> Para:
    return Para((Run(group + ("（続き）" if continued else ""), 15, True),), 0, 8)


def _item(name: str, reason: str, group: str | None = None) -> Block:
    return Block([Para((Run(name, 14, True),), 0, 6), Para((Run(reason, 12),), 20, 2)], group)


def _height(page: list[Para]) -> float:
    return sum(para_height(p, WIDTH) for p in page)


@pytest.mark.parametrize("text, ems", [("あいう", 3.0), ("abc", 1.8), ("R3年度", 3.2), ("", 0.0)])
def test_full_width_characters_count_one_em_and_half_width_less(text, ems):
    assert text_em(text) == pytest.approx(ems)


def test_more_text_never_needs_fewer_lines():
    short = Para((Run("あ" * 40, 12),))
    long = Para((Run("あ" * 400, 12),))
    assert para_height(long, WIDTH) > para_height(short, WIDTH)


def test_no_page_is_taller_than_the_box():
    blocks = [_item(f"指標{i}", "理由の説明文。" * (5 + i * 3), "その他の理由") for i in range(12)]
    pages = paginate(blocks, WIDTH, HEIGHT, _heading)
    assert len(pages) > 1
    for page in pages:
        assert _height(page) <= HEIGHT * SAFETY + 1e-6


def test_a_reason_longer_than_a_page_is_cut_and_nothing_is_lost():
    reason = "令和2年6月以降、有効求人倍率が低下した。" * 120
    pages = paginate([_item("離職者等再就職訓練事業の情報系コースの就職率", reason)], WIDTH, HEIGHT, _heading)
    assert len(pages) >= 2
    text = "".join(r.text for page in pages for p in page for r in p.runs)
    assert reason in text
    for page in pages:
        assert _height(page) <= HEIGHT * SAFETY + 1e-6


def test_a_group_continuing_on_a_new_page_repeats_its_heading():
    blocks = [_item(f"指標{i}", "理由。" * 60, "新型コロナウイルス感染症の影響") for i in range(8)]
    pages = paginate(blocks, WIDTH, HEIGHT, _heading)
    firsts = [page[0].runs[0].text for page in pages]
    assert firsts[0] == "新型コロナウイルス感染症の影響"
    assert all(t == "新型コロナウイルス感染症の影響（続き）" for t in firsts[1:])


def test_blocks_stay_whole_when_they_fit():
    blocks = [_item(f"指標{i}", "理由。" * 30) for i in range(10)]
    pages = paginate(blocks, WIDTH, HEIGHT)
    for page in pages:
        names = [p.runs[0].text for p in page if p.runs[0].bold]
        # every name on a page is followed by its reason on the same page
        for n in names:
            i = next(k for k, p in enumerate(page) if p.runs[0].text == n)
            assert i + 1 < len(page) and not page[i + 1].runs[0].bold
    assert sum(block_height(b, WIDTH) for b in blocks) > HEIGHT  # it really paginated


def test_an_empty_list_gives_one_empty_page():
    assert paginate([], WIDTH, HEIGHT) == [[]]
