"""The dataset registry: detection by layout, dispatch by kind, errors for paths it cannot use."""

from __future__ import annotations

import numpy as np
import pytest

from signport.core.errors import DataError, InputError
from signport.data.loaders import DATASET_LOADERS, detect_dataset_kind, load_dataset, register_loader


def test_every_dataset_kind_is_registered():
    assert set(DATASET_LOADERS) == {"asl_alphabet", "signer_folders", "sign_mnist", "landmarks", "wlasl", "user_recordings"}
    assert all(loader.layout for loader in DATASET_LOADERS.values())


def test_missing_dataset_path_is_a_data_error_naming_it(tmp_path):
    with pytest.raises(DataError, match=r"dataset path not found: .*nowhere"):
        load_dataset(tmp_path / "nowhere")


def test_unknown_layout_lists_the_layouts_signport_knows(tmp_path):
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(DataError, match=r"is not a dataset layout signport knows; expected one of: .*asl_alphabet: ROOT/<Class>") as error:
        detect_dataset_kind(tmp_path)
    assert "\n" not in str(error.value)


def test_unknown_kind_is_an_input_error_listing_the_kinds(tmp_path):
    with pytest.raises(InputError, match=r"unknown dataset kind 'coco'; choose one of: .*wlasl"):
        load_dataset(tmp_path, "coco")


def test_a_path_matching_several_layouts_asks_for_the_kind(tmp_path, monkeypatch):
    monkeypatch.setitem(DATASET_LOADERS, "everything", DATASET_LOADERS["landmarks"].__class__(
        "everything", lambda path: None, lambda path: True, "anything"))
    np.savez(tmp_path / "set.npz", landmarks=np.zeros((1, 21, 3), np.float32), labels=np.array(["A"]))
    with pytest.raises(DataError, match=r"looks like several dataset kinds \(landmarks, everything\)"):
        detect_dataset_kind(tmp_path / "set.npz")


def test_registering_a_kind_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        register_loader("wlasl", detect=lambda path: False, layout="x")(lambda path: None)
