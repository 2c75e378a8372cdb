import numpy as np
import pytest

from signport.live.clip_window import ClipWindow


def _run(window, timestamps):
    """Feed frames whose pixel value is their index; return (sampled indices, emitted clips)."""
    sampled, clips = [], []
    for i, t in enumerate(timestamps):
        if not window.wants(t):
            continue
        sampled.append(i)
        clip = window.push(t, np.full((3, 2, 2), i, np.float32))
        if clip is not None:
            clips.append((i, clip))
    return sampled, clips


def test_30fps_stream_is_sampled_at_15fps_in_windows_of_16():
    window = ClipWindow(clip_length=16, clip_fps=15, stride=4)
    sampled, clips = _run(window, [i * 1000 / 30 for i in range(60)])
    assert sampled == list(range(0, 60, 2))
    # First clip once 16 samples exist (frame 30), then every 4 samples (8 frames).
    assert [i for i, _ in clips] == [30, 38, 46, 54]
    first = clips[0][1]
    assert first.shape == (3, 16, 2, 2)
    np.testing.assert_array_equal(first[0, :, 0, 0], np.arange(0, 32, 2))


def test_25fps_stream_is_sampled_with_the_training_frame_step():
    # Training takes every round(25 / 15) = 2nd frame of a 25 fps video; live must match it.
    window = ClipWindow(clip_length=16, clip_fps=15, stride=1, source_fps=25)
    sampled, _ = _run(window, [i * 40.0 for i in range(100)])
    assert sampled == list(range(0, 100, 2))


def test_camera_timestamp_jitter_does_not_skip_samples():
    rng = np.random.default_rng(0)
    timestamps = [i * 1000 / 30 + rng.uniform(-8, 8) for i in range(60)]
    sampled, _ = _run(ClipWindow(clip_length=16, clip_fps=15, stride=1), timestamps)
    assert sampled == list(range(0, 60, 2))


def test_a_gap_of_dropped_frames_resumes_without_a_burst():
    window = ClipWindow(clip_length=4, clip_fps=15, stride=1)
    timestamps = [i * 1000 / 30 for i in range(10)] + [2000 + i * 1000 / 30 for i in range(10)]
    sampled, _ = _run(window, timestamps)
    after_gap = [i for i in sampled if i >= 10]
    assert after_gap == [10, 12, 14, 16, 18]


def test_invalid_window_is_rejected():
    with pytest.raises(ValueError):
        ClipWindow(clip_length=0)
