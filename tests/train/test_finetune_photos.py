"""`signport finetune --per-label N`: photo folders are split by count (seconds stay the unit for recordings)."""

import numpy as np
import pytest

from signport.core.errors import DataError, InputError
from signport.data.synth.letters import letter_landmark_set
from signport.train.config import FinetuneConfig, TrainConfig
from signport.train.finetune import count_split, finetune
from signport.train.training import train


def test_count_split_trains_on_the_first_n_of_each_label_in_file_order():
    targets = np.array([0, 0, 0, 1, 1, 1, 1, 0])
    train_rows, test_rows = count_split(targets, 2, ["A", "B"], "photos")
    assert train_rows.tolist() == [0, 1, 3, 4]
    assert test_rows.tolist() == [2, 7, 5, 6]
    with pytest.raises(DataError, match="label 'A' has 4 photos, so --per-label 4 leaves none held out"):
        count_split(targets, 4, ["A", "B"], "photos")


@pytest.fixture(scope="module")
def synth_landmark_checkpoint(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth_lm")
    people = letter_landmark_set(per_class=24, signers=6)
    path = root / "people.npz"
    np.savez(path, landmarks=people.landmarks, labels=np.array(people.labels), signers=np.array(people.signers))
    config = TrainConfig(model="landmarks", data=str(path), out=root / "ckpt", preset="none", hidden=(64,), epochs=8, batch_size=64,
                         patience=0, threads=1, seed=0, split_by="signer", holdout="synth/d05", mirror="canonical",
                         cache_dir=root / "cache")
    result = train(config)
    assert result.test_metrics["top1"] > 1 / 26 * 3  # far above chance on a signer it never saw
    return config.out, path


def test_per_label_head_on_a_held_out_synthetic_signer(tmp_path, synth_landmark_checkpoint):
    checkpoint, path = synth_landmark_checkpoint
    report = finetune(FinetuneConfig(checkpoint=checkpoint, data=f"{path}@synth/d05", per_label=2, out=tmp_path / "head",
                                     epochs=30, lr=1e-2, threads=1, cache_dir=tmp_path / "cache"))
    assert report["train_frames"] == 26 * 2 and report["heldout_frames"] == 26 * 2
    assert report["after"]["top1"] >= report["before"]["top1"]


def test_per_label_refuses_recordings(tmp_path, synth_landmark_checkpoint, tiny_data_writers):
    from signport.models import build_model

    import torch

    torch.manual_seed(0)
    args = {"width": 0.25, "input_size": 32}
    model = build_model("mobilenet_v2", 3, **args).eval()
    ckpt = tiny_data_writers["checkpoint"](tmp_path / "img", model, "mobilenet_v2", args, ["A", "B", "C"])
    videos = tiny_data_writers["videos"](tmp_path / "rec", seconds=1.0, fps=10)
    with pytest.raises(InputError, match="--per-label counts photos.*--seconds-per-letter"):
        finetune(FinetuneConfig(checkpoint=ckpt, data=str(videos), per_label=3, out=tmp_path / "h", threads=1, cache_dir=tmp_path / "c"))


@pytest.mark.usefixtures("shared_data")
def test_per_label_head_on_a_real_signer_photos_split(shared_data, tmp_path, synth_landmark_checkpoint):
    checkpoint, _ = synth_landmark_checkpoint
    data = f"{shared_data / 'asl_signers_landmarks.npz'}@s01"
    report = finetune(FinetuneConfig(checkpoint=checkpoint, data=data, per_label=10, out=tmp_path / "head", epochs=40, lr=1e-2,
                                     threads=1, cache_dir=tmp_path / "cache"))
    assert report["train_frames"] == 26 * 10 and report["heldout_frames"] == 779 - 260
    # Ten of a person's own photos per letter teach the head that person (burst frames: an upper bound).
    assert report["after"]["top1"] > report["before"]["top1"] + 0.2
