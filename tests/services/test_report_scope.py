"""Report sections kept with the strategy: the demo's (1) = pillar 1, (2) = pillars 2 + 3; without a configuration
one section per pillar; a pillar no section names gets its own. Coverage counts approved values per pillar."""
from __future__ import annotations

import pytest

import warehouse
from kpi.services import report_scope
from tests.services.workflow_helpers import EXECUTIVE
from warehouse import report_sections


def _sections(db, configured: list[list[int]] | None) -> list[list[int]]:
    with warehouse.transaction(db) as con:
        if configured is not None:
            report_sections.replace_sections(con, 1, configured)
    return report_scope.cycle_scope(EXECUTIVE, 2021, db=db)["sections"]


@pytest.mark.parametrize(("configured", "expected"), [
    (None, [[1], [2, 3]]),  # the demo's configuration
    ([], [[1], [2], [3]]),  # none: one section per pillar
    ([[2, 3]], [[1], [2, 3]]),  # pillar 1 named by no section: its own
    ([[1, 2, 3]], [[1, 2, 3]]),
])
def test_sections_follow_the_strategys_configuration(demo_db, configured, expected):
    assert _sections(demo_db, configured) == expected


def test_coverage_counts_approved_values_among_indicators_under_management(demo_db):
    cov = report_scope.cycle_scope(EXECUTIVE, 2021, db=demo_db)["coverage"]
    assert (cov.approved, cov.total, cov.complete) == (67, 67, True)
    open_year = report_scope.cycle_scope(EXECUTIVE, 2022, db=demo_db)["coverage"]
    assert open_year.text == "承認済 0 / 全 67 指標"
