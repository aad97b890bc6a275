"""The session model of the load benchmarks: who the people are, what they click, how long they pause.

Used by bench.load_bench (threads in one process) and bench.scale_bench (the same sessions spread over app
processes). Editors save a figure as a form batch and submit it; department heads and reviewers work through
their queue (approve a few at once, or return one); executives read the dashboard. A `Conflict` is an expected
outcome counted apart; `busy` counts a session told to come back later (WarehouseBusy, or a batch kept for later
because no worker took its run in time); anything else raised is an error.
"""
from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import warehouse
from kpi.domain.workflow import WorkflowError
from kpi.services import accounts, intake, queries, review, summaries, workflow
from kpi.services.entries import RawEntry
from kpi.services.workflow import Conflict, ValueRef

FY = 2022
EXEC_FY = 2021


class Kept(Exception):
    """The batch was stored but not landed yet (no worker took its run in time): the person is told it lands later."""


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
        except (warehouse.WarehouseBusy, Kept):
            outcome = "busy"
            return None
        except Exception as exc:  # noqa: BLE001  (every other failure is an error, reported with its text)
            outcome = f"{type(exc).__name__}: {exc}"
            return None
        finally:
            self.record(action, time.perf_counter() - started, outcome)

    def record(self, action: str, took: float, outcome: str) -> None:
        """One action's latency and outcome ("ok", "conflict", "busy" or the error's text)."""
        with self.guard:
            self.lat[action].append(took)
            if outcome == "conflict":
                self.conflicts[action] += 1
            elif outcome == "busy":
                self.busy[action] += 1
            elif outcome != "ok":
                self.errors[action].append(outcome[:300])


def figure(ind: dict, rnd: random.Random) -> str | None:
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


def indicators(db: Path) -> dict[str, list[dict]]:
    with warehouse.connect(db) as con:
        cur = con.execute("SELECT code, department_code, target_type, direction, target_value, baseline_value, unit"
                          " FROM indicators WHERE status = 'active' ORDER BY code")
        cols = [d[0] for d in cur.description]
        by_dept: dict[str, list[dict]] = defaultdict(list)
        for r in cur.fetchall():
            row = dict(zip(cols, r))
            by_dept[row["department_code"]].append(row)
    return by_dept


def editor_login(dept: str) -> str:
    return {"GYOKAKU": "editor1", "IRYO": "editor2"}.get(dept, f"editor-{dept.lower()}")


def head_login(dept: str) -> str:
    return {"GYOKAKU": "head1", "IRYO": "head2"}.get(dept, f"head-{dept.lower()}")


# A person's pause between two clicks (seconds): typing a figure, reading the queue or the dashboard. Busy people:
# 50 sessions at these pauses ask the warehouse for about 10 units of work a second.
THINK = {"editor": (5.0, 15.0), "reviewer": (4.0, 12.0), "executive": (8.0, 20.0)}
LOGIN_SPREAD_S = 10.0  # the sessions log in over these first seconds
_scale = [1.0]  # set_pause_scale(…): longer pauses model calmer people (the suite's short run uses 2)


def set_pause_scale(factor: float) -> None:
    """Multiply every pause (2: calmer people, as the suite's short run; 0.5: busier ones)."""
    _scale[0] = factor


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


def editor_session(db: Path, dept: str, indicators: list[dict], tally: Tally, clock: Clock, seed: int,
                   land: Callable[[int], object] | None = None) -> None:
    """An editor; `land(batch_id)` lands the stored batch (default: intake.process in this thread; the scale
    benchmark passes the runner's collect) and returns its report."""
    rnd = random.Random(seed)
    clock.arrive(rnd)
    login = editor_login(dept)
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
            entry = RawEntry(ind["code"], figure(ind, rnd), "見込値", "4月～8月",
                             expected_version=row.get("version") if row.get("value_id") else None)

            def save():
                batch = intake.receive(actor, FY, dept, [entry], db=db)
                report = land(batch) if land else intake.process(batch, db=db)
                if report.status == "received":
                    raise Kept(f"受付番号 {batch} は未処理のまま保存されました")
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


