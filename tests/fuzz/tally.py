"""How many cases each fuzz property ran; printed at the end of the run by tests/conftest.py (under xdist each worker
hands its counts to the controlling process, which adds them up)."""
from __future__ import annotations

from collections import Counter

CASES: Counter[str] = Counter()
REFUSED: Counter[str] = Counter()


def ran(name: str, refused: bool = False) -> None:
    """Count one case of the property `name` (and whether the input was refused with a Japanese message)."""
    CASES[name] += 1
    if refused:
        REFUSED[name] += 1


def fuzz_settings(max_examples: int):
    """Hypothesis settings of one property: bounded examples, no deadline (some cases use a real DuckDB file)."""
    from hypothesis import HealthCheck, settings

    return settings(max_examples=max_examples, deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example, HealthCheck.function_scoped_fixture])


def counts() -> dict[str, dict[str, int]]:
    """This process's counts, to hand to the controlling process."""
    return {"cases": dict(CASES), "refused": dict(REFUSED)}


def absorb(counted: dict[str, dict[str, int]]) -> None:
    """Add the counts an xdist worker handed over."""
    CASES.update(counted.get("cases", {}))
    REFUSED.update(counted.get("refused", {}))


def summary(terminalreporter) -> None:
    """The per-property case counts, as a section of the terminal summary."""
    if not CASES:
        return
    terminalreporter.section("fuzz: cases run per property")
    width = max(len(name) for name in CASES)
    for name in sorted(CASES):
        terminalreporter.write_line(f"{name:<{width}}  {CASES[name]:>7,} cases  "
                                    f"{REFUSED[name]:>7,} refused with a message")
    terminalreporter.write_line(f"{'total':<{width}}  {sum(CASES.values()):>7,} cases")
