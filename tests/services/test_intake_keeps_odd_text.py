"""What a person sent is stored as received even when it holds text no database column takes (lone surrogates,
as a broken clipboard or a script may send): the batch is kept, then processed like any other."""
from __future__ import annotations

import json

from kpi.services import intake
from kpi.services.entries import RawEntry
from tests.services.workflow_helpers import EDITOR1, query


def test_a_lone_surrogate_in_a_remark_is_received_kept_and_the_figure_lands(demo_db):
    entry = RawEntry("P1-1-01", value="300人", kind="実績値", remark="前年\ud800並み")
    batch = intake.receive(EDITOR1, 2022, "GYOKAKU", [entry], db=demo_db)
    batch_id = getattr(batch, "batch_id", batch)
    [stored] = query(demo_db, "SELECT status, raw_json FROM intake_batches WHERE batch_id = ?", [batch_id])
    assert stored["status"] == "received"
    assert json.loads(stored["raw_json"])[0]["remark"] == "前年\ud800並み"  # exactly as sent
    assert intake.process(batch_id, db=demo_db).status == "landed"
    [value] = query(demo_db, "SELECT v.value_text, v.remark FROM indicator_values v JOIN indicators i"
                             " USING (indicator_id) JOIN cycles c USING (cycle_id)"
                             " WHERE i.code = 'P1-1-01' AND c.fiscal_year = 2022")
    assert (value["value_text"], value["remark"]) == ("300人", "前年並み")
