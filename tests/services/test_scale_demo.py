"""The synthetic national warehouse: built in bulk, shaped like the real thing, and readable by the services."""
from __future__ import annotations

from datetime import date

import pytest

import warehouse
from kpi.domain.workflow import Role
from kpi.services import queries
from kpi.services.actors import Actor
from kpi.demo.scale import NATIONAL_ORGS, build_scale_demo, describe, organizations
from kpi.services.summaries import cycle_summary

ORGS, INDICATORS, CYCLES = 20, 10, 3
REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}))


@pytest.fixture(scope="module")
def scale(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "scale.duckdb"
    result = build_scale_demo(path, orgs=ORGS, indicators=INDICATORS, cycles=CYCLES, seed=7)
    return path, result


def _rows(path, sql, params=None):
    with warehouse.connect(path) as con:
        return con.execute(sql, params or []).fetchall()


def test_counts_of_a_small_build(scale):
    path, result = scale
    assert result == {**describe(path), "seconds": result["seconds"]}
    assert (result["organizations"], result["indicators"], result["cycles"]) == (ORGS, ORGS * INDICATORS, CYCLES)
    assert result["prefectures"] >= 1 and result["prefectures"] + result["municipalities"] == ORGS
    assert result["fiscal_years"] == [2023, 2024, 2025] and result["open_cycles"] == [2025]
    assert result["users"] == ORGS + 3 and result["size_bytes"] > 0
    # every active indicator has a value in each past cycle but a few; the open cycle is partly collected
    per_cycle = dict(_rows(path, "SELECT c.fiscal_year, count(v.value_id) FROM cycles c"
                                 " LEFT JOIN indicator_values v USING (cycle_id) GROUP BY 1"))
    assert per_cycle[2023] >= 0.97 * ORGS * INDICATORS
    assert 0.4 * ORGS * INDICATORS < per_cycle[2025] < 0.95 * ORGS * INDICATORS
    assert result["values"] == sum(per_cycle.values())


def test_past_cycles_are_approved_and_the_open_cycle_has_a_mix_of_states(scale):
    path, _ = scale
    states = {}
    for fy, state, n in _rows(path, "SELECT c.fiscal_year, v.state, count(*) FROM indicator_values v"
                                    " JOIN cycles c USING (cycle_id) GROUP BY ALL"):
        states.setdefault(fy, {})[state] = n
    for fy in (2023, 2024):
        assert states[fy].get("approved", 0) >= 0.95 * sum(states[fy].values())
    assert set(states[2025]) == {"draft", "submitted", "returned", "approved"}
    assert _rows(path, "SELECT count(*) FROM indicator_values WHERE state = 'approved'"
                       " AND (approved_by IS NULL OR approved_at IS NULL OR approved_by = entered_by)") == [(0,)]
    assert _rows(path, "SELECT count(*) FROM indicator_values v WHERE NOT EXISTS"
                       " (SELECT 1 FROM users u WHERE u.login = v.entered_by)") == [(0,)]


def test_target_types_and_reasons_are_distributed(scale):
    path, result = scale
    types = dict(_rows(path, "SELECT target_type || '/' || direction, count(*) FROM indicators GROUP BY 1"))
    assert types["numeric/higher"] > sum(types.values()) / 2
    assert {"numeric/lower"} <= set(types)
    with_reason = _rows(path, "SELECT count(*), count(reason_category), count(DISTINCT reason_category)"
                              " FROM indicator_values WHERE reason IS NOT NULL")[0]
    assert with_reason[0] > 0 and with_reason[0] == with_reason[1] and with_reason[2] >= 2
    assert set(result["reasons_by_category"]) <= {"covid", "system", "stats", "other"}
    # categories are master data
    assert _rows(path, "SELECT count(*) FROM indicator_values v WHERE reason_category IS NOT NULL AND NOT EXISTS"
                       " (SELECT 1 FROM reason_categories r WHERE r.category_code = v.reason_category)") == [(0,)]


def test_the_summary_service_works_on_a_past_cycle(scale):
    path, _ = scale
    doc = cycle_summary(2024, db=path)
    overall = doc["groups"][0]
    assert [g["key"] for g in doc["groups"]] == ["all", "pillar-1", "pillar-2", "pillar-3"]
    assert overall["total"] + overall["unrated"] == ORGS * INDICATORS
    assert overall["unrated"] <= 0.05 * ORGS * INDICATORS
    assert sum(1 for n in overall["counts"].values() if n) >= 3  # several bands, not one
    assert sum(g["total"] for g in doc["groups"][1:]) == overall["total"]


def test_the_insight_services_work_on_it(scale):
    path, _ = scale
    progress = queries.collection_progress(REVIEWER, 2025, today=date(2026, 1, 1), db=path)
    assert len(progress["departments"]) == ORGS
    assert 0 < progress["overall"]["completeness_percent"] < 100
    assert progress["overdue"]
    trends = queries.trends(REVIEWER, db=path)
    assert [c["fiscal_year"] for c in trends["cycles"]] == [2023, 2024]  # the open FY2025 waits until it closes
    assert trends["moved"] and {m["to_fy"] for m in trends["moved"]} == {2024}
    some = queries.drilldown(REVIEWER, 2024, band="band_under_30", db=path)
    assert some and all(r["band"] == "band_under_30" for r in some)


@pytest.mark.parametrize("basis", ["approved", "all"])
def test_the_set_wise_evaluation_gives_every_row_the_exact_rules_band_and_rate(scale, basis):
    from kpi.services.summaries import load_cycle, load_frame

    path, _ = scale
    for fy in (2023, 2025):
        fast = load_frame(fy, basis=basis, db=path).frame
        exact = {e.row["code"]: e for e in load_cycle(fy, basis=basis, db=path).rows}
        assert fast.height == len(exact) == ORGS * INDICATORS
        for row in fast.iter_rows(named=True):
            e = exact[row["code"]]
            assert (row["band"], row["rate_status"], row["rate_percent"]) == (
                e.band.value if e.band else None, e.rate.status.value, e.percent), row["code"]


def test_judging_by_milestones_on_the_national_demo_rates_no_lower_on_the_way(scale):
    path, _ = scale
    target = cycle_summary(2023, db=path)["groups"][0]["counts"]  # the first year of a 3-year plan
    milestone = cycle_summary(2023, judge="milestone", db=path)["groups"][0]["counts"]
    assert milestone["achieved"] > target["achieved"] and milestone["band_under_30"] <= target["band_under_30"]
    assert sum(milestone.values()) == sum(target.values())


def test_a_build_refuses_an_existing_file_and_is_reproducible(tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    build_scale_demo(a, orgs=3, indicators=4, cycles=2, seed=1)
    with pytest.raises(FileExistsError):
        build_scale_demo(a, orgs=3, indicators=4, cycles=2, seed=1)
    build_scale_demo(b, orgs=3, indicators=4, cycles=2, seed=1)
    sql = ("SELECT i.code, c.fiscal_year, v.value_number, v.state, v.reason FROM indicator_values v"
           " JOIN indicators i USING (indicator_id) JOIN cycles c USING (cycle_id) ORDER BY ALL")
    assert _rows(a, sql) == _rows(b, sql)
    build_scale_demo(b, orgs=3, indicators=4, cycles=2, seed=2, overwrite=True)
    assert _rows(a, sql) != _rows(b, sql)


def test_national_organizations_are_47_prefectures_and_1741_municipalities():
    orgs = organizations()
    assert orgs.height == NATIONAL_ORGS == 1788
    kinds = dict(orgs.group_by("kind").len().iter_rows())
    assert kinds == {"prefecture": 47, "municipality": 1741}
    assert orgs["code"].n_unique() == orgs.height and orgs["name"].n_unique() == orgs.height
    assert "北海道" in orgs["name"].to_list() and orgs.filter(orgs["name"].str.ends_with("区")).height == 23
    assert all(len(c) == 6 for c in orgs["code"].to_list())


# ---- `kpi demo-scale` on either backend ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The same small build (the command's seed, 0) in a DuckDB file, built in process."""
    path = tmp_path_factory.mktemp("scale_ref") / "scale.duckdb"
    build_scale_demo(path, orgs=ORGS, indicators=INDICATORS, cycles=CYCLES)
    return path


def test_kpi_demo_scale_builds_the_same_warehouse_on_either_backend(empty_warehouse, reference, backend):
    import json
    import subprocess
    import sys
    from pathlib import Path
    from urllib.parse import urlsplit

    kpi = [str(Path(sys.executable).parent / "kpi"), "demo-scale", "--db", str(empty_warehouse), "--orgs", str(ORGS),
           "--indicators", str(INDICATORS), "--cycles", str(CYCLES)]
    done = subprocess.run(kpi, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    expected = describe(reference)
    for key in ("organizations", "indicators", "stopped_indicators", "fiscal_years", "open_cycles", "values",
                "values_by_state", "reasons_by_category", "users"):
        assert info[key] == expected[key], key
    assert info["size_bytes"] > 0
    for year in (2024, 2025):  # the services read the same figures from both
        assert cycle_summary(year, db=empty_warehouse) == cycle_summary(year, db=reference)
    again = subprocess.run(kpi, capture_output=True, text=True, timeout=600)
    assert again.returncode == 2 and "\nエラー: " in again.stderr and "Traceback" not in again.stderr
    if backend == "postgresql":
        password = urlsplit(str(empty_warehouse)).password
        assert password not in done.stdout + done.stderr + again.stdout + again.stderr
        assert "空のデータベース" in again.stderr
