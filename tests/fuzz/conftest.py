"""Fuzz tests: the per-property case counts printed after the run."""
from __future__ import annotations

from tests.fuzz import tally


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not tally.CASES:
        return
    terminalreporter.section("fuzz: cases run per property")
    width = max(len(name) for name in tally.CASES)
    for name in sorted(tally.CASES):
        terminalreporter.write_line(f"{name:<{width}}  {tally.CASES[name]:>7,} cases  "
                                    f"{tally.REFUSED[name]:>7,} refused with a message")
    terminalreporter.write_line(f"{'total':<{width}}  {sum(tally.CASES.values()):>7,} cases")
