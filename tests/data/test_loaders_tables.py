"""Sign Language MNIST CSV and MediaPipe landmark sets (npz, CSV), on tiny files the tests write."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from signport.core.errors import DataError
from signport.core.labels import SIGN_MNIST_LETTERS
from signport.data.loaders import detect_dataset_kind, load_dataset
from signport.data.loaders.landmarks import COORDINATE_COLUMNS, load_landmarks
from signport.data.loaders.sign_mnist import load_sign_mnist


def write_sign_mnist(path, letter_indices, header="label," + ",".join(f"pixel{i}" for i in range(1, 785))):
    rows = [header]
    for n, label in enumerate(letter_indices):
        pixels = (np.arange(784) + n) % 256
        rows.append(",".join(map(str, [label, *pixels])))
    path.write_text("\n".join(rows) + "\n")
    return path


def test_sign_mnist_csv_becomes_28x28_grey_images_with_letter_labels(tmp_path):
    csv = write_sign_mnist(tmp_path / "sign_mnist_train.csv", [0, 24, 10, 8])
    images = load_dataset(csv)
    assert images.images.shape == (4, 28, 28) and images.images.dtype == np.uint8
    assert images.labels == ["A", "Y", "K", "I"]
    assert images.classes == list(SIGN_MNIST_LETTERS) and len(images.classes) == 24
    assert images.targets().tolist() == [0, 23, 9, 8]  # J is absent, so K..Y shift by one
    assert images.images[1, 0, 1] == 2 and images.images[0, 27, 27] == 783 % 256


def test_sign_mnist_folder_picks_the_requested_split(tmp_path):
    write_sign_mnist(tmp_path / "sign_mnist_train.csv", [0, 1])
    write_sign_mnist(tmp_path / "sign_mnist_test.csv", [2])
    assert detect_dataset_kind(tmp_path) == "sign_mnist"
    assert load_sign_mnist(tmp_path).labels == ["A", "B"]
    assert load_sign_mnist(tmp_path, split="test").labels == ["C"]


def test_sign_mnist_label_for_j_or_z_is_refused(tmp_path):
    csv = write_sign_mnist(tmp_path / "bad.csv", [0, 9])
    with pytest.raises(DataError, match=r"bad\.csv: label\(s\) \[9\] are not Sign Language MNIST letters"):
        load_sign_mnist(csv)


def test_sign_mnist_wrong_header_is_refused(tmp_path):
    csv = write_sign_mnist(tmp_path / "short.csv", [0], header="label,pixel1,pixel2")
    with pytest.raises(DataError, match=r"short\.csv is not a Sign Language MNIST CSV"):
        load_sign_mnist(csv)


def landmark_rows(count, seed=0):
    return np.random.default_rng(seed).random((count, 21, 3)).astype(np.float32)


def test_landmark_npz_drops_no_hand_rows_with_a_count(tmp_path, caplog):
    marks = landmark_rows(5)
    marks[1, 4, 0] = np.nan
    path = tmp_path / "set.npz"
    np.savez(path, landmarks=marks, labels=np.array(["b", "A", "B", "A", "C"]), is_left_hand=np.array([1, 0, 0, 1, 0], bool))
    with caplog.at_level(logging.WARNING):
        landmarks = load_dataset(path)
    assert "dropped 1 of 5 rows with no hand" in caplog.text
    assert landmarks.labels == ["B", "B", "A", "C"] and landmarks.classes == ["A", "B", "C"]
    np.testing.assert_array_equal(landmarks.landmarks, marks[[0, 2, 3, 4]])
    assert landmarks.is_left_hand.tolist() == [True, False, True, False]


def test_landmark_npz_with_pickled_objects_is_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, landmarks=landmark_rows(2), labels=np.array([{"a": 1}, "B"], dtype=object))
    with pytest.raises(DataError, match=r"evil\.npz holds pickled objects"):
        load_landmarks(path)


def test_landmark_npz_with_flat_63_columns_and_missing_labels(tmp_path):
    flat = tmp_path / "flat.npz"
    np.savez(flat, landmarks=landmark_rows(3).reshape(3, 63), labels=np.array(["A", "B", "A"]))
    assert load_landmarks(flat).landmarks.shape == (3, 21, 3)
    unlabeled = tmp_path / "unlabeled.npz"
    np.savez(unlabeled, landmarks=landmark_rows(3))
    with pytest.raises(DataError, match=r"unlabeled\.npz lacks array\(s\) labels"):
        load_landmarks(unlabeled)


def test_landmark_csv_with_header_in_any_column_order(tmp_path):
    marks = landmark_rows(3)
    columns = ["label", "signer", "is_left_hand", *reversed(COORDINATE_COLUMNS)]
    lines = [",".join(columns)]
    for label, signer, left, row in zip("ABA", ["s1", "s2", "s1"], ["1", "false", "0"], marks.reshape(3, 63)):
        lines.append(",".join([label, signer, left, *map(repr, row[::-1].tolist())]))
    lines.append(",".join(["B", "s3", "0", "", *["0.5"] * 62]))  # an empty cell: no hand (B keeps its other row)
    path = tmp_path / "set.csv"
    path.write_text("\n".join(lines) + "\n")
    assert detect_dataset_kind(path) == "landmarks"
    landmarks = load_landmarks(path)
    np.testing.assert_allclose(landmarks.landmarks, marks)
    assert landmarks.labels == ["A", "B", "A"] and landmarks.signers == ["s1", "s2", "s1"]
    assert landmarks.is_left_hand.tolist() == [True, False, False]


@pytest.mark.parametrize("label_first", [True, False])
def test_landmark_csv_without_header_takes_the_label_first_or_last(tmp_path, label_first):
    marks = landmark_rows(2)
    rows = [[*map(repr, row.tolist())] for row in marks.reshape(2, 63)]
    rows = [[label, *row] if label_first else [*row, label] for label, row in zip("XY", rows)]
    path = tmp_path / "plain.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    landmarks = load_dataset(path, "landmarks")
    assert landmarks.labels == ["X", "Y"]
    np.testing.assert_allclose(landmarks.landmarks, marks)


def test_landmark_csv_with_wrong_columns_names_the_file_and_line(tmp_path):
    path = tmp_path / "bad.csv"
    header = ",".join(["label", *COORDINATE_COLUMNS])
    path.write_text(header + "\n" + ",".join(["A", *["0.1"] * 62, "oops"]) + "\n")
    with pytest.raises(DataError, match=r"bad\.csv:2: expected 63 numeric coordinates"):
        load_landmarks(path)
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(DataError, match=r"bad\.csv has 3 columns and no 'label' header"):
        load_landmarks(path)


def test_sign_mnist_rows_of_the_wrong_width_are_refused(tmp_path):
    csv = write_sign_mnist(tmp_path / "ragged.csv", [])
    csv.write_text(csv.read_text() + "1,2,3\n")
    with pytest.raises(DataError, match=r"ragged\.csv: rows have 3 columns, expected label \+ 784 pixels"):
        load_sign_mnist(csv)


def test_landmark_file_that_is_not_an_npz_names_the_file(tmp_path):
    path = tmp_path / "broken.npz"
    path.write_bytes(b"garbage")
    with pytest.raises(DataError, match=r"broken\.npz is not an \.npz file"):
        load_landmarks(path)
