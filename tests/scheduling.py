"""How `bash scripts/test.sh` spreads the suite over its pytest-xdist workers (`--dist loadfile`, see
tests/conftest.py): a test file is one unit of work, so a module's fixtures (a running app, a published report)
are built once; the files that load the machine on purpose are one unit together, so they run one after the
other on one worker instead of side by side; and the flow tests are one unit, so one worker starts their Prefect
test server (tests/flows/conftest.py, ≈20 s) instead of both.

Units go to the workers in collection order (`--no-loadscope-reorder`): the browser files, the longest ones, come
early, and the short files at the end fill the gaps.
"""
from __future__ import annotations

from xdist.scheduler import LoadFileScheduling

HEAVY = "heavy: load tests, one after the other"
HEAVY_FILES = frozenset({
    "tests/reliability/test_load.py",  # 50 sessions as threads for 30 s: at most 2% may wait out the lock
    "tests/browser/test_load_browser.py",  # 4 Chromium contexts at once against one app
    "tests/browser/test_app_processes.py",  # run.sh --processes 2: haproxy, two apps, a kill and a restart
})

FLOWS = "tests/flows/"


class FilesWithTheHeavyOnesTogether(LoadFileScheduling):
    """`--dist loadfile`, except that the files of HEAVY_FILES make one unit, and those under tests/flows/ another."""

    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        if path in HEAVY_FILES:
            return HEAVY
        return FLOWS if path.startswith(FLOWS) else path
