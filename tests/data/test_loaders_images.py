"""Image-folder loader (ASL Alphabet layout) and read_image, on tiny images the tests write."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from signport.core.errors import DataError
from signport.core.labels import ASL_LETTERS
from signport.data.loaders import load_dataset, read_image
from signport.data.loaders.image_folders import load_image_folders


def write_image(path, rgb=(200, 40, 10), size=(12, 16)):
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.zeros((*size, 3), np.uint8)
    image[:] = rgb[::-1]  # cv2 writes BGR
    assert cv2.imwrite(str(path), image)
    return path


def make_folders(root, folders, per_class=2, suffix=".jpg"):
    for folder in folders:
        for i in range(per_class):
            write_image(root / folder / f"{folder}{i}{suffix}")
    return root


def test_class_folders_are_matched_case_insensitively_and_ordered_like_asl_letters(tmp_path):
    folders = [c for c in ASL_LETTERS[:26]] + ["Del", "Nothing", "Space"]
    make_folders(tmp_path, folders[::-1], per_class=1)
    index = load_image_folders(tmp_path)
    assert index.classes == list(ASL_LETTERS)
    assert index.labels[-3:] == ["del", "nothing", "space"]
    assert index.paths[-1].name == "Space0.jpg"
    assert index.targets().tolist() == list(range(29))
    assert index.landmarks is None and index.signers is None


def test_train_subfolder_is_used_and_other_label_sets_are_sorted(tmp_path):
    make_folders(tmp_path / "train", ["rock", "call", "four"], suffix=".png")
    (tmp_path / "train" / "call" / "notes.txt").write_text("not an image")
    (tmp_path / "train" / "call" / ".DS_Store").write_bytes(b"\0")
    index = load_dataset(tmp_path)
    assert index.root == tmp_path / "train"
    assert index.classes == ["call", "four", "rock"]
    assert len(index) == 6 and all(p.suffix == ".png" for p in index.paths)


def test_landmarks_npz_beside_the_folders_attaches_landmarks_and_signers_in_index_order(tmp_path):
    make_folders(tmp_path, ["B", "A"], per_class=2)
    rel = ["B/B1.jpg", "A/A0.jpg", "B/B0.jpg", "A/A1.jpg"]  # the generator's order, not ours
    marks = np.arange(4 * 63, dtype=np.float32).reshape(4, 21, 3)
    marks[2] = np.nan  # no hand in B0
    np.savez(tmp_path / "landmarks.npz", paths=np.array(rel), landmarks=marks, labels=np.array(["B", "A", "B", "A"]),
             signers=np.array(["s1", "s2", "s3", "s4"]), is_left_hand=np.array([0, 1, 0, 1], bool))
    index = load_image_folders(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in index.paths] == ["A/A0.jpg", "A/A1.jpg", "B/B0.jpg", "B/B1.jpg"]
    assert index.signers == ["s2", "s4", "s3", "s1"]
    np.testing.assert_array_equal(index.landmarks[0], marks[1])
    assert np.isnan(index.landmarks[2]).all() and not np.isnan(index.landmarks[3]).any()


def test_landmarks_npz_missing_an_image_names_the_file(tmp_path):
    make_folders(tmp_path, ["A"], per_class=2)
    np.savez(tmp_path / "landmarks.npz", paths=np.array(["A/A0.jpg"]), landmarks=np.zeros((1, 21, 3), np.float32),
             labels=np.array(["A"]))
    with pytest.raises(DataError, match=r"landmarks\.npz has no landmarks for A/A1\.jpg"):
        load_image_folders(tmp_path)


def test_empty_class_folder_is_a_data_error_naming_the_folder(tmp_path):
    make_folders(tmp_path, ["A", "B"])
    (tmp_path / "C").mkdir()
    with pytest.raises(DataError, match=r"class folder .*/C has no images") as error:
        load_image_folders(tmp_path)
    assert "\n" not in str(error.value)


def test_two_folders_meaning_one_class_are_refused(tmp_path):
    make_folders(tmp_path, ["del", "Del"])
    with pytest.raises(DataError, match="both mean class 'del'"):
        load_image_folders(tmp_path)


def test_read_image_returns_rgb_resized_to_size(tmp_path):
    path = write_image(tmp_path / "a.png", rgb=(200, 40, 10), size=(12, 16))
    image = read_image(path)
    assert image.shape == (12, 16, 3) and image.dtype == np.uint8
    np.testing.assert_array_equal(image[0, 0], [200, 40, 10])
    assert read_image(path, 8).shape == (8, 8, 3)
    assert read_image(path, (6, 10)).shape == (6, 10, 3)


def test_read_image_garbage_jpg_is_a_one_line_data_error_naming_the_file(tmp_path):
    garbage = tmp_path / "A" / "broken.jpg"
    garbage.parent.mkdir()
    garbage.write_bytes(b"\xff\xd8 this is not really a jpeg" * 10)
    with pytest.raises(DataError, match=r"image .*broken\.jpg is not a readable JPEG/PNG") as error:
        read_image(garbage)
    assert "\n" not in str(error.value)
    with pytest.raises(DataError, match=r"cannot read image .*gone\.jpg"):
        read_image(tmp_path / "gone.jpg")
