"""Achievement bands (the seed's five columns) and their exact boundaries."""
from __future__ import annotations

from enum import Enum
from fractions import Fraction

from kpi.domain.achievement import Rate, RateStatus


class Band(str, Enum):
    """A band key, as in seed_figures.json."""

    ACHIEVED = "achieved"
    B60_100 = "band_60_100"
    B30_60 = "band_30_60"
    UNDER_30 = "band_under_30"
    STOPPED = "stopped"

    @property
    def label_ja(self) -> str:
        """The seed's column heading."""
        return BAND_LABELS_JA[self]

    @property
    def short_ja(self) -> str:
        """A compact label for charts and tiles."""
        return BAND_SHORT_JA[self]


BAND_ORDER: tuple[Band, ...] = (Band.ACHIEVED, Band.B60_100, Band.B30_60, Band.UNDER_30, Band.STOPPED)

BAND_LABELS_JA = {
    Band.ACHIEVED: "100%（達成）",
    Band.B60_100: "60%以上100%未満",
    Band.B30_60: "30%以上60%未満",
    Band.UNDER_30: "30%未満",
    Band.STOPPED: "その他（進捗管理の停止）",
}
BAND_SHORT_JA = {
    Band.ACHIEVED: "達成",
    Band.B60_100: "60-100%",
    Band.B30_60: "30-60%",
    Band.UNDER_30: "30%未満",
    Band.STOPPED: "停止",
}

_SIXTY = Fraction(60, 100)
_THIRTY = Fraction(30, 100)


def band_of_rate(rate: Fraction) -> Band:
    """Return the band of an exact rate (1 = 100%); negative rates fall under 30%."""
    if rate >= 1:
        return Band.ACHIEVED
    if rate >= _SIXTY:
        return Band.B60_100
    if rate >= _THIRTY:
        return Band.B30_60
    return Band.UNDER_30


def band_of(rate: Rate) -> Band | None:
    """Return the band of a rate result: stopped for stopped indicators, None when no rate exists."""
    if rate.status is RateStatus.STOPPED:
        return Band.STOPPED
    if rate.value is None:
        return None
    band = band_of_rate(rate.value)
    if band is Band.ACHIEVED and not rate.achieved:  # exactly on a 超/未満 target: 100% but not achieved
        return Band.B60_100
    return band
