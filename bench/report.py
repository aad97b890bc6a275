"""Small helpers shared by the benchmarks: a timer, median/p95, and a table that lines up Japanese text."""
from __future__ import annotations

import statistics
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field


def now() -> float:
    """A monotonic clock in seconds."""
    return time.perf_counter()


@contextmanager
def timed(into: dict, key: str):
    """Add the block's wall time (seconds) to into[key]."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        into[key] = into.get(key, 0.0) + time.perf_counter() - t0


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def p95(xs: list[float]) -> float:
    """95th percentile, linear between order statistics (numpy's default); the max for fewer than 2 samples."""
    if len(xs) < 2:
        return max(xs)
    return statistics.quantiles(xs, n=100, method="inclusive")[94]


def ms(s: float | None) -> str:
    return "—" if s is None else f"{s * 1000:,.0f} ms"


def secs(s: float | None) -> str:
    return "—" if s is None else f"{s:,.2f} s"


def width(text: str) -> int:
    """Display width in a terminal: East Asian wide and full-width characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, w: int, right: bool = False) -> str:
    gap = " " * max(0, w - width(text))
    return gap + text if right else text + gap


def table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    """A plain-text table; columns sized by display width."""
    widths = [max(width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(pad(h, w) for h, w in zip(headers, widths)), line]
    for r in rows:
        out.append("  ".join(pad(str(c), w, i in right) for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(out)


@dataclass
class Target:
    """One line of the final table: a figure against its target."""

    benchmark: str
    figure: str
    value: float | None
    shown: str
    target: str
    met: bool | None
    note: str = ""

    def as_dict(self) -> dict:
        return {"benchmark": self.benchmark, "figure": self.figure, "value": self.value, "shown": self.shown,
                "target": self.target, "met": self.met, "note": self.note}


@dataclass
class Section:
    """What one benchmark measured: figures for the JSON, lines for the detail table, targets for the summary."""

    name: str
    figures: dict = field(default_factory=dict)
    lines: list[list[str]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def line(self, label: str, value: str, detail: str = "") -> None:
        self.lines.append([label, value, detail])
