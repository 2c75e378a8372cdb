"""WLASL and user-recording loaders, on tiny clips, split files and label files the tests write."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from signport.core.errors import DataError
from signport.data.loaders import decode_frames, detect_dataset_kind, load_dataset, recording_frames
from signport.data.loaders.wlasl import load_wlasl
from signport.data.video import read_video_frames, sample_frame_indices, write_video


def solid_clip(path, count, level=0, fps=25, size=(16, 16)):
    frames = np.full((count, *size, 3), level, np.uint8)
    frames[..., 1] = ((np.arange(count) * 2 + level) % 256)[:, None, None]
    return write_video(path, frames, fps=fps)


@pytest.fixture
def wlasl_root(tmp_path):
    """Three clips: 00001 and 00002 in the split file, 99999 from a larger subset; 00003 listed but missing."""
    videos = tmp_path / "videos"
    for video_id, count in (("00001", 12), ("00002", 6), ("99999", 4)):
        solid_clip(videos / f"{video_id}.mp4", count)
    (tmp_path / "wlasl_class_list.txt").write_text("0\tbook\n1\tdrink\n2\tcomputer\n")
    split = {
        "00001": {"subset": "train", "action": [1, 3, 10]},
        "00002": {"subset": "test", "action": [0, 1, 6]},
        "00003": {"subset": "val", "action": [0, 1, 20]},
    }
    (tmp_path / "nslt_2.json").write_text(json.dumps(split))
    return tmp_path


def test_wlasl_split_file_gives_glosses_splits_and_zero_based_frame_ranges(wlasl_root, caplog):
    assert detect_dataset_kind(wlasl_root) == "wlasl"
    with caplog.at_level(logging.WARNING):
        index = load_dataset(wlasl_root)
    assert "1 id(s) in nslt_2.json have no video (00003)" in caplog.text
    assert "1 video(s) are not in nslt_2.json (99999)" in caplog.text
    assert [p.stem for p in index.paths] == ["00001", "00002"]
    assert index.labels == ["drink", "book"] and index.classes == ["book", "drink"]  # nslt_2: first two classes
    assert index.splits == ["train", "test"] and index.frame_ranges == [(2, 9), (0, 5)]
    assert index.extra["skipped_without_video"] == ["00003"]
    assert index.extra["skipped_unlisted_videos"] == ["99999"]
    assert [p.stem for p in index.subset("test").paths] == ["00002"]
    first, last = index.frame_ranges[0]
    clip = sample_frame_indices(12, 4, "center", start=first, end=last)
    assert clip.tolist() == [4, 5, 6, 7]
    assert read_video_frames(index.paths[0], clip).shape == (4, 16, 16, 3)


def test_wlasl_on_missing_error_names_the_ids(wlasl_root):
    with pytest.raises(DataError, match=r"00003.*99999.*on_missing='skip'") as error:
        load_wlasl(wlasl_root, on_missing="error")
    assert "\n" not in str(error.value)


def test_wlasl_labels_json_alone_labels_every_video_without_splits(wlasl_root):
    (wlasl_root / "nslt_2.json").unlink()
    (wlasl_root / "labels.json").write_text(json.dumps({"00001": "drink", "00002": "book", "99999": "whistle"}))
    index = load_wlasl(wlasl_root, on_missing="error")
    assert index.labels == ["drink", "book", "whistle"] and index.classes == ["book", "drink", "whistle"]
    assert index.splits is None and index.frame_ranges is None


def test_wlasl_labels_json_that_matches_no_video_names_the_file(wlasl_root):
    (wlasl_root / "labels.json").write_text(json.dumps({"70001": "book", "70002": "book"}))
    with pytest.raises(DataError, match=r"labels\.json does not match the videos: none of its 2 ids"):
        load_wlasl(wlasl_root)


def test_wlasl_labels_json_contradicting_the_split_file_names_the_file(wlasl_root):
    (wlasl_root / "labels.json").write_text(json.dumps({"00001": "book", "00002": "book"}))
    with pytest.raises(DataError, match=r"labels\.json does not match nslt_2\.json: id 00001 is 'book' there but 'drink'"):
        load_wlasl(wlasl_root)


def test_wlasl_several_split_files_need_a_choice(wlasl_root):
    (wlasl_root / "nslt_3.json").write_text(json.dumps({"00002": {"subset": "train", "action": [2, 1, 6]}}))
    with pytest.raises(DataError, match=r"several split files \(nslt_2\.json, nslt_3\.json\)"):
        load_wlasl(wlasl_root)
    index = load_wlasl(wlasl_root, split_file="nslt_3.json")
    assert index.labels == ["computer"] and len(index.classes) == 3


def test_wlasl_malformed_split_file_names_the_file(wlasl_root):
    (wlasl_root / "nslt_2.json").write_text("{not json")
    with pytest.raises(DataError, match=r"cannot read .*nslt_2\.json as JSON"):
        load_wlasl(wlasl_root)


@pytest.fixture
def recordings(tmp_path):
    """Letter A: 2 s + 1 s clips; letter B: one 3 s clip; space: one 3 s clip, all at 10 fps."""
    solid_clip(tmp_path / "A" / "take1.mp4", 20, level=10, fps=10)
    solid_clip(tmp_path / "A" / "take2.mov", 10, level=100, fps=10)
    solid_clip(tmp_path / "b" / "clip.mp4", 30, level=50, fps=10)
    solid_clip(tmp_path / "Space" / "clip.avi", 30, level=80, fps=10)
    return tmp_path


def test_user_recordings_index_letters_in_asl_order(recordings):
    assert detect_dataset_kind(recordings) == "user_recordings"
    index = load_dataset(recordings)
    assert index.classes == ["A", "B", "space"]
    assert [p.name for p in index.paths] == ["take1.mp4", "take2.mov", "clip.mp4", "clip.avi"]
    assert index.labels == ["A", "A", "B", "space"]


def test_recording_frames_take_the_first_seconds_of_each_letter_across_clips(recordings):
    index = load_dataset(recordings)
    frames = recording_frames(index, seconds_per_letter=2.5, every_nth=1)
    per_letter = {c: frames.labels.count(c) for c in index.classes}
    assert per_letter == {"A": 25, "B": 25, "space": 25}
    a_rows = [i for i, label in enumerate(frames.labels) if label == "A"]
    assert [frames.paths[i].name for i in a_rows[19:21]] == ["take1.mp4", "take2.mov"]
    assert frames.frame_indices[a_rows].tolist() == list(range(20)) + list(range(5))


def test_shorter_recording_budgets_are_nested_subsets_of_longer_ones(recordings):
    index = load_dataset(recordings)
    def picked(seconds):
        frames = recording_frames(index, seconds_per_letter=seconds, every_nth=3)
        return list(zip(frames.paths, frames.frame_indices.tolist()))
    one, two, all_ = picked(1), picked(2), picked(None)
    assert set(one) < set(two) < set(all_)
    assert len(all_) == 10 + 10 + 10  # 30 frames per letter, every 3rd


def test_recording_frames_refuse_more_seconds_than_recorded(recordings):
    with pytest.raises(DataError, match=r"letter 'A' has 3\.0 s of video in .*/A but 5 s per letter"):
        recording_frames(load_dataset(recordings), seconds_per_letter=5)


def test_decode_frames_returns_the_picked_frames_as_images(recordings):
    frames = recording_frames(load_dataset(recordings), seconds_per_letter=0.5, fps=10, every_nth=2)
    images = decode_frames(frames, size=8)
    assert images.images.shape == (9, 8, 8, 3) and images.labels == ["A"] * 3 + ["B"] * 3 + ["space"] * 3
    green = images.images[..., 1].mean(axis=(1, 2))
    np.testing.assert_allclose(green[:3], [10, 14, 18], atol=4)  # A/take1 frames 0, 2, 4


def test_empty_letter_folder_is_a_data_error(recordings):
    (recordings / "C").mkdir()
    with pytest.raises(DataError, match=r"class folder .*/C has no videos"):
        load_dataset(recordings, "user_recordings")


def test_wlasl_refuses_a_split_file_it_would_ignore(wlasl_root):
    """A split file under another name (the old synthetic `nslt.json`) must not silently become a random split."""
    (wlasl_root / "nslt_2.json").rename(wlasl_root / "nslt.json")
    (wlasl_root / "labels.json").write_text(json.dumps({"00001": "drink", "00002": "book"}))
    with pytest.raises(DataError, match=r"nslt\.json look like a WLASL split file .* rename them"):
        load_wlasl(wlasl_root)
