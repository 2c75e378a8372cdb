import json

import pytest
import torch
from safetensors.torch import load_file

from signport.core.errors import InputError
from signport.train.config import TrainConfig
from signport.models import model_from_checkpoint
from signport.train.presets import apply_preset
from signport.train.training import arch_args, train


def _config(tmp_path, data, **overrides) -> TrainConfig:
    values = dict(data=str(data), out=tmp_path / "run", preset="none", threads=1, seed=3, cache_dir=tmp_path / "cache")
    values.update(overrides)
    return TrainConfig(**values)


def test_tiny_landmark_run_learns_separable_classes(tmp_path, landmarks_file):
    config = _config(tmp_path, landmarks_file, model="landmarks", hidden=(32, 16), epochs=15, batch_size=16, patience=0)
    result = train(config)
    # 4 classes: chance is 1/4; the test split holds 6 samples per class.
    assert result.finished and result.test_metrics["num_samples"] == 24
    assert result.test_metrics["top1"] >= 0.9
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]


def test_tiny_image_run_writes_a_complete_checkpoint(tmp_path, image_folder):
    config = _config(tmp_path, image_folder, model="mobilenet_v2", width=0.25, input_size=48, epochs=4, batch_size=16,
                     patience=0, val_fraction=0.2, test_fraction=0.2, augment=False)
    result = train(config)
    assert result.finished and len(result.history) == 4
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]
    assert result.test_metrics["num_samples"] == 18
    model, meta = model_from_checkpoint(config.out)
    assert meta.labels == ["A", "B", "C"] and meta.arch_args == {"width": 0.25, "input_size": 48}
    assert meta.preprocessing["input_size"] == [48, 48] and meta.embedding_size == model.embedding_size
    assert meta.metrics["test"]["top1"] == pytest.approx(result.test_metrics["top1"])
    assert meta.train_config["seed"] == 3 and meta.data_fingerprint.startswith("sha256:")
    results = json.loads((config.out / "evaluation" / "results.json").read_text())
    assert results["top1"] == pytest.approx(result.test_metrics["top1"])
    assert sum(map(sum, results["confusion_matrix"])) == 18
    assert (config.out / "evaluation" / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (config.out / "curves.png").is_file()
    assert len(json.loads((config.out / "history.json").read_text())) == 4


def test_resume_gives_the_same_result_as_an_uninterrupted_run(tmp_path, landmarks_file):
    common = dict(model="landmarks", hidden=(32, 16), epochs=4, batch_size=32, patience=0)
    whole = train(_config(tmp_path / "whole", landmarks_file, **common))
    first = train(_config(tmp_path / "split", landmarks_file, stop_after_epochs=2, **common))
    assert not first.finished and len(first.history) == 2 and not (tmp_path / "split" / "run" / "evaluation").exists()
    resumed = train(_config(tmp_path / "split", landmarks_file, resume=True, **common))
    assert resumed.finished
    strip = lambda history: [{k: v for k, v in h.items() if k not in ("seconds", "cpu_seconds")} for h in history]
    assert strip(resumed.history) == strip(whole.history)
    a = load_file(str(tmp_path / "whole" / "run" / "weights.safetensors"))
    b = load_file(str(tmp_path / "split" / "run" / "weights.safetensors"))
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0)
    assert resumed.test_metrics["top1"] == whole.test_metrics["top1"]


def test_resume_with_other_settings_is_refused(tmp_path, landmarks_file):
    common = dict(model="landmarks", hidden=(16,), epochs=2, batch_size=32)
    train(_config(tmp_path, landmarks_file, stop_after_epochs=1, **common))
    with pytest.raises(InputError, match="lr: 0.002 -> 0.1"):
        train(_config(tmp_path, landmarks_file, resume=True, **{**common, "lr": 0.1}))


def test_existing_run_is_not_overwritten_by_accident(tmp_path, landmarks_file):
    common = dict(model="landmarks", hidden=(16,), epochs=1, batch_size=32)
    train(_config(tmp_path, landmarks_file, **common))
    with pytest.raises(InputError, match="already holds a training run"):
        train(_config(tmp_path, landmarks_file, **common))


def test_flag_that_the_family_does_not_take_is_an_error(tmp_path):
    with pytest.raises(InputError, match="--width does not apply to model landmarks"):
        arch_args(_config(tmp_path, "x", model="landmarks", width=0.5))


def test_preset_fills_only_fields_left_at_their_default(tmp_path):
    config = apply_preset(TrainConfig(model="mobilenet_v2", data="synth", epochs=3))
    assert config.preset == "synth-fast" and config.width == 0.35 and config.input_size == 96
    assert config.epochs == 3  # set by the user: kept
    assert apply_preset(config) == config
    assert apply_preset(TrainConfig(model="mobilenet_v2", data="/some/folder")).width is None


def test_train_cli_builds_the_config_and_writes_the_run(tmp_path, landmarks_file, capsys):
    from signport.cli import main

    out = tmp_path / "cli_run"
    code = main(["train", "--model", "landmarks", "--data", str(landmarks_file), "--out", str(out), "--hidden", "16",
                 "--epochs", "2", "--threads", "1", "--seed", "5"])
    assert code == 0
    meta = json.loads((out / "checkpoint.json").read_text())
    assert meta["train_config"]["hidden"] == [16] and meta["train_config"]["seed"] == 5 and meta["train_config"]["preset"] == "none"
    assert meta["train_config"]["world_size"] == 1
    assert main(["train", "--model", "landmarks", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "x")]) == 2
    assert "dataset path not found" in capsys.readouterr().err


def test_tiny_clip_run_trains_the_3d_model_on_videos(tmp_path, tiny_data_writers):
    videos = tiny_data_writers["videos"](tmp_path / "clips", seconds=0.4, fps=20, size=32)
    for label in "ABC":  # three short clips per class
        for copy in ("b", "c"):
            (videos / label / f"rec_{copy}.mp4").write_bytes((videos / label / "rec.mp4").read_bytes())
    config = _config(tmp_path, videos, model="mobilenet_v2_3d", width=0.25, input_size=32, clip_length=4, clip_fps=10.0,
                     epochs=2, batch_size=3, val_fraction=0.0, test_fraction=0.34, patience=0)
    result = train(config)
    assert result.finished and result.test_metrics["num_samples"] == 3
    model, meta = model_from_checkpoint(config.out)
    assert meta.preprocessing["input_kind"] == "clip" and meta.preprocessing["clip_length"] == 4
    assert model(torch.zeros(1, 3, 4, 32, 32)).shape == (1, 3)


def test_log_line_shows_the_values_in_effect():
    from signport.train.presets import describe_preset

    line = describe_preset(apply_preset(TrainConfig(model="mobilenet_v2", data="synth", epochs=50)))
    assert line.startswith("preset synth-fast") and "epochs=50" in line and "input_size=96" in line


def test_time_budget_fits_the_epoch_count_to_the_measured_pace():
    from signport.train.training import epochs_within_budget

    assert epochs_within_budget(24, first_epoch_seconds=20, budget_seconds=600) == 24  # fits: unchanged
    assert epochs_within_budget(24, first_epoch_seconds=40, budget_seconds=600) == 15  # a slower host trains fewer
    assert epochs_within_budget(24, first_epoch_seconds=400, budget_seconds=600) == 3  # never below a schedule that converges
    assert epochs_within_budget(2, first_epoch_seconds=400, budget_seconds=60) == 2


def test_time_budget_shortens_a_run_and_its_schedule_to_what_fits(tmp_path, landmarks_file):
    # A budget below one epoch's time: the run keeps the minimum of 3 epochs, with the cosine
    # schedule compressed to them (the last epoch's learning rate is the schedule's low end).
    config = _config(tmp_path, landmarks_file, model="landmarks", hidden=(32, 16), epochs=40, batch_size=16, patience=0,
                     time_budget_minutes=1e-6)
    result = train(config)
    assert result.finished and len(result.history) == 3
    lrs = [h["lr"] for h in result.history]
    assert lrs[0] == pytest.approx(config.lr) and lrs[2] < 0.5 * config.lr
    assert json.loads((config.out / "history.json").read_text())[-1]["epoch"] == 3
