"""A refused entry names the column the person must fix (区分, 要因の分類, 値 …), not always 「値」."""
from __future__ import annotations

import pytest

from kpi.services import intake
from kpi.services.entries import RawEntry
from tests.services.workflow_helpers import EDITOR1

TELEWORK = "P1-1-01"  # GYOKAKU, numeric, 人


@pytest.mark.parametrize(("entry", "field"), [
    (RawEntry(TELEWORK, value="300人", kind="たぶん実績"), "区分"),
    (RawEntry(TELEWORK, value="200人", kind="実績値", reason="研修が中止", reason_category="天気"), "要因の分類"),
    (RawEntry(TELEWORK, value="三百人", kind="実績値"), "値"),
])
def test_a_refused_entry_names_the_field_to_fix(demo_db, entry, field):
    [finding] = [f for f in intake.preview(EDITOR1, 2022, "GYOKAKU", [entry], db=demo_db) if f.severity == "error"]
    assert finding.field == field
    assert finding.message.startswith("「テレワーク実施者数」: ")
