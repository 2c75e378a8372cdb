"""Leave-one-signer-out and leave-one-source-out splits: --holdout and --split-by signer."""

import numpy as np
import pytest

from signport.core.errors import DataError
from signport.data.merge import merge_indexes
from signport.data.synth.letters import letter_landmark_set
from signport.train.datasets import holdout_rows, make_splits


@pytest.fixture(scope="module")
def synth_people():
    return letter_landmark_set(per_class=8, signers=4)


def test_holdout_signer_is_exactly_the_test_split_and_never_trained_on(synth_people):
    splits = make_splits(synth_people, 0.15, 0.15, seed=0, split_by="signer", holdout="synth/d02")
    signers = np.asarray(synth_people.signers)
    assert set(signers[splits["test"]]) == {"synth/d02"} and len(splits["test"]) == 2 * 26
    assert "synth/d02" not in set(signers[splits["train"]]) | set(signers[splits["val"]])
    # Validation takes whole signers too, and train/val/test cover every sample once.
    assert not set(signers[splits["train"]]) & set(signers[splits["val"]])
    assert sorted(np.concatenate(list(splits.values()))) == list(range(len(synth_people)))


def test_holdout_by_source_and_by_short_signer_name(synth_people, tiny_data_writers, tmp_path):
    from signport.train.sources import open_dataset

    path = tiny_data_writers["landmarks"](tmp_path / "other.npz", per_class=4)
    merged = merge_indexes([("people", synth_people), ("other", open_dataset(str(path), "landmarks", tmp_path))])
    assert holdout_rows(merged, "other").sum() == 16
    assert holdout_rows(merged, "d01").sum() == 2 * 26  # 'd01' matches 'people/synth/d01'
    splits = make_splits(merged, 0.15, 0.0, seed=0, split_by="signer", holdout="other")
    assert set(np.asarray(merged.sources)[splits["test"]]) == {"other"}


def test_holdout_that_matches_nothing_names_what_exists(synth_people):
    with pytest.raises(DataError, match="names no source or signer.*synth/d00"):
        make_splits(synth_people, 0.15, 0.15, seed=0, holdout="s07")


def test_split_by_signer_on_a_one_signer_dataset_says_so(tiny_data_writers, tmp_path):
    from signport.train.sources import open_dataset

    index = open_dataset(str(tiny_data_writers["landmarks"](tmp_path / "x.npz", per_class=4)), "landmarks", tmp_path)
    with pytest.raises(DataError, match="one signer"):
        make_splits(index, 0.15, 0.15, seed=0, split_by="signer")


@pytest.mark.usefixtures("shared_data")
def test_shared_signers_never_span_two_splits(shared_data, tmp_path):
    from signport.train.sources import open_dataset

    index = open_dataset(str(shared_data / "asl_signers_landmarks.npz"), "landmarks", tmp_path)
    for signer in ("s01", "s04"):
        splits = make_splits(index, 0.2, 0.0, seed=0, split_by="signer", holdout=signer)
        signers = np.asarray(index.signers)
        assert set(signers[splits["test"]]) == {signer}
        used = [set(signers[splits[name]]) for name in ("train", "val", "test")]
        assert not (used[0] & used[1]) and not (used[0] & used[2]) and not (used[1] & used[2])
