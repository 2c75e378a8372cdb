"""Every loader on the real sample data (skipped without SIGNPORT_SHARED_DATA)."""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np
import pytest

from signport.core.errors import DataError
from signport.core.labels import ASL_LETTERS, LETTERS_AZ
from signport.data.loaders import detect_dataset_kind, load_dataset, read_image
from signport.data.video import read_video_frames, sample_frame_indices, video_info

pytestmark = pytest.mark.shared_data


def test_asl_alphabet_sample_has_29_classes_of_200_with_del_nothing_space(shared_data):
    root = shared_data / "asl_alphabet"
    assert detect_dataset_kind(root) == "asl_alphabet"
    index = load_dataset(root)
    assert index.classes == list(ASL_LETTERS)
    assert Counter(index.labels) == {c: 200 for c in ASL_LETTERS}
    assert {p.parent.name for p, label in zip(index.paths, index.labels) if label == "del"} == {"Del"}
    rng = np.random.default_rng(0)
    for i in rng.choice(len(index), 5, replace=False):
        image = read_image(index.paths[i], 64)
        assert image.shape == (64, 64, 3) and image.std() > 5


def test_real_hand_photos_are_all_readable(shared_data):
    index = load_dataset(shared_data / "hands", "asl_alphabet")
    assert index.classes == ["call", "four", "none", "rock"] and len(index) == 40
    for path in index.paths:
        image = read_image(path)
        assert image.ndim == 3 and image.shape[2] == 3 and min(image.shape[:2]) >= 64


def test_real_landmark_set_has_10508_rows_of_26_letters(shared_data):
    landmarks = load_dataset(shared_data / "landmarks")
    assert len(landmarks) == 10_508 and landmarks.landmarks.shape == (10_508, 21, 3)
    assert landmarks.classes == list(LETTERS_AZ)
    assert not np.isnan(landmarks.landmarks).any()
    assert 0.0 <= np.median(landmarks.landmarks[..., :2]) <= 1.0  # normalized image coordinates


def test_wlasl_sample_skips_clips_outside_nslt_100_with_a_warning(shared_data, caplog):
    root = shared_data / "wlasl_sample"
    with caplog.at_level(logging.WARNING):
        index = load_dataset(root)
    assert "2 video(s) are not in nslt_100.json (63048, 63185)" in caplog.text
    assert [p.stem for p in index.paths] == ["68011", "68012", "70212", "70266"]
    assert index.labels == ["book"] * 4 and len(index.classes) == 100 and index.classes[0] == "book"
    assert index.splits == ["train", "train", "val", "train"]
    # 70212 is the trimmed clip of source frames 2150-2249: all 100 decoded frames are the sign.
    first, last = index.frame_ranges[2]
    num_frames = video_info(index.paths[2]).num_frames
    clip = sample_frame_indices(num_frames, 32, "center", start=first, end=last)
    assert clip.tolist() == list(range(34, 66))
    assert read_video_frames(index.paths[2], clip, size=112).shape == (32, 112, 112, 3)


def test_wlasl_sample_on_missing_error_names_the_unlisted_clips(shared_data):
    with pytest.raises(DataError, match=r"2 video\(s\) are not in nslt_100\.json \(63048, 63185\)"):
        load_dataset(shared_data / "wlasl_sample", "wlasl", on_missing="error")
