"""Load, short version of `python -m bench.load_bench --minutes 5`: 50 sessions as threads through the services
(save, submit, approve, return, the reviewer's queue, the dashboard) for 30 s against a real demo warehouse.
No errors (a Conflict between two people editing one value is counted apart, it is the expected answer), and the
final warehouse equals a serial replay of the audit rows written meanwhile.

`WarehouseBusy` (a session waited the 30 s bound for the warehouse lock and is asked, in Japanese, to try again —
nothing is lost) is counted apart too: it is what overload looks like on 2 shared cores, and it may be at most
2% of the actions; every other exception is an error and fails the test."""
from __future__ import annotations

import shutil

from bench.load_bench import run
from tests.reliability import figures
from tests.reliability.invariants import check_all

SECONDS = 30
PAUSE_SCALE = 2  # calm office pace: an editor clicks every 10–30 s (the bench runs busier people)
SESSIONS = 50


def test_fifty_sessions_at_once_make_no_errors_and_leave_what_the_audit_trail_says(demo_db_template, tmp_path,
                                                                                    request):
    db = tmp_path / "load.duckdb"
    shutil.copy(demo_db_template, db)

    result = run(db, seconds=SECONDS, sessions=SESSIONS, pause_scale=PAUSE_SCALE)
    figures.record(request.config, "load_threads", result)

    assert result["errors"] == {}, result["errors"]
    assert result["total_busy"] <= 0.02 * result["total_actions"], result["actions"]
    assert result["replay_mismatches"] == []
    done = result["actions"]
    for action in ("login", "read_entry", "save", "submit", "read_queue", "approve", "dashboard"):
        assert done.get(action, {}).get("count", 0) > 0, f"no {action} happened: {done}"
    assert done["login"]["count"] == SESSIONS
    assert result["fy2022_states"].get("approved", 0) > 0  # values went the whole way: saved, submitted, approved
    assert result["replayed_audit_rows"] >= done["save"]["count"] - done["save"]["conflicts"]
    assert check_all(db) == []
