"""One "app process" of bench.scale_bench: a Python process running its share of the sessions as threads.

    python -m bench.scale_app --db DB --sessions 100 --processes 2 --index 0 --events FILE [--flow] [--until EPOCH]

This is not Streamlit: it calls the services the pages call (the login's accounts.authenticate, the entry page's
department_view, intake.receive then the runner's collect, workflow.submit, the reviewer's queue and approve_many,
the dashboard's load_cycle and reasons) from one thread per session, as Streamlit runs one thread per session.
With --flow a save is landed by `kpi.platform.runner.collect(batch, db)` — with $KPI_WORK_POOL set, a run of the
collect deployment on a Prefect worker, followed until it ends; without --flow, `runner.collect(…, flow=False)`:
intake.process in this thread (the embedded path of bench.load_bench).

Sessions of all processes log in first. When every thread of this process has logged in, it prints READY and waits
for a line "GO <epoch>" on stdin: the sessions work until that wall-clock time. A process restarted after a kill
gets --until instead (its sessions log in again and work until the same end).

Every action is appended as one JSON line to --events as it ends (flushed, so a SIGKILL loses at most the actions
in flight), as is every acknowledged save ({"ack": batch_id}: the person was told the figure is saved).
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import threading
import time
from pathlib import Path

from bench.sessions import (LOGIN_SPREAD_S, Tally, editor_session, executive_session, head_login, indicators,
                            reviewer_session, set_pause_scale)


def plan(sessions: int, depts: list[str], seed: int) -> list[tuple]:
    """Every session of the run, in load_bench's proportions: (kind, seed, department or login)."""
    n_exec, n_rev, n_head = max(1, sessions // 10), max(1, sessions // 7), max(1, sessions // 7)
    n_edit = sessions - n_exec - n_rev - n_head
    out = [("editor", seed + i, depts[i % len(depts)]) for i in range(n_edit)]
    out += [("reviewer", seed + 1000 + i, "reviewer") for i in range(n_rev)]
    out += [("head", seed + 3000 + i, head_login(depts[i % len(depts)])) for i in range(n_head)]
    out += [("executive", seed + 2000 + i, "executive") for i in range(n_exec)]
    return out


class Events:
    """Append-only JSON lines, one write and flush per event (survives a SIGKILL of this process)."""

    def __init__(self, path: Path):
        self.file = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()

    def write(self, **event) -> None:
        line = json.dumps(event, ensure_ascii=False) + "\n"
        with self.lock:
            self.file.write(line)
            self.file.flush()


class EventTally(Tally):
    """The Tally, each action also written to the events file."""

    def __init__(self, events: Events):
        super().__init__()
        self.events = events

    def record(self, action: str, took: float, outcome: str) -> None:
        super().record(action, took, outcome)
        self.events.write(a=action, t=round(took, 4), o=outcome[:300])


class SharedClock:
    """The sessions of all app processes work until the same wall-clock end, sent by the orchestrator."""

    def __init__(self, sessions: int, until_epoch: float | None):
        self.until = float("inf")
        self.restarted = until_epoch is not None
        if self.restarted:
            self._set(until_epoch)
        self.barrier = threading.Barrier(sessions, action=self._go)

    def _set(self, until_epoch: float) -> None:
        self.until = time.monotonic() + (until_epoch - time.time())

    def _go(self) -> None:
        if self.restarted:
            return
        print("READY", flush=True)
        line = sys.stdin.readline().split()
        self._set(float(line[1]) if len(line) == 2 and line[0] == "GO" else time.time())

    def arrive(self, rnd: random.Random) -> None:
        time.sleep(rnd.uniform(0.0, 2.0 if self.restarted else LOGIN_SPREAD_S))

    def work(self) -> None:
        self.barrier.wait()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="One app process of the scale benchmark (its share of the sessions).")
    p.add_argument("--db", required=True)
    p.add_argument("--sessions", type=int, required=True, help="sessions of the whole run (all processes)")
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--index", type=int, default=0)
    p.add_argument("--events", required=True)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--pause-scale", type=float, default=1.0)
    p.add_argument("--flow", action="store_true", help="land saves through the runner's flow path (the pool)")
    p.add_argument("--until", type=float, default=None, help="restarted: work until this epoch without waiting")
    args = p.parse_args(argv)
    from kpi.platform import runner

    db = args.db
    set_pause_scale(args.pause_scale)
    by_dept = indicators(db)
    mine = [s for i, s in enumerate(plan(args.sessions, sorted(by_dept), args.seed))
            if i % args.processes == args.index]
    events = Events(Path(args.events))
    events.write(start=time.time(), sessions=len(mine), restarted=args.until is not None)
    tally = EventTally(events)
    clock = SharedClock(len(mine), args.until)

    def land(batch_id: int):
        report = runner.collect(batch_id, db, flow=args.flow)
        if report.status == "landed" and report.saved:
            events.write(ack=batch_id, saved=report.saved)
        return report

    threads = []
    for kind, seed, who in mine:
        if kind == "editor":
            target, fargs = editor_session, (db, who, by_dept[who], tally, clock, seed, land)
        elif kind == "executive":
            target, fargs = executive_session, (db, tally, clock, seed)
        else:
            target, fargs = reviewer_session, (db, tally, clock, seed, who)
        threads.append(threading.Thread(target=target, args=fargs, name=f"{kind}-{seed}", daemon=True))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events.write(end=time.time(), maxrss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
