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
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import warehouse
from kpi.domain.workflow import WorkflowError
from kpi.services import accounts, intake, queries, review, summaries, workflow
from kpi.services.entries import RawEntry
from kpi.services.workflow import Conflict, ValueRef

ROOT = Path(__file__).resolve().parent.parent
FY = 2022
EXEC_FY = 2021


@dataclass
class Tally:
    """Latencies and outcomes per action, shared by every session thread."""

    lat: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    conflicts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    busy: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # WarehouseBusy: waited 30 s, told to retry
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    guard: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, action: str, fn, *args, **kwargs):
        started = time.perf_counter()
        outcome = "ok"
        try:
            return fn(*args, **kwargs)
        except Conflict:
            outcome = "conflict"
            return None
        except warehouse.WarehouseBusy:
            outcome = "busy"
            return None
        except Exception as exc:  # noqa: BLE001  (every other failure is an error, reported with its text)
            outcome = f"{type(exc).__name__}: {exc}"
            return None
        finally:
            took = time.perf_counter() - started
            with self.guard:
                self.lat[action].append(took)
                if outcome == "conflict":
                    self.conflicts[action] += 1
                elif outcome == "busy":
                    self.busy[action] += 1
                elif outcome != "ok":
                    self.errors[action].append(outcome[:300])


def _figure(ind: dict, rnd: random.Random) -> str | None:
    """A figure that reaches the indicator's target (so no reason is needed to submit), typed with its unit."""
    t, b, unit = ind["target_value"], ind["baseline_value"], ind["unit"] or ""
    if ind["target_type"] == "numeric":
        n = (max(t, b or 0) * 2 + rnd.randint(1, 50)) if ind["direction"] == "higher" else t / 2
    elif ind["target_type"] == "increase":
        n = b * 2 + rnd.randint(1, 50)
    elif ind["target_type"] == "decrease":
        n = b / 2
    else:
        return None  # qualitative and composite are left to the people who type them
    n = Decimal(n).quantize(Decimal(1))
    if unit == "%":  # a share cannot pass 100% (the form refuses it); 100% reaches any higher-is-better target
        n = Decimal(100) if ind["direction"] == "higher" else min(n, Decimal(100))
    return f"{n:,}{unit}"


def _indicators(db: Path) -> dict[str, list[dict]]:
    with warehouse.connect(db) as con:
        cur = con.execute("SELECT code, department_code, target_type, direction, target_value, baseline_value, unit"
                          " FROM indicators WHERE status = 'active' ORDER BY code")
        cols = [d[0] for d in cur.description]
        by_dept: dict[str, list[dict]] = defaultdict(list)
        for r in cur.fetchall():
            row = dict(zip(cols, r))
            by_dept[row["department_code"]].append(row)
    return by_dept


def _editor_login(dept: str) -> str:
    return {"GYOKAKU": "editor1", "IRYO": "editor2"}.get(dept, f"editor-{dept.lower()}")


def _head_login(dept: str) -> str:
    return {"GYOKAKU": "head1", "IRYO": "head2"}.get(dept, f"head-{dept.lower()}")


# A person's pause between two clicks (seconds): typing a figure, reading the queue or the dashboard. Busy people:
# 50 sessions at these pauses ask the warehouse for about 10 units of work a second.
THINK = {"editor": (5.0, 15.0), "reviewer": (4.0, 12.0), "executive": (8.0, 20.0)}
LOGIN_SPREAD_S = 10.0  # the sessions log in over these first seconds
_scale = [1.0]  # run(pause_scale=…): longer pauses model calmer people (the suite's short run uses 2)


def _pause(rnd: random.Random, who: str, until: float, factor: float = 1.0) -> None:
    """A person's pause, cut short at the end of the working window (`until`): nobody is still thinking when the
    run is over, so the run lasts the seconds asked for (a 40-s pause begun near the end no longer stretches it)."""
    lo, hi = THINK[who]
    wanted = rnd.uniform(lo, hi) * _scale[0] * factor
    time.sleep(max(0.0, min(wanted, until - time.monotonic())))
# argon2 (m=64 MiB, t=3, p=4) costs 0.3–1.3 s of CPU per login. 50 verifications at once starved the thread holding
# the warehouse lock (2 cores) until accounts.authenticate queued them (one per core but one): the bench logs in
# through it as the app does.
def _login(login: str, password: str, db: Path):
    return accounts.authenticate(login, password, db=db)


class Clock:
    """Logins first (spread, timed), then every session works until the same end."""

    def __init__(self, sessions: int, seconds: float):
        self.seconds = seconds
        self.until = float("inf")
        self.barrier = threading.Barrier(sessions, action=self._start)

    def _start(self) -> None:
        self.until = time.monotonic() + self.seconds

    def arrive(self, rnd: random.Random) -> None:
        time.sleep(rnd.uniform(0.0, LOGIN_SPREAD_S))

    def work(self) -> None:
        self.barrier.wait()


_MOVED_ON = ("提出済の値は「保存」できません", "承認済の値は「保存」できません")


def editor_session(db: Path, dept: str, indicators: list[dict], tally: Tally, clock: Clock, seed: int) -> None:
    rnd = random.Random(seed)
    clock.arrive(rnd)
    login = _editor_login(dept)
    actor = tally.timed("login", _login, login, f"{login}-pass", db)
    clock.work()
    if actor is None:
        return
    _pause(rnd, "editor", clock.until, 0.5)
    typable = [i for i in indicators if i["target_type"] in ("numeric", "increase", "decrease")]
    while time.monotonic() < clock.until:
        view = tally.timed("read_entry", summaries.department_view, FY, actor=actor, db=db)
        if view is None:
            _pause(rnd, "editor", clock.until)
            continue
        rows = {e.row["code"]: e.row for e in view.rows if e.row["department_code"] == dept}
        editable = [i for i in typable if rows.get(i["code"], {}).get("state") in (None, "draft", "returned")]
        if editable:
            ind = rnd.choice(editable)
            row = rows.get(ind["code"], {})
            entry = RawEntry(ind["code"], _figure(ind, rnd), "見込値", "4月～8月",
                             expected_version=row.get("version") if row.get("value_id") else None)

            def save():
                batch = intake.receive(actor, FY, dept, [entry], db=db)
                report = intake.process(batch, db=db)
                if report.status != "landed":
                    # Someone else moved the value on since it was read: either the version check says so, or
                    # (the value was submitted or approved meanwhile) the workflow refuses to save over it.
                    if any("他の人が先に更新しました" in f.message or f.message.startswith(_MOVED_ON) for f in report.errors):
                        raise Conflict(report.errors[0].message)
                    raise WorkflowError(" / ".join(f.message for f in report.errors))
                return report

            saved = tally.timed("save", save)
            if saved is not None and rnd.random() < 0.6:  # the person submits what they just saved
                _pause(rnd, "editor", clock.until, 0.2)
                again = tally.timed("read_entry", summaries.department_view, FY, actor=actor, db=db)
                row = next((e.row for e in (again.rows if again else []) if e.row["code"] == ind["code"]), None)
                if row and row.get("value_id") and row["state"] == "draft":
                    tally.timed("submit", workflow.submit, actor, [ValueRef(row["value_id"], row["version"])], db,
                                acknowledge_warnings=True)
        _pause(rnd, "editor", clock.until)


def reviewer_session(db: Path, tally: Tally, clock: Clock, seed: int, login: str = "reviewer") -> None:
    """A reviewer (or, with a head's login, a department head: the queue holds what awaits the person's level)."""
    rnd = random.Random(seed)
    clock.arrive(rnd)
    actor = tally.timed("login", _login, login, f"{login}-pass", db)
    clock.work()
    if actor is None:
        return
    _pause(rnd, "reviewer", clock.until, 0.5)
    while time.monotonic() < clock.until:
        items = tally.timed("read_queue", review.queue, actor, FY, db=db)
        if items:
            chosen = rnd.sample(items, min(len(items), rnd.randint(1, 4)))
            if rnd.random() < 0.15:
                q = chosen[0]
                tally.timed("return", workflow.return_value, actor, ValueRef(q.value_id, q.version),
                            "出典の数値を確認してください（負荷試験）", db)
            else:
                def approve():
                    result = workflow.approve_many(actor, [ValueRef(q.value_id, q.version) for q in chosen], db)
                    stale = [m for m in result.skipped.values() if "他の人が先に更新しました" in m]
                    other = [m for m in result.skipped.values() if m not in stale and "承認済" not in m]
                    if other:
                        raise WorkflowError(" / ".join(other))
                    if stale and not result.done:
                        raise Conflict(stale[0])
                    return result

                tally.timed("approve", approve)
        # Working through a queue is quick (a glance and a click); an empty queue is checked again later.
        _pause(rnd, "reviewer", clock.until, 0.3 if items else 1.0)


def executive_session(db: Path, tally: Tally, clock: Clock, seed: int) -> None:
    rnd = random.Random(seed)
    clock.arrive(rnd)
    actor = tally.timed("login", _login, "executive", "executive-pass", db)
    clock.work()
    if actor is None:
        return
    _pause(rnd, "executive", clock.until, 0.5)
    while time.monotonic() < clock.until:
        tally.timed("dashboard", summaries.load_cycle, EXEC_FY, actor=actor, db=db)
        tally.timed("dashboard_reasons", queries.reasons, actor, EXEC_FY, db=db)
        _pause(rnd, "executive", clock.until)


# ---- the final check: the warehouse equals a serial replay of the audit trail ---------------------------------

def _values(con) -> dict[int, dict]:
    cur = con.execute("SELECT value_id, state, version, value_text, value_number FROM indicator_values")
    cols = [d[0] for d in cur.description]
    return {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}


def replay_mismatches(db: Path, before: dict[int, dict], after_audit_id: int) -> tuple[list[str], int]:
    """Apply the audit rows written since `after_audit_id`, one by one, to the values as they were; compare."""
    with warehouse.connect(db) as con:
        now = _values(con)
        cur = con.execute("SELECT entity_id, action, to_state, new_value FROM audit_log"
                          " WHERE audit_id > ? AND entity = 'value' ORDER BY audit_id", [after_audit_id])
        events = cur.fetchall()
    replayed = {k: dict(v) for k, v in before.items()}
    for entity_id, action, to_state, new_value in events:
        v = replayed.setdefault(int(entity_id), {"state": None, "version": 0, "figure": None})
        v["state"], v["version"] = to_state, v["version"] + 1
        if action == "save":
            v["figure"] = new_value
    problems = []
    for vid in sorted(set(replayed) | set(now)):
        r, n = replayed.get(vid), now.get(vid)
        if r is None or n is None:
            problems.append(f"value {vid}: {'not in the audit replay' if r is None else 'missing in the warehouse'}")
            continue
        figure = n["value_text"] if n["value_text"] else (str(n["value_number"]) if n["value_number"] is not None
                                                          else None)
        if (r["state"], r["version"]) != (n["state"], n["version"]):
            problems.append(f"value {vid}: warehouse {n['state']} v{n['version']}, replay {r['state']} v{r['version']}")
        elif "figure" in r and r["figure"] is not None and r["figure"] != figure:
            problems.append(f"value {vid}: figure {figure}, replay {r['figure']}")
    return problems, len(events)


def _start(db: Path) -> tuple[dict[int, dict], int]:
    with warehouse.connect(db) as con:
        vals = _values(con)
        last = con.execute("SELECT coalesce(max(audit_id), 0) FROM audit_log").fetchone()[0]
    return ({k: {"state": v["state"], "version": v["version"],
                 "figure": v["value_text"] if v["value_text"] else None} for k, v in vals.items()}, last)


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def run(db: Path, *, seconds: float, sessions: int = 50, seed: int = 2026, pause_scale: float = 1.0) -> dict[str, Any]:
    """Log `sessions` threads in, then run them for `seconds` against the warehouse `db` (the demo, FY2022 open); return figures."""
    _scale[0] = pause_scale
    by_dept = _indicators(db)
    depts = sorted(by_dept)
    n_exec = max(1, sessions // 10)
    n_rev = max(1, sessions // 7)
    n_head = max(1, sessions // 7)
    n_edit = sessions - n_exec - n_rev - n_head
    before, last_audit = _start(db)
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
                                 args=(db, tally, clock, seed + 3000 + i, _head_login(depts[i % len(depts)])))
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
    actions = {}
    for action, lat in sorted(tally.lat.items()):
        actions[action] = {
            "count": len(lat), "per_s": round(len(lat) / elapsed, 2),
            "p50_ms": round(_pct(lat, 0.5) * 1000, 1), "p95_ms": round(_pct(lat, 0.95) * 1000, 1),
            "max_ms": round(max(lat) * 1000, 1), "conflicts": tally.conflicts.get(action, 0),
            "busy": tally.busy.get(action, 0),
            "errors": len(tally.errors.get(action, [])),
        }
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
               f"{'action':18} {'count':>6} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'confl':>6} {'busy':>5} {'err':>4}"]
    summary += [f"{a:18} {f['count']:>6} {f['per_s']:>7} {f['p50_ms']:>8} {f['p95_ms']:>8} {f['max_ms']:>8} "
                f"{f['conflicts']:>6} {f['busy']:>5} {f['errors']:>4}" for a, f in actions.items()]
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
