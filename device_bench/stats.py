"""Latency statistics: pure functions over per-iteration timings."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from signport.core.bench_result import latency_summary


def latency_stats(samples_ms: Sequence[float]) -> dict:
    """The bench-result summary (p50/p90/p99/mean, linear interpolation as the phone apps compute
    it) plus spread (min/max/std), fps (= 1000 / mean: sustained sequential throughput) and the
    iteration count."""
    summary = latency_summary(samples_ms)
    samples = np.asarray(samples_ms, dtype=np.float64)
    return {
        **summary,
        "min": float(samples.min()),
        "max": float(samples.max()),
        "std": float(samples.std()),
        "fps": 1000.0 / summary["mean"] if summary["mean"] > 0 else float("inf"),
        "iterations": int(samples.size),
    }


def macs_per_second(macs: int, p50_ms: float) -> float:
    """Achieved multiply-accumulates per second at the median latency."""
    return macs / (p50_ms / 1000.0)
