"""Load: many people at once, as threads through the services (the app runs one thread per session).

    .venv/bin/python -m bench.load_bench --minutes 5          # the documented long run (50 sessions)
    .venv/bin/python -m bench.load_bench --seconds 30 --sessions 80

Sessions log in with the demo accounts (argon2, as the login page does) and then, until the time is up:
- editors (two sessions per department, so two people sometimes edit the same value): read their department's
  entry view, save a figure as a form batch (intake.receive + intake.process: stored as sent, then landed all or
  nothing), and submit what they saved;
- department heads (所属長, the demo's chain 担当 → 所属長 → 行政改革推進課) and reviewers: read the queue of the
  values awaiting their level, approve a few at once (approve_many) or return one with a comment;
- executives: read the dashboard (load_cycle of the approved FY2021 figures and the reasons by category).

A `Conflict` (someone else changed the value first — optimistic locking) is an expected outcome and counted
apart; anything else raised is an error. At the end the warehouse is checked against a serial replay of the audit
trail written during the run: every value's state, version and figure must be what the audit rows say.
Figures: per action the count, throughput, p50/p95/max latency, conflicts and errors.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import warehouse
from bench.replay import action_figures, replay_mismatches, snapshot, table
from bench.sessions import (EXEC_FY, FY, LOGIN_SPREAD_S, THINK, Clock, Tally, editor_session, executive_session,
                            head_login, indicators, reviewer_session, set_pause_scale)

ROOT = Path(__file__).resolve().parent.parent

def run(db: Path, *, seconds: float, sessions: int = 50, seed: int = 2026, pause_scale: float = 1.0) -> dict[str, Any]:
    """Log `sessions` threads in, then run them for `seconds` against the warehouse `db` (the demo, FY2022 open); return figures."""
    set_pause_scale(pause_scale)
    by_dept = indicators(db)
    depts = sorted(by_dept)
    n_exec = max(1, sessions // 10)
    n_rev = max(1, sessions // 7)
    n_head = max(1, sessions // 7)
    n_edit = sessions - n_exec - n_rev - n_head
    before, last_audit = snapshot(db)
    load_before = os.getloadavg()[0]
    tally = Tally()
    clock = Clock(sessions, seconds)
    threads = []
    for i in range(n_edit):
        dept = depts[i % len(depts)]
        threads.append(threading.Thread(target=editor_session, name=f"editor-{i}",
                                        args=(db, dept, by_dept[dept], tally, clock, seed + i)))
    threads += [threading.Thread(target=reviewer_session, name=f"reviewer-{i}", args=(db, tally, clock, seed + 1000 + i))
                for i in range(n_rev)]
    threads += [threading.Thread(target=reviewer_session, name=f"head-{i}",
                                 args=(db, tally, clock, seed + 3000 + i, head_login(depts[i % len(depts)])))
                for i in range(n_head)]
    threads += [threading.Thread(target=executive_session, name=f"executive-{i}",
                                 args=(db, tally, clock, seed + 2000 + i)) for i in range(n_exec)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.perf_counter() - started
    elapsed = seconds + max(0.0, time.monotonic() - clock.until)  # the working window (logins before it)
    load_after = os.getloadavg()[0]
    problems, replayed = replay_mismatches(db, before, last_audit)
    actions = action_figures(tally.lat, tally.conflicts, tally.busy, tally.errors, elapsed)
    with warehouse.connect(db) as con:
        states = dict(con.execute("SELECT v.state, count(*) FROM indicator_values v JOIN cycles c USING (cycle_id)"
                                  " WHERE c.fiscal_year = ? GROUP BY 1", [FY]).fetchall())
    errors = {a: e[:5] for a, e in tally.errors.items() if e}
    total_errors = sum(len(e) for e in tally.errors.values())
    total_busy = sum(tally.busy.values())
    total_actions = sum(len(v) for v in tally.lat.values())
    summary = [f"{sessions} sessions ({n_edit} editors, {n_rev} reviewers, {n_exec} executives), logins spread over "
               f"{LOGIN_SPREAD_S:.0f} s, then working {elapsed:.0f} s (pauses {THINK} × {pause_scale:g}; run {total:.0f} s in all): "
               f"{total_actions} actions, errors {total_errors}, busy (waited 30 s for the warehouse, asked to retry) "
               f"{total_busy}, "
               f"conflicts {sum(a['conflicts'] for a in actions.values())} (expected: two people, one value); "
               f"machine load average {load_before:.1f} → {load_after:.1f} on {os.cpu_count()} cores",
    ]
    summary += table(actions)
    summary.append(f"final warehouse vs serial replay of {replayed} audit rows: "
                   f"{'identical' if not problems else f'{len(problems)} mismatches'}; FY2022 states {states}")
    return {"sessions": sessions, "editors": n_edit, "reviewers": n_rev, "executives": n_exec,
            "seconds": round(elapsed, 1), "think_s": THINK, "pause_scale": pause_scale, "run_seconds": round(total, 1), "load_average": [load_before, load_after],
            "actions": actions, "errors": errors, "total_errors": total_errors, "total_busy": total_busy, "total_actions": total_actions,
            "replayed_audit_rows": replayed, "replay_mismatches": problems[:20], "fy2022_states": states,
            "summary": summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Many sessions at once through the services; prints figures.")
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pause-scale", type=float, default=1.0, help="multiply every pause (0.5: busier people)")
    parser.add_argument("--db", help="a warehouse to load (default: a fresh demo warehouse in a temporary folder)")
    parser.add_argument("--out", default=str(ROOT / "artifacts" / "reliability" / "load_bench.json"))
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else (args.minutes if args.minutes is not None else 5) * 60
    with tempfile.TemporaryDirectory(prefix="kpi-load-") as tmp:
        if args.db:
            db = Path(args.db)
        else:
            from kpi.demo.seed import load_demo

            db = Path(tmp) / "load.duckdb"
            print("デモデータのウェアハウスを作成しています…", file=sys.stderr)
            load_demo(db)
        figures = run(db, seconds=seconds, sessions=args.sessions, seed=args.seed, pause_scale=args.pause_scale)
        if args.db is None and figures["total_errors"] + figures["total_busy"] + len(figures["replay_mismatches"]):
            keep = Path(args.out).with_suffix(".duckdb")
            shutil.copy(db, keep)
            print(f"warehouse kept for inspection: {keep}", file=sys.stderr)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print("\n".join(figures["summary"]))
    for action, msgs in figures["errors"].items():
        print(f"  errors in {action}: {msgs}")
    print(f"figures written to {args.out}")
    return 0 if not figures["total_errors"] + figures["total_busy"] and not figures["replay_mismatches"] else 1


if __name__ == "__main__":
    sys.exit(main())
