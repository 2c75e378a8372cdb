import math

import pytest

from signport.core.errors import InputError

from signport.device_bench.stats import latency_stats, macs_per_second


def test_latency_stats_of_known_samples():
    stats = latency_stats([float(v) for v in range(1, 101)])  # 1..100 ms
    assert stats["p50"] == pytest.approx(50.5)
    assert stats["p90"] == pytest.approx(90.1)
    assert stats["p99"] == pytest.approx(99.01)
    assert stats["mean"] == pytest.approx(50.5)
    assert (stats["min"], stats["max"], stats["iterations"]) == (1.0, 100.0, 100)
    assert stats["fps"] == pytest.approx(1000 / 50.5)


def test_latency_stats_are_order_independent_and_robust_to_one_outlier():
    samples = [2.0] * 99 + [500.0]
    shuffled = samples[::-1]
    assert latency_stats(samples) == pytest.approx(latency_stats(shuffled))
    stats = latency_stats(samples)
    assert stats["p50"] == 2.0 and stats["p90"] == 2.0
    assert stats["p99"] == pytest.approx(2.0 + 0.01 * 498.0)
    assert stats["mean"] == pytest.approx(6.98)


def test_latency_stats_rejects_no_samples():
    with pytest.raises(InputError):
        latency_stats([])


def test_macs_per_second_at_median():
    assert macs_per_second(300_000_000, 2.0) == pytest.approx(1.5e11)
    assert math.isclose(macs_per_second(1, 1000.0), 1.0)
