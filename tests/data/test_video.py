"""Video decoding (OpenCV) on clips the tests write, plus the real WLASL sample clips."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from signport.core.errors import DataError
from signport.data.video import (
    iter_frames,
    read_video_frames,
    sample_frame_indices,
    temporal_stride,
    video_info,
    write_video,
)

RED, BLUE = 200, 30


def coded_frames(count: int, height: int = 24, width: int = 32) -> np.ndarray:
    """Frame i is flat RGB (200, 10*i + 5, 30): the green level says which frame survived decoding."""
    frames = np.zeros((count, height, width, 3), np.uint8)
    frames[..., 0], frames[..., 2] = RED, BLUE
    frames[..., 1] = (10 * np.arange(count) + 5)[:, None, None]
    return frames


def frame_numbers(frames: np.ndarray) -> list[int]:
    return [int(round((g - 5) / 10)) for g in frames[..., 1].mean(axis=(1, 2))]


@pytest.fixture
def clip(tmp_path):
    return write_video(tmp_path / "clip.mp4", coded_frames(12), fps=30)


def write_mjpg_avi(path, count: int):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (32, 24))
    rng = np.random.default_rng(0)
    for _ in range(count):
        writer.write(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8))
    writer.release()
    return path


def test_read_video_frames_decodes_every_frame_in_order_as_rgb(clip):
    frames = read_video_frames(clip)
    assert frames.shape == (12, 24, 32, 3) and frames.dtype == np.uint8
    assert frame_numbers(frames) == list(range(12))
    assert abs(frames[..., 0].mean() - RED) < 6 and abs(frames[..., 2].mean() - BLUE) < 6  # RGB, not BGR


def test_read_video_frames_returns_requested_indices_in_their_order_with_repeats(clip):
    frames = read_video_frames(clip, indices=[3, 0, 3, 11])
    assert frame_numbers(frames) == [3, 0, 3, 11]


def test_read_video_frames_resizes_square_or_to_height_width(clip):
    assert read_video_frames(clip, indices=[0], size=16).shape == (1, 16, 16, 3)
    assert read_video_frames(clip, indices=[0], size=(8, 12)).shape == (1, 8, 12, 3)


def test_read_video_frames_past_the_end_names_the_file_and_frame_count(clip):
    with pytest.raises(DataError, match=r"clip\.mp4 has only 12 decodable frames but frame 20"):
        read_video_frames(clip, indices=[0, 20])


def test_video_info_reports_frames_fps_and_size(clip):
    assert video_info(clip) == (12, 30.0, 32, 24)


def test_video_info_counts_decodable_frames_when_the_header_lies(tmp_path):
    full = write_mjpg_avi(tmp_path / "full.avi", 20)
    truncated = tmp_path / "truncated.avi"
    data = full.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])  # the AVI header still says 20 frames
    assert int(cv2.VideoCapture(str(truncated)).get(cv2.CAP_PROP_FRAME_COUNT)) == 20
    decodable = len(read_video_frames(truncated))
    assert 0 < decodable < 20
    assert video_info(truncated).num_frames == decodable
    assert video_info(full).num_frames == 20


def test_iter_frames_streams_the_same_frames_one_at_a_time(clip):
    stream = iter_frames(clip, size=16)
    first = next(stream)
    assert first.shape == (16, 16, 3)
    rest = list(stream)
    assert len(rest) == 11
    np.testing.assert_array_equal(np.stack([first, *rest]), read_video_frames(clip, size=16))


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("garbage.mp4", b"not a video at all" * 50, "cannot open video"),
        ("empty.mp4", b"", "cannot open video"),
    ],
)
def test_unreadable_videos_raise_one_line_data_error_naming_the_file(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    for read in (video_info, read_video_frames, lambda p: next(iter_frames(p))):
        with pytest.raises(DataError, match=reason) as error:
            read(path)
        assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_zero_frame_and_missing_videos_raise_data_error_naming_the_file(tmp_path):
    zero = write_mjpg_avi(tmp_path / "zero.avi", 0)
    for read in (video_info, read_video_frames):
        with pytest.raises(DataError, match=r"zero\.avi has no decodable frames"):
            read(zero)
    with pytest.raises(DataError, match=r"video not found: .*missing\.mp4"):
        video_info(tmp_path / "missing.mp4")


def test_write_video_leaves_nothing_behind_when_the_codec_is_refused(tmp_path):
    with pytest.raises(DataError, match="cannot write"):
        write_video(tmp_path / "clip.unknownext", coded_frames(2), fps=30)
    assert list(tmp_path.iterdir()) == []


def test_center_sampling_takes_the_middle_window_of_the_sign():
    np.testing.assert_array_equal(sample_frame_indices(100, 4, "center"), [48, 49, 50, 51])
    np.testing.assert_array_equal(sample_frame_indices(100, 4, "center", start=10, end=19), [13, 14, 15, 16])
    np.testing.assert_array_equal(sample_frame_indices(100, 3, "center", stride=2, start=0, end=9), [2, 4, 6])


def test_random_sampling_is_reproducible_and_stays_inside_the_sign():
    starts = set()
    for seed in range(300):
        a = sample_frame_indices(50, 8, "random", np.random.default_rng(seed), start=10, end=39)
        b = sample_frame_indices(50, 8, "random", np.random.default_rng(seed), start=10, end=39)
        np.testing.assert_array_equal(a, b)
        assert a[0] >= 10 and a[-1] <= 39 and (np.diff(a) == 1).all()
        starts.add(int(a[0]))
    assert starts == set(range(10, 33))  # every window position is reachable


def test_short_sign_is_padded_by_repeating_first_and_last_frames():
    center = sample_frame_indices(5, 9, "center")
    np.testing.assert_array_equal(center, [0, 0, 0, 1, 2, 3, 4, 4, 4])
    for seed in range(10):
        clip = sample_frame_indices(5, 9, "random", np.random.default_rng(seed))
        assert len(clip) == 9 and (np.diff(clip) >= 0).all()
        np.testing.assert_array_equal(np.unique(clip), np.arange(5))


def test_frame_range_of_the_untrimmed_video_falls_back_to_the_whole_trimmed_clip():
    # WLASL's 70212: split file says frames 2150-2249, the released clip is those 100 frames.
    np.testing.assert_array_equal(sample_frame_indices(100, 4, "center", start=2149, end=2248), [48, 49, 50, 51])
    np.testing.assert_array_equal(sample_frame_indices(10, 4, "center", start=2, end=-1), [4, 5, 6, 7])


def test_random_sampling_without_rng_is_refused():
    with pytest.raises(ValueError, match="rng"):
        sample_frame_indices(10, 4, "random")


def test_temporal_stride_matches_model_clip_fps():
    assert temporal_stride(30, 15) == 2
    assert temporal_stride(25, 25) == 1
    assert temporal_stride(30, None) == 1
    assert temporal_stride(60, 25) == 2


@pytest.mark.shared_data
def test_wlasl_sample_clips_decode_to_their_true_frame_counts(shared_data):
    videos = shared_data / "wlasl_sample" / "videos"
    expected = {"63048": 97, "63185": 57, "68011": 54, "68012": 112, "70212": 100, "70266": 121}
    for video_id, count in expected.items():
        info = video_info(videos / f"{video_id}.mp4")
        assert info.num_frames == count and info.fps == 25.0
    clip = read_video_frames(videos / "68011.mp4", sample_frame_indices(54, 32, "center"), size=112)
    assert clip.shape == (32, 112, 112, 3)
    assert clip.std() > 10  # real picture content, not a blank decode
