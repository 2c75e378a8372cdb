"""Sliding-window inference: ring buffer windows and the per-frame latency budget."""

from __future__ import annotations

import numpy as np
import pytest

from signport.streaming.sliding_window import FrameRing, SlidingWindowRunner, StreamCost, smallest_stride


def frame(value: float) -> np.ndarray:
    return np.full((3, 2, 2), value, np.float32)


def test_ring_window_is_oldest_to_newest_after_wrapping_around():
    ring = FrameRing(4, (3, 2, 2))
    for t in range(6):
        ring.push(frame(t))
    window = ring.window()
    assert window.shape == (1, 3, 4, 2, 2)
    assert window[0, 0, :, 0, 0].tolist() == [2, 3, 4, 5]
    assert window[0, 2, :, 1, 1].tolist() == [2, 3, 4, 5]


def test_runner_runs_on_the_first_full_window_then_every_stride_frames():
    windows = []
    runner = SlidingWindowRunner(lambda clip: windows.append(clip[0, 0, :, 0, 0].tolist()) or len(windows), 4, 3, (3, 2, 2))
    results = [runner.push(frame(t)) for t in range(12)]
    assert [t for t, r in enumerate(results) if r is not None] == [3, 6, 9]
    assert windows == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]


def test_stream_cost_per_frame_and_the_30fps_verdict():
    cost = StreamCost(preprocess_ms=1.0, model_ms=64.0, stride=4)
    assert cost.amortized_ms == pytest.approx(17.0)
    assert cost.result_latency_ms == pytest.approx(65.0)
    assert cost.fits(30.0)
    assert not StreamCost(1.0, 64.0, stride=1).fits(30.0)
    assert not StreamCost(1.0, 140.0, stride=4).fits(30.0)  # a run outlasts 4 frame intervals


def test_smallest_stride_is_the_first_that_fits():
    for preprocess, model in [(1.0, 64.0), (5.0, 30.0), (2.0, 10.0), (30.0, 100.0)]:
        k = smallest_stride(preprocess, model, 30.0)
        assert StreamCost(preprocess, model, k).fits(30.0)
        assert k == 1 or not StreamCost(preprocess, model, k - 1).fits(30.0)
    assert smallest_stride(40.0, 10.0, 30.0) is None
