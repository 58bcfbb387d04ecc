"""Summary statistics of durations: count, mean, median, p90 (nearest rank)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    count: int
    mean: float | None
    median: float | None
    p90: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {"count": self.count, "mean": self.mean, "median": self.median, "p90": self.p90}


def summarise(values: list[float]) -> Summary:
    """Seconds in, seconds out. p90 is the nearest-rank percentile: an observed value."""
    if not values:
        return Summary(0, None, None, None)
    ordered = sorted(values)
    rank = max(1, math.ceil(0.9 * len(ordered)))
    return Summary(
        len(ordered),
        round(statistics.fmean(ordered), 1),
        round(float(statistics.median(ordered)), 1),
        round(float(ordered[rank - 1]), 1),
    )


def human(seconds: float | None) -> str:
    """'—', '45s', '12m', '3h 05m', '2d 04h'."""
    if seconds is None:
        return "—"
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600:02d}h"
