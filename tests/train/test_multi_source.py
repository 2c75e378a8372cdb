"""`--data A,B,C`: label union, per-sample sources, signer ids that never collide, and selection by signer."""

from pathlib import Path

import numpy as np
import pytest
import torch

from signport.core.errors import DataError
from signport.data.merge import merge_indexes
from signport.data.synth.letters import letter_landmark_set
from signport.data.types import LandmarkSet
from signport.train.sources import open_dataset, source_name
from signport.train.training import source_balanced_weights


def _landmarks(labels, signers=None):
    return LandmarkSet(landmarks=np.zeros((len(labels), 21, 3), np.float32), labels=list(labels), classes=sorted(set(labels)),
                       signers=signers)


def test_merge_takes_the_label_union_and_prefixes_signers_with_their_source():
    merged = merge_indexes([("one", _landmarks("AAB", ["s01", "s01", "s02"])), ("two", _landmarks("CC"))])
    assert merged.classes == ["A", "B", "C"]
    assert merged.sources == ["one"] * 3 + ["two"] * 2
    # Two datasets' "s01" are different people; a dataset without ids is one group named after itself.
    assert merged.signers == ["one/s01", "one/s01", "one/s02", "two", "two"]
    assert merged.targets().tolist() == [0, 0, 1, 2, 2]


def test_merge_refuses_mixed_kinds_and_repeated_names():
    from signport.data.types import ImageIndex

    with pytest.raises(DataError, match="different kinds"):
        merge_indexes([("a", _landmarks("A")), ("b", ImageIndex(paths=[Path("x.png")], labels=["A"], classes=["A"]))])
    with pytest.raises(DataError, match="twice"):
        merge_indexes([("a", _landmarks("A")), ("a", _landmarks("B"))])


def test_source_balanced_weights_give_every_source_the_same_share():
    weights = source_balanced_weights(["big"] * 90 + ["small"] * 10)
    draws = torch.multinomial(weights, 20000, replacement=True, generator=torch.Generator().manual_seed(0))
    share_small = float((draws >= 90).float().mean())
    assert abs(share_small - 0.5) < 0.02


def test_synthetic_landmark_source_merges_with_a_landmark_file(tmp_path, tiny_data_writers):
    path = tiny_data_writers["landmarks"](tmp_path / "letters.npz", per_class=5)
    index = open_dataset(f"{path},synth-landmarks", "landmarks", tmp_path / "cache")
    assert set(index.sources) == {"letters", "synth-landmarks"}
    assert index.classes[:4] == ["A", "B", "C", "D"] and len(index.classes) == 26
    synth = letter_landmark_set(per_class=3, signers=3)
    assert np.isfinite(synth.landmarks).all() and len(set(synth.signers)) == 3
    assert source_name("../x/asl_signers/") == "asl_signers" and source_name("d/asl_signers@s03") == "asl_signers"


def test_signer_selector_keeps_only_those_signers_and_names_unknown_ones(tmp_path):
    synth_path = tmp_path / "synth.npz"
    synth = letter_landmark_set(per_class=3, signers=3)
    np.savez(synth_path, landmarks=synth.landmarks, labels=np.array(synth.labels), signers=np.array(synth.signers))
    index = open_dataset(f"{synth_path}@synth/d00+synth/d02", "landmarks", tmp_path)
    assert set(index.signers) == {"synth/d00", "synth/d02"} and len(index) == 2 * 26
    with pytest.raises(DataError, match="no signer s09"):
        open_dataset(f"{synth_path}@s09", "landmarks", tmp_path)


@pytest.mark.usefixtures("shared_data")
def test_shared_landmark_sources_merge_by_signer(shared_data, tmp_path):
    data = f"{shared_data / 'asl_signers_landmarks.npz'},{shared_data / 'traduttore_letters.npz'}"
    index = open_dataset(data, "landmarks", tmp_path)
    assert len(index.classes) == 26
    counts = {name: index.sources.count(name) for name in set(index.sources)}
    assert counts == {"asl_signers_landmarks": 3892, "traduttore_letters": 1040}
    assert {s for s in index.signers if s.startswith("asl_signers_landmarks/")} == {f"asl_signers_landmarks/s0{i}" for i in range(1, 6)}


@pytest.mark.usefixtures("shared_data")
def test_shared_signer_folders_and_roboflow_copies_load_with_groups(shared_data, tmp_path):
    signers = open_dataset(str(shared_data / "asl_signers"), "image", tmp_path)
    assert sorted(set(signers.signers)) == ["s01", "s02", "s03", "s04", "s05"] and len(signers) == 2600
    roboflow = open_dataset(str(shared_data / "asl_roboflow"), "image", tmp_path)
    # Each original photo appears three times (Roboflow augmentation): one group per original.
    assert len(roboflow) == 1512 and len(set(roboflow.signers)) == 504
