"""Sliding-window inference: ring buffer windows and the per-frame latency budget."""

from __future__ import annotations

import numpy as np
import pytest

from signport.streaming.sliding_window import ClipRateSampler, FrameRing, SlidingWindowRunner, StreamCost, smallest_stride


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


# ---------------------------------------------------------------- the clip-rate sampler

def _sampled(sampler, timestamps):
    taken = []
    for i, t in enumerate(timestamps):
        if sampler.wants(t):
            sampler.take(t)
            taken.append(i)
    return taken


def test_30fps_stream_is_sampled_at_15fps():
    assert _sampled(ClipRateSampler(15, 30), [i * 1000 / 30 for i in range(60)]) == list(range(0, 60, 2))


def test_25fps_stream_is_sampled_with_the_training_frame_step():
    # Training takes every round(25 / 15) = 2nd frame of a 25 fps video; live must match it.
    assert _sampled(ClipRateSampler(15, 25), [i * 40.0 for i in range(100)]) == list(range(0, 100, 2))


def test_camera_timestamp_jitter_does_not_skip_samples():
    rng = np.random.default_rng(0)
    timestamps = [i * 1000 / 30 + rng.uniform(-8, 8) for i in range(60)]
    assert _sampled(ClipRateSampler(15, 30), timestamps) == list(range(0, 60, 2))


def test_a_gap_of_dropped_frames_resumes_without_a_burst():
    timestamps = [i * 1000 / 30 for i in range(10)] + [2000 + i * 1000 / 30 for i in range(10)]
    assert [i for i in _sampled(ClipRateSampler(15, 30), timestamps) if i >= 10] == [10, 12, 14, 16, 18]


def test_invalid_clip_rate_is_rejected():
    with pytest.raises(ValueError):
        ClipRateSampler(clip_fps=0)


def test_sampler_and_window_give_clips_every_stride_samples():
    sampler, runner = ClipRateSampler(15, 30), SlidingWindowRunner(lambda clip: clip.copy(), 16, 4, (3, 2, 2))
    clips = []
    for i in range(60):
        t = i * 1000 / 30
        if sampler.wants(t):
            sampler.take(t)
            clip = runner.push(np.full((3, 2, 2), i, np.float32))
            if clip is not None:
                clips.append((i, clip))
    # First clip once 16 samples exist (frame 30), then every 4 samples (8 frames).
    assert [i for i, _ in clips] == [30, 38, 46, 54]
    assert clips[0][1].shape == (1, 3, 16, 2, 2)
    np.testing.assert_array_equal(clips[0][1][0, 0, :, 0, 0], np.arange(0, 32, 2))
