import json

import numpy as np
import pytest
import torch

from signport.core.errors import DataError
from signport.core.heads import load_head
from signport.train.config import FinetuneConfig, TrainConfig
from signport.train.finetune import EmbeddedRecordings, finetune, time_split
from signport.models.head_io import apply_head
from signport.models import build_model, model_from_checkpoint
from signport.train.training import train

ARGS = {"width": 0.25, "input_size": 32}


@pytest.fixture(scope="module")
def image_checkpoint(tmp_path_factory, tiny_data_writers):
    """An untrained image model (finetune's mechanics do not depend on what the backbone learned)."""
    torch.manual_seed(0)
    model = build_model("mobilenet_v2", 3, **ARGS).eval()
    return tiny_data_writers["checkpoint"](tmp_path_factory.mktemp("ckpt") / "ckpt", model, "mobilenet_v2", ARGS, ["A", "B", "C"])


@pytest.fixture(scope="module")
def user_recordings(tmp_path_factory, tiny_data_writers):
    return tiny_data_writers["videos"](tmp_path_factory.mktemp("user"), seconds=3.0, fps=30, seed=5)


@pytest.fixture(scope="module")
def landmark_checkpoint(tmp_path_factory, tiny_data_writers):
    root = tmp_path_factory.mktemp("landmark_run")
    data = tiny_data_writers["landmarks"](root / "base.npz", per_class=40, seed=0)
    config = TrainConfig(model="landmarks", data=str(data), out=root / "ckpt", preset="none", hidden=(32, 16), epochs=15,
                         batch_size=16, patience=0, threads=1, seed=0, cache_dir=root / "cache")
    assert train(config).test_metrics["top1"] >= 0.9
    return config.out


def test_finetune_changes_only_the_head_and_recovers_a_shifted_signer(tmp_path, landmark_checkpoint, tiny_data_writers):
    # The "new signer" makes each letter the way the base data made the next one: the backbone still
    # separates the shapes, the base head names them wrong.
    shifted = tiny_data_writers["landmarks"](tmp_path / "user.npz", per_class=40, seed=9)
    with np.load(shifted) as npz:
        landmarks, labels = npz["landmarks"], npz["labels"]
    np.savez(shifted, landmarks=landmarks, labels=np.array([chr(ord("A") + (ord(c) - ord("A") + 1) % 4) for c in labels]))
    config = FinetuneConfig(checkpoint=landmark_checkpoint, data=str(shifted), out=tmp_path / "user_head",
                            seconds_per_letter=0.5, gap_seconds=0.2, epochs=60, lr=1e-2, threads=1, cache_dir=tmp_path / "cache")
    report = finetune(config)
    # 40 samples per letter read as frames at 30 fps: 15 train (< 0.5 s), 6 skipped, 19 held out (>= 0.7 s).
    assert report["train_frames"] == 4 * 15 and report["heldout_frames"] == 4 * 19
    assert report["before"]["top1"] < 0.3 and report["after"]["top1"] >= 0.9

    head = load_head(tmp_path / "user_head.safetensors")
    manifest = json.loads((tmp_path / "user_head.json").read_text())
    assert manifest["source"]["optimizer"] == "adamw" and manifest["source"]["seconds_per_letter"] == 0.5
    assert manifest["metrics"]["after"]["top1"] == pytest.approx(report["after"]["top1"])
    assert (tmp_path / "user_head.confusion.png").is_file()
    original, meta = model_from_checkpoint(landmark_checkpoint)
    personalised, _ = model_from_checkpoint(landmark_checkpoint)
    assert head.manifest.backbone_fingerprint == meta.backbone_fingerprint
    apply_head(personalised, head, labels=meta.labels)
    before, after = original.state_dict(), personalised.state_dict()
    assert {name for name in before if not torch.equal(before[name], after[name])} == {"head.fc.weight", "head.fc.bias"}


def test_finetune_on_video_recordings_splits_frames_by_time(tmp_path, image_checkpoint, user_recordings):
    config = FinetuneConfig(checkpoint=image_checkpoint, data=str(user_recordings), out=tmp_path / "head",
                            seconds_per_letter=1.0, gap_seconds=0.5, frame_stride=2, epochs=3, threads=1, cache_dir=tmp_path / "cache")
    report = finetune(config)
    # Per label: frames 0..29 train (15 at stride 2); frames 45..89 are held out (46, 48, ..., 88: 22 frames).
    assert report["train_frames"] == 3 * 15 and report["heldout_frames"] == 3 * 22
    assert report["labels_seen"] == ["A", "B", "C"]


def test_second_finetune_reuses_the_embedding_cache(tmp_path, image_checkpoint, user_recordings):
    common = dict(checkpoint=image_checkpoint, data=str(user_recordings), seconds_per_letter=1.0, gap_seconds=0.5,
                  frame_stride=3, epochs=5, threads=1, cache_dir=tmp_path / "cache")
    first = finetune(FinetuneConfig(out=tmp_path / "a", **common))
    second = finetune(FinetuneConfig(out=tmp_path / "b", optimizer="sgd", **common))
    assert not first["embeddings_cached"] and second["embeddings_cached"]
    assert first["before"] == second["before"]
    assert len(list((tmp_path / "cache" / "embeddings").glob("*.safetensors"))) == 1


def test_time_split_keeps_a_gap_between_training_and_held_out_frames():
    seconds = np.concatenate([np.arange(90) / 30, np.arange(60) / 30])
    recordings = EmbeddedRecordings(np.zeros((150, 2), np.float32), np.repeat([0, 1], [90, 60]), seconds)
    train_rows, test_rows = time_split(recordings, 1.0, 0.5, None, ["A", "B"], "rec")
    assert set(train_rows) == set(range(0, 30)) | set(range(90, 120))
    assert set(test_rows) == set(range(45, 90)) | set(range(135, 150))
    fixed_train, fixed_test = time_split(recordings, 1.0, 0.5, 0.4, ["A", "B"], "rec")
    assert set(fixed_test) == set(range(78, 90)) | set(range(138, 150))  # the last 0.4 s of each label


def test_time_split_says_when_recordings_are_too_short():
    recordings = EmbeddedRecordings(np.zeros((30, 2), np.float32), np.zeros(30, np.int64), np.arange(30) / 30)
    with pytest.raises(DataError, match="label 'A' has 1.0 s of recordings"):
        time_split(recordings, 1.0, 0.5, None, ["A"], "rec")


@pytest.mark.slow  # renders 29 x 12 s of synthetic recordings (~1 min of CPU)
def test_finetune_from_a_landmark_run_with_its_defaults_uses_the_synthetic_signers_recordings(tmp_path, tiny_data_writers,
                                                                                            monkeypatch, capsys):
    """`signport finetune --from RUN` with default data and budget: the synthetic new signer's recordings
    (their per-frame landmarks for this model), long enough for 10 s of training, the gap and held-out frames.
    Rendering is shortened to 12 s per letter here (the product renders 30 s); the defaults are untouched."""
    import signport.train.sources as sources
    from signport.cli import main
    from signport.core.labels import ASL_LETTERS

    labels = [label for label in ASL_LETTERS if label != "nothing"]  # what a landmark run on synth learns
    torch.manual_seed(0)
    model = build_model("landmarks", len(labels), hidden=[16]).eval()
    ckpt = tiny_data_writers["checkpoint"](tmp_path / "run", model, "landmarks", {"hidden": [16]}, labels)
    monkeypatch.setattr(sources, "SYNTH_RECORDING_SECONDS", 12.0)
    monkeypatch.setenv("SIGNPORT_CACHE", str(tmp_path / "cache"))
    code = main(["finetune", "--from", str(ckpt), "--out", str(tmp_path / "head"), "--threads", "1"])
    err = capsys.readouterr().err
    assert code == 0, err
    report = load_head(tmp_path / "head").manifest.metrics
    assert report["train_frames"] == len(labels) * 10 * 30 and report["heldout_frames"] > 0
    assert report["labels_seen"] == sorted(labels)
