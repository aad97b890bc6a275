"""The login throttle across processes (docs/scale-out.md, "Several app processes"): the counters live in the
warehouse, so separate processes sharing one warehouse — a DuckDB file or a PostgreSQL database — count the same
failures; a guesser spread over N processes gets the free tries once, not N times."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import warehouse
from kpi.services import accounts
from warehouse import throttle

ROOT = Path(__file__).resolve().parents[2]
FROZEN = 1_800_000_000.0  # every process reads the same wall-clock time: the waits do not run out meanwhile

# One app process: `tries` logins of `login` with `password` from `source` (a source per try when source ends with
# '*'); prints what each answered. The clock is frozen at the same moment in every process.
SCRIPT = """
import json, sys
from kpi.services import accounts
accounts.clock = lambda: float(sys.argv[5])
db, login, password, tries, source = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[6]
out = []
for i in range(tries):
    where = source[:-1] + str(i) if source.endswith("*") else source
    try:
        accounts.authenticate(login, password, db=db, source=where)
        out.append("ok")
    except accounts.LoginThrottled as exc:
        out.append("throttled " + str(exc))
    except accounts.LoginFailed:
        out.append("failed")
print(json.dumps(out, ensure_ascii=False))
"""


def start(db, login: str, password: str, tries: int, source: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "KPI_DATABASE_URL"}  # the warehouse is the argument
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(db), login, password, str(tries), str(FROZEN), source],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def answers(proc: subprocess.Popen) -> list[str]:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def run(db, login: str, password: str, tries: int, source: str) -> list[str]:
    return answers(start(db, login, password, tries, source))


def test_a_guesser_spread_over_two_processes_gets_the_free_tries_once(demo_warehouse, monkeypatch):
    free = accounts.BY_SOURCE_AND_LOGIN.free
    # process A takes the free tries of one source; process B, a separate process, is slowed at its first failure
    assert run(demo_warehouse, "reviewer", "guess", free, "203.0.113.9") == ["failed"] * free
    second = run(demo_warehouse, "reviewer", "guess", 2, "203.0.113.9")
    assert second == ["failed", "throttled ログインの失敗が続いたため、1秒待ってから再度お試しください"]
    # the owner, from another browser, is not slowed (the login itself has had fewer than its free failures)
    assert run(demo_warehouse, "reviewer", "reviewer-pass", 1, "198.51.100.7") == ["ok"]
    # and this process sees what the others counted: the administrator's list shows the wait
    monkeypatch.setattr(accounts, "clock", lambda: FROZEN)
    assert accounts.throttled_for(["reviewer"], db=demo_warehouse) == {"reviewer": 1}


def test_two_processes_failing_at_once_lose_no_count(demo_warehouse):
    """Each failure is one upsert in the warehouse: two processes counting at the same time both count."""
    tries = 4
    procs = [start(demo_warehouse, "editor1", "guess", tries, f"10.{n}.0.*") for n in (1, 2)]
    for proc in procs:
        assert answers(proc) == ["failed"] * tries  # a new source each try: only the login's counter grows
    with warehouse.connect(demo_warehouse) as con:
        failures, last, version = throttle.entry(con, accounts.BY_LOGIN.name, "editor1")
        assert failures == 2 * tries and last == FROZEN
        assert throttle.count(con, accounts.BY_SOURCE_AND_LOGIN.name) == 2 * tries


def test_an_unlock_in_one_process_lifts_the_wait_counted_by_another(demo_warehouse):
    from kpi.domain.workflow import Role
    from kpi.services import admin
    from kpi.services.actors import Actor

    free = accounts.BY_SOURCE_AND_LOGIN.free
    assert run(demo_warehouse, "editor2", "guess", free + 2, "10.9.9.9")[-1].startswith("throttled")
    admin.unlock_account(Actor("admin", "管理者", frozenset({Role.ADMIN})), "editor2", db=demo_warehouse)
    assert run(demo_warehouse, "editor2", "editor2-pass", 1, "10.9.9.9") == ["ok"]
