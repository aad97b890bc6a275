"""The form services under fuzzed input, through a real DuckDB copy of the demo warehouse.

Whatever a department sends is stored as received; processing a form's batch lands every line that can be stored
as a draft and names the others in a per-line report in Japanese (or lands nothing when the batch as a whole is
refused) — never an uncaught exception, never a refused line stored.
"""
from __future__ import annotations

import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.domain.workflow import Role
from kpi.services import intake
from kpi.services.actors import Actor
from kpi.services.entries import FIELD_LABELS, RawEntry
from tests.fuzz import tally
from tests.fuzz.texts import adversarial_utf8 as adversarial, is_japanese_sentence
from tests.fuzz.warehouse_state import raw_entries, snapshot, stored_batch

FY = 2022  # the demo's open cycle
EDITOR1 = Actor("editor1", "入力担当1", frozenset({Role.EDITOR}), frozenset({"GYOKAKU"}))
GYOKAKU_CODES = ["P1-1-01", "P1-1-02", "P1-1-04", "P1-1-05", "P2-1-03", "P3-2-01", "P3-2-02", "P3-3-01"]
OTHER_CODES = ["P2-1-04", "P2-1-07", "", " ", "P9-9-99", "'; DROP TABLE indicators; --", "<script>x</script>"]

_figure = st.one_of(
    adversarial,
    st.sampled_from(["12,345", "３６，８２１", "73.5", "5,445", "約3.6万", "▲5", "", "-", "100"]),
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False).map(str),
)
_maybe = st.one_of(st.just(""), adversarial)
_entry = st.builds(
    RawEntry,
    code=st.one_of(st.sampled_from(GYOKAKU_CODES), st.sampled_from(OTHER_CODES), adversarial),
    value=_figure,
    kind=st.one_of(st.sampled_from(["", "実績値", "見込値", "実績", "projection"]), adversarial),
    period=st.one_of(st.sampled_from(["", "令和4年度", "2023年3月末時点", "R4年度"]), adversarial),
    reason=_maybe, reason_category=st.one_of(st.sampled_from(["", "A", "B", "C", "D"]), adversarial),
    remark=_maybe,
    check_version=st.booleans(),
)


_clean_entry = st.builds(
    RawEntry, code=st.just(""), value=st.sampled_from(["12,345", "３６，８２１", "100", "5,445", "約3.6万", "0"]),
    kind=st.sampled_from(["", "実績値", "見込値"]), period=st.sampled_from(["", "令和4年度"]),
    reason=st.sampled_from(["", "<script>window.__xss=1</script>", "'; DROP TABLE audit_log; --", "=1+1"]),
    check_version=st.just(False))
#: a batch as a careful person sends it (distinct codes, readable figures): it should land
_clean_batch = st.lists(_clean_entry, min_size=1, max_size=5).flatmap(
    lambda es: st.permutations(GYOKAKU_CODES).map(
        lambda codes: [RawEntry(**{**e.as_dict(), "code": c}) for e, c in zip(es, codes)]))
_batch = st.one_of(_clean_batch, st.lists(_entry, min_size=0, max_size=6))


@pytest.fixture(scope="module")
def fuzz_db(demo_db_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz_intake") / "kpi.duckdb"
    shutil.copy(demo_db_template, path)
    return path


def _with_rows(entries: list[RawEntry]) -> list[RawEntry]:
    return [RawEntry(**{**e.as_dict(), "row_no": i}) for i, e in enumerate(entries, start=1)]


@tally.fuzz_settings(max_examples=15)
@given(entries=st.lists(_entry, min_size=0, max_size=6))
def test_preview_reports_every_problem_in_japanese(fuzz_db, entries):
    """The form's check before sending: findings, each a Japanese sentence tied to its line and field."""
    entries = _with_rows(entries)
    findings = intake.preview(EDITOR1, FY, "GYOKAKU", entries, db=fuzz_db)
    tally.ran("intake.preview", refused=any(f.severity == "error" for f in findings))
    for f in findings:
        assert is_japanese_sentence(f.message), f
        assert f.row_no is not None and 1 <= f.row_no <= len(entries), f


@tally.fuzz_settings(max_examples=12)
@given(entries=_batch)
def test_a_form_batch_lands_every_storable_line_or_nothing(fuzz_db, entries):
    """A draft save lands every line that can be stored; the refused lines are named and nothing of theirs lands."""
    entries = _with_rows(entries)
    before = snapshot(fuzz_db)
    batch_id = intake.receive(EDITOR1, FY, "GYOKAKU", entries, db=fuzz_db)
    kept = stored_batch(fuzz_db, batch_id)
    assert raw_entries(kept) == [e.as_dict() for e in entries]  # stored exactly as sent, before anything else
    report = intake.process(batch_id, db=fuzz_db)
    after = snapshot(fuzz_db)
    assert report.status in ("landed", "refused")
    for f in report.findings:
        assert is_japanese_sentence(f.message), f
    if report.status == "refused":
        tally.ran("intake.process", refused=True)
        assert report.errors
        for f in report.errors:  # the line (or the field of the line) is named, unless the batch as a whole is
            assert f.row_no is not None or f.field or f.code or "入力された値がありません" in f.message \
                or "他の人が先に更新" in f.message, f
        assert after["values"] == before["values"]
        assert after["parts"] == before["parts"]
        assert after["audit"] == before["audit"]
        assert {k: v for k, v in after["findings"].items() if k != batch_id} == before["findings"]
        assert after["findings"].get(batch_id, 0) == len(report.findings)
    else:
        tally.ran("intake.process")
        blocked = {f.code for f in report.errors}
        assert None not in blocked  # a refusal of the batch as a whole never lands anything
        assert report.saved == len({e.code for e in entries if not e.is_blank() and e.code in GYOKAKU_CODES} - blocked)
        assert after["audit"][0] == before["audit"][0] + report.saved
    batch = stored_batch(fuzz_db, batch_id)
    assert batch["status"] == report.status
    assert raw_entries(batch) == [e.as_dict() for e in entries]  # the raw intake is kept either way
