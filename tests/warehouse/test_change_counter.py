"""The warehouse change counter keys the app's caches (app/session.py), so an approval written by another process
shows in this process's cached read at its next run — on both backends, with a real second process."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl

import warehouse
from app import session
from kpi.services import first_reads
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    EXECUTIVE, OWN, stage, wf_db)
from warehouse import change_counter

ROOT = Path(__file__).resolve().parents[2]

# The second process: the department's head and then the division approve the submitted value (the demo's
# two-level chain), through the services, on the warehouse given.
_APPROVE = """
import sys
from kpi.services import workflow
from kpi.services.workflow import ValueRef
from tests.services.workflow_helpers import HEAD1, REVIEWER
db, value_id, version = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
version = workflow.approve(HEAD1, ValueRef(value_id, version), db)
workflow.approve(REVIEWER, ValueRef(value_id, version), db)
"""


def _approve_in_another_process(db, ref) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", _APPROVE, str(db), str(ref.value_id), str(ref.version)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def _figure(cached, indicator_id: int):
    return cached.frame.filter(pl.col("indicator_id") == indicator_id)["value_number"].item()


def test_an_approval_by_another_process_shows_in_the_cached_read_at_the_next_read(wf_db, stage):
    ref = stage.ref(OWN, "submitted")
    with warehouse.connect(wf_db) as con:
        indicator_id = con.execute("SELECT indicator_id FROM indicator_values WHERE value_id = ?",
                                   [ref.value_id]).fetchone()[0]
    session.clear_caches()
    first = session.cycle_frame(EXECUTIVE, 2022)  # the approved basis: cached, keyed on the counter
    assert session.cycle_frame(EXECUTIVE, 2022) is first  # nothing written: the very cached object
    assert _figure(first, indicator_id) is None  # submitted only: blank on the approved basis
    counted = first_reads.changes()

    _approve_in_another_process(wf_db, ref)  # this process's caches were not cleared

    assert first_reads.changes() != counted
    second = session.cycle_frame(EXECUTIVE, 2022)
    assert second is not first
    assert _figure(second, indicator_id) is not None
    assert session.cycle_frame(EXECUTIVE, 2022) is second  # and kept again until the next write
    session.clear_caches()


def test_the_counter_moves_with_every_committed_write_and_not_with_reads(wf_db, stage):
    with warehouse.connect(wf_db) as con:
        before = change_counter.read(con)
        con.execute("SELECT count(*) FROM indicator_values").fetchall()
        assert change_counter.read(con) == before
    ref = stage.ref(OWN, "submitted")
    _approve_in_another_process(wf_db, ref)  # two transactions, each audited
    with warehouse.connect(wf_db) as con:
        after = change_counter.read(con)
    assert after is not None and before is not None and after != before
    assert int(after.split(":")[1]) - int(before.split(":")[1]) >= 2
