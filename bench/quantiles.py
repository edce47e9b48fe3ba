"""The one way the benchmarks here read a percentile off their samples."""

from collections.abc import Sequence


def nearest_rank(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0–1) of values sorted ascending, by nearest rank: a sample that was measured."""
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
