"""The seed report's band tables come out of the demo's approved values, through the domain rules."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kpi.services.summaries import cycle_summary

KPI = Path(sys.executable).parent / "kpi"

SCOPES = {  # seed_figures.json scope → (--pillar arguments, group key holding it)
    "all (pillars 1+2+3)": (None, "all"),
    "pillar 1": ([1], "pillar-1"),
    "pillar 2": ([2], "pillar-2"),
    "pillar 3": ([3], "pillar-3"),
    "pillars 2+3": ([2, 3], "all"),
}


def _published(seed_figures, scope):
    return next(t for t in seed_figures["published_tables"] if t["scope"] == scope)


def _group(doc, key):
    return next(g for g in doc["groups"] if g["key"] == key)


@pytest.mark.parametrize("scope", list(SCOPES))
def test_every_published_count_and_share_is_reproduced(demo_warehouse, seed_figures, scope):
    pillars, key = SCOPES[scope]
    table = _published(seed_figures, scope)
    group = _group(cycle_summary(2021, pillars=pillars, db=demo_warehouse), key)
    assert group["total"] == table["total"]
    assert group["counts"] == table["counts"]
    if "percent" in table:
        assert group["percent"] == table["percent"]
    assert group["unrated"] == 0




@pytest.mark.parametrize("scope", list(SCOPES))
def test_cli_summary_json_matches_the_seed(demo_warehouse, seed_figures, scope):
    pillars, key = SCOPES[scope]
    args = [str(KPI), "summary", "--cycle", "2021", "--format", "json", "--db", str(demo_warehouse)]
    if pillars:
        args += ["--pillar", *map(str, pillars)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120)
    doc = json.loads(out.stdout)
    assert doc["cycle"] == 2021 and doc["basis"] == "approved"
    table = _published(seed_figures, scope)
    group = _group(doc, key)
    assert (group["total"], group["counts"]) == (table["total"], table["counts"])
    if "percent" in table:
        assert group["percent"] == table["percent"]


def test_pillar_option_narrows_the_all_group_to_the_chosen_pillars(demo_warehouse):
    doc = cycle_summary(2021, pillars=[2, 3], db=demo_warehouse)
    assert [g["key"] for g in doc["groups"]] == ["all", "pillar-2", "pillar-3"]
    assert doc["groups"][0]["total"] == 56


def test_table_format_prints_the_seed_layout_in_japanese(demo_warehouse):
    out = subprocess.run([str(KPI), "summary", "--cycle", "2021", "--format", "table", "--db", str(demo_warehouse)],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    assert "令和3年度" in out
    assert "1.波及効果の高いプロジェクト 計12指標" in out
    assert "（計68指標）" in out
    for share in ("73.5%", "4.4%", "1.5%", "19.1%"):
        assert share in out


def test_unknown_cycle_is_a_japanese_error_not_a_traceback(demo_warehouse):
    out = subprocess.run([str(KPI), "summary", "--cycle", "1999", "--db", str(demo_warehouse)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "1999年度の集計サイクルがありません" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_band_changes_when_an_approved_value_changes(demo_warehouse):
    """The figures are computed, not stored: moving one value moves the table."""
    import warehouse

    with warehouse.transaction(demo_warehouse) as con:
        # RPA 削減時間 5,445 h → 6,000 h: from 60–100% into achieved.
        con.execute("UPDATE indicator_values SET value_number = 6000 WHERE indicator_id ="
                    " (SELECT indicator_id FROM indicators WHERE name = 'RPA導入により削減した作業時間')")
    g = _group(cycle_summary(2021, pillars=[1], db=demo_warehouse), "pillar-1")
    assert g["counts"]["achieved"] == 8 and g["counts"]["band_60_100"] == 0


def test_unapproved_values_are_left_out_of_the_approved_basis(demo_warehouse):
    import warehouse

    with warehouse.transaction(demo_warehouse) as con:
        con.execute("UPDATE indicator_values SET state = 'submitted' WHERE indicator_id ="
                    " (SELECT indicator_id FROM indicators WHERE name = 'テレワーク実施者数')")
    approved = _group(cycle_summary(2021, db=demo_warehouse), "all")
    preview = _group(cycle_summary(2021, basis="all", db=demo_warehouse), "all")
    assert approved["total"] == 67 and approved["unrated"] == 1 and approved["counts"]["achieved"] == 49
    assert preview["total"] == 68 and preview["counts"]["achieved"] == 50
