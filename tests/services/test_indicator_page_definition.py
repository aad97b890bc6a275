"""The indicator page's header shows the definition in force now (the latest revision), while each year keeps
the definition it was judged by."""
from __future__ import annotations

from decimal import Decimal

from kpi.domain.workflow import Role
from kpi.services import master_data, queries
from kpi.services.actors import Actor

REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}))
EXECUTIVE = Actor("executive", "幹部", frozenset({Role.EXECUTIVE}))
TELEWORK = "P1-1-01"  # テレワーク実施者数, target 280人


def test_the_header_shows_the_revised_target_and_fy2021_keeps_280(demo_db):
    before = queries.indicator_history(EXECUTIVE, TELEWORK, db=demo_db)
    assert before["definition"]["target"] == Decimal(280)
    master_data.update_indicator(REVIEWER, _indicator_id(demo_db), {"target_value": "580人"}, reason="計画改定で上方修正",
                                 effective_fy=2022, db=demo_db)
    after = queries.indicator_history(EXECUTIVE, TELEWORK, db=demo_db)
    assert after["definition"]["target"] == Decimal(580)
    years = {c["fiscal_year"]: c for c in after["cycles"]}
    assert years[2021]["rate"] == {c["fiscal_year"]: c for c in before["cycles"]}[2021]["rate"]


def _indicator_id(db) -> int:
    import warehouse

    with warehouse.connect(db) as con:
        return con.execute("SELECT indicator_id FROM indicators WHERE code = ?", [TELEWORK]).fetchone()[0]
