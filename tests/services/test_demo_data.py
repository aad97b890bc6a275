"""The demo data carries the seed's figures exactly as printed, and flags everything the seed does not print."""
from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from kpi.demo.seed import demo_data

SEED = Path(__file__).resolve().parents[1] / "data" / "seeds" / "000_953c196bf98d5372.txt"  # the seed report, kept in the repo


@pytest.fixture(scope="module")
def seed_text() -> str:
    return unicodedata.normalize("NFKC", SEED.read_text(encoding="utf-8"))


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _named():
    return [i for i in demo_data()["indicators"] if not i["illustrative"]]


def test_the_demo_has_the_seed_structure():
    data = demo_data()
    assert [len(p["items"]) for p in data["pillars"]] == [3, 3, 3]
    per_pillar = Counter(i["pillar"] for i in data["indicators"])
    assert per_pillar == {1: 12, 2: 48, 3: 8}


@pytest.mark.parametrize("ind", _named(), ids=lambda i: i["code"])
def test_named_indicators_carry_the_figures_as_printed(seed_text, ind):
    assert _norm(ind["name"]) in seed_text
    assert _norm(ind["target"]["text"]) in seed_text
    if ind["baseline"] and not ind["baseline"]["illustrative"]:
        assert _norm(ind["baseline"]["text"]).replace("県含む", "") in seed_text
    if ind["value"]:
        assert _norm(ind["value"]["text"]) in seed_text
        if ind["value"]["period"]:
            assert _norm(ind["value"]["period"]) in seed_text
        if ind["value"]["reason"] and not ind["value"]["reason_illustrative"]:
            assert _norm(ind["value"]["reason"]) in seed_text


def test_the_stopped_indicator_carries_its_stop_reason(seed_text):
    stopped = [i for i in demo_data()["indicators"] if i["status"] == "stopped"]
    assert [i["name"] for i in stopped] == ["電子化済みの手続数"]
    assert _norm(stopped[0]["stop_reason"]) in seed_text and stopped[0]["stopped_fy"] == 2021


def test_the_duplicated_line_of_the_seed_is_one_indicator():
    names = Counter(i["name"] for i in demo_data()["indicators"])
    assert names["働き方改革アドバイザー派遣企業数"] == 1
    assert max(names.values()) == 1


def test_unnamed_indicators_and_unprinted_baselines_are_flagged_illustrative(seed_text):
    data = demo_data()
    illustrative = [i for i in data["indicators"] if i["illustrative"]]
    assert len(illustrative) == 68 - len(_named())
    for ind in illustrative:
        assert ind["seed_section"] is None
    for ind in _named():
        b = ind["baseline"]
        if b and _norm(b["text"]).replace("県含む", "") not in seed_text:
            assert b["illustrative"], f"{ind['name']}: baseline {b['text']} is not printed but not flagged"
    assert all(d["illustrative"] for d in data["departments"])


def test_every_unachieved_value_has_a_reason_and_category():
    for ind in demo_data()["indicators"]:
        v = ind["value"]
        if ind["seed_section"] == "unachieved":
            assert v["reason"] and v["reason_category"] in {"covid", "other"}
        elif v:
            assert v["reason"] is None and v["reason_category"] is None
