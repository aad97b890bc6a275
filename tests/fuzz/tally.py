"""How many cases each fuzz property ran; printed at the end of the run by conftest.pytest_terminal_summary."""
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
