"""Latency statistics: pure functions over per-iteration timings."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def latency_stats(samples_ms: Sequence[float]) -> dict:
    """p50/p90/p99/mean/min/max/std in ms and fps (= 1000 / mean: sustained sequential throughput).

    Percentiles use linear interpolation between order statistics (numpy's default), so a
    result is reproducible from the stored samples.
    """
    samples = np.asarray(samples_ms, dtype=np.float64)
    if samples.size == 0:
        raise ValueError("latency_stats needs at least one sample")
    p50, p90, p99 = np.percentile(samples, [50, 90, 99])
    mean = float(samples.mean())
    return {
        "p50": float(p50),
        "p90": float(p90),
        "p99": float(p99),
        "mean": mean,
        "min": float(samples.min()),
        "max": float(samples.max()),
        "std": float(samples.std()),
        "fps": 1000.0 / mean if mean > 0 else float("inf"),
        "iterations": int(samples.size),
    }


def macs_per_second(macs: int, p50_ms: float) -> float:
    """Achieved multiply-accumulates per second at the median latency."""
    return macs / (p50_ms / 1000.0)
