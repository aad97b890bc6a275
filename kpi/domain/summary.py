"""Band counts and shares over a scope of indicators (the seed's 計68指標 table)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kpi.domain.bands import BAND_ORDER, Band


def share_percent(count: int, total: int) -> Decimal:
    """count / total as a percentage rounded half-up to one decimal (50 / 68 → 73.5)."""
    if total <= 0:
        return Decimal("0.0")
    return (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BandSummary:
    """Counts per band over a scope; unrated and undecidable (判定不能) indicators are counted apart, never in a band."""

    key: str
    counts: dict[Band, int]
    unrated: int = 0
    undecidable: int = 0  # 判定不能（比較する値が未入力）: relative targets without the cycle's reference value

    @property
    def total(self) -> int:
        """The number of indicators placed in a band."""
        return sum(self.counts.values())

    @property
    def percent(self) -> dict[Band, Decimal]:
        """Each band's share of the total, rounded half-up to one decimal."""
        return {b: share_percent(self.counts[b], self.total) for b in BAND_ORDER}

    def as_dict(self) -> dict:
        """The JSON shape of `kpi summary` (band keys as in seed_figures.json)."""
        return {
            "key": self.key,
            "total": self.total,
            "counts": {b.value: self.counts[b] for b in BAND_ORDER},
            "percent": {b.value: float(p) for b, p in self.percent.items()},
            "unrated": self.unrated,
            "undecidable": self.undecidable,
        }


# The key of an indicator that is 判定不能（比較する値が未入力）— a relative target before the cycle's reference value
# is entered — wherever bands are counted: never a band, never unrated, a count of its own.
UNDECIDABLE = "undecidable"


def summarize(key: str, bands: Iterable[Band | str | None]) -> BandSummary:
    """Count bands over a scope; None (no rate could be computed) goes to `unrated`, UNDECIDABLE to
    `undecidable`."""
    counts = {b: 0 for b in BAND_ORDER}
    unrated = undecidable = 0
    for band in bands:
        if band is None:
            unrated += 1
        elif band == UNDECIDABLE:
            undecidable += 1
        else:
            counts[Band(band)] += 1
    return BandSummary(key, counts, unrated, undecidable)
