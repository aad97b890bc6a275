"""How `bash scripts/test.sh` spreads the suite over its pytest-xdist workers (`--dist loadfile`, see
tests/conftest.py): a test file is one unit of work, so a module's fixtures (a running app, a published report)
are built once; the files that load the machine on purpose are one unit together, so they run one after the
other on one worker instead of side by side; and the flow tests are one unit, so one worker starts their Prefect
test server (tests/flows/conftest.py, ≈20 s) instead of both.

The run lasts as long as its busiest worker, so the longest units go out first and the short ones fill in behind
them (longest processing time first): a free worker always takes the heaviest unit still waiting, by the seconds of
`SECONDS` (rough, see README "How long, and in how many processes") or else by its tests. And a
worker takes its next unit only when the one it runs is down to its last test (xdist's own rule waits for two
or fewer), so at the end no worker sits on a unit it has not started while the other one has nothing to do.
"""
from __future__ import annotations

from xdist.scheduler import LoadFileScheduling

HEAVY = "heavy: load tests, one after the other"
HEAVY_FILES = frozenset({
    "tests/reliability/test_load.py",  # 50 sessions as threads for 30 s: at most 2% may wait out the lock
    "tests/browser/test_app_processes.py",  # run.sh --processes 2: haproxy, two apps, a kill and a restart
})

FLOWS = "tests/flows/"

# Roughly the seconds a unit takes on one worker of the 2-core machine, with its module fixtures: estimated from the
# slowest tests of the full run of 2026-12-06 and per-file runs (README, "How long, and in how many processes");
# only their order matters. A unit not listed weighs PER_TEST seconds a test, PG_TEST one on PostgreSQL (each makes a
# database of its own: about 1.2 s at load average 16, the workflow matrix's half): most files are quick, and go last.
SECONDS = {
    # The two units that start the run, one on each worker: the pool test waits about a minute for missing heartbeats
    # (its worker idle), so the other worker starts the sweep, whose five browsers and app can use both cores. With
    # the flow tests (≈ one core) beside the pool test instead, the cores were 40–78 % idle for the run's first
    # 100 s (vmstat, the README's command at 00:19 UTC on 2026-12-07).
    "tests/browser/test_every_page.py": 200,  # one sweep of every page of every role, five tabs at once (≈ 85 s)
    "tests/workers/test_pool.py": 190,  # a Prefect server on PostgreSQL; the kill test waits 60 s for heartbeats
    FLOWS: 150,  # ≈ a third of all the browser files' time in per-directory runs, forged runs on DuckDB only
    HEAVY: 110,
    "tests/browser/test_journey.py": 110,
    "tests/browser/test_approval_chain.py": 55,  # an app of its own
    "tests/browser/test_confirmations_browser.py": 120,  # an app of its own
    "tests/browser/test_keeping_entries.py": 85,
    "tests/app/test_pages.py": 100,
    "tests/browser/test_publication_views.py": 25,  # one executive session (12 s) and the app's start
    "tests/reliability/test_crash_safety.py": 80,
    "tests/browser/test_sessions_browser.py": 30,
    "tests/services/test_workflow_matrix.py": 45,
    "tests/services/test_workflow_transitions.py": 45,
    "tests/fuzz/test_indicator_import_fuzz.py": 40,
    "tests/browser/test_entry_reload.py": 35,
    "tests/browser/test_light_entry.py": 30,
    "tests/browser/test_admin_page.py": 20,
    "tests/browser/test_forms_in_tabs.py": 45,  # an app of its own
    "tests/browser/test_entry_shared_sheet.py": 45,  # an app of its own
    "tests/browser/test_audit_page.py": 15,
}
PER_TEST = 0.05
PG_TEST = 0.5


class FilesWithTheHeavyOnesTogether(LoadFileScheduling):
    """`--dist loadfile`, except that the files of HEAVY_FILES make one unit and those under tests/flows/ another,
    the heaviest unit waiting goes out first, and a worker is given its next unit at its current unit's last test."""

    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        if path in HEAVY_FILES:
            return HEAVY
        return FLOWS if path.startswith(FLOWS) else path

    def weight(self, scope: str) -> float:
        if scope in SECONDS:
            return SECONDS[scope]
        return sum(PG_TEST if "postgresql" in nodeid else PER_TEST for nodeid in self.workqueue.get(scope, ()))

    def _assign_work_unit(self, node) -> None:
        heaviest = max(self.workqueue, key=self.weight)  # the first of equals keeps collection order
        self.workqueue.move_to_end(heaviest, last=False)
        super()._assign_work_unit(node)

    def _reschedule(self, node) -> None:
        # xdist's rule, with "one test left" for its "two or fewer": a worker runs a test only once it knows the
        # next one (or that none follows), so a worker whose unit is at its last test needs the next unit now.
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
            return
        if self._pending_of(self.assigned_work[node]) > 1:
            return
        self._assign_work_unit(node)
