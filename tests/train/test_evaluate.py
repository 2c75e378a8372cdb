import json

import numpy as np
import pytest
import torch

from signport.cli import main
from signport.core.heads import save_head
from signport.train.config import EvaluateConfig
from signport.train.evaluate import metrics_from_logits, run_evaluate, write_evaluation
from signport.models.head_io import head_from_model
from signport.models import build_model, model_from_checkpoint
from signport.train.sources import data_fingerprint, open_dataset

PNG = b"\x89PNG\r\n\x1a\n"


def test_write_evaluation_records_hand_computed_values(tmp_path):
    # 3 samples of class x, 1 of y; predictions x, x, y, y -> confusion [[2, 1], [0, 1]].
    logits = np.array([[2.0, 0.0], [1.0, 0.5], [0.0, 1.0], [-1.0, 1.0]])
    metrics = metrics_from_logits(logits, np.array([0, 0, 0, 1]), ["x", "y"])
    paths = write_evaluation(tmp_path / "eval", metrics, title="hand example")
    saved = json.loads(paths["results"].read_text())
    assert saved["confusion_matrix"] == [[2, 1], [0, 1]]
    assert saved["top1"] == pytest.approx(0.75)
    assert saved["per_class_accuracy"] == {"x": pytest.approx(2 / 3), "y": 1.0}
    assert saved["macro_precision"] == pytest.approx((1.0 + 0.5) / 2)
    assert saved["macro_recall"] == pytest.approx((2 / 3 + 1.0) / 2)
    assert saved["macro_f1"] == pytest.approx((0.8 + 2 / 3) / 2)
    expected_loss = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor([0, 0, 0, 1])).item()
    assert saved["loss"] == pytest.approx(expected_loss)
    assert paths["confusion"].read_bytes()[:8] == PNG


@pytest.fixture(scope="module")
def landmark_checkpoint(tmp_path_factory, tiny_data_writers):
    root = tmp_path_factory.mktemp("eval")
    data = tiny_data_writers["landmarks"](root / "data.npz", per_class=20, num_classes=3, seed=1)
    torch.manual_seed(0)
    model = build_model("landmarks", 3, hidden=[16, 8]).eval()
    fingerprint = data_fingerprint(open_dataset(data, "landmarks", root))
    train_config = {"val_fraction": 0.2, "test_fraction": 0.25, "seed": 4, "max_per_class": None}
    ckpt = tiny_data_writers["checkpoint"](root / "ckpt", model, "landmarks", {"hidden": [16, 8]}, ["A", "B", "C"], fingerprint, train_config)
    return ckpt, data


def _expected_top1(ckpt, data, rows=None):
    model, _ = model_from_checkpoint(ckpt)
    with np.load(data) as npz:
        x, labels = npz["landmarks"], npz["labels"]
    rows = np.arange(len(x)) if rows is None else rows
    with torch.no_grad():
        predicted = model(torch.from_numpy(x[rows].reshape(len(rows), 63))).argmax(1).numpy()
    return float(np.mean(predicted == np.array(["ABC".index(c) for c in labels[rows]])))


def test_evaluate_uses_the_training_test_split_on_the_training_data(tmp_path, landmark_checkpoint):
    ckpt, data = landmark_checkpoint
    metrics = run_evaluate(EvaluateConfig(checkpoint=ckpt, data=str(data), out=tmp_path / "eval", threads=1))
    assert metrics["split"] == "test" and metrics["num_samples"] == 15  # 25 % of 20 per class
    from signport.train.datasets import make_splits
    rows = make_splits(open_dataset(data, "landmarks", tmp_path), 0.2, 0.25, 4)["test"]
    assert metrics["top1"] == pytest.approx(_expected_top1(ckpt, data, rows))
    saved = json.loads((tmp_path / "eval" / "results.json").read_text())
    assert saved["top1"] == metrics["top1"] and np.sum(saved["confusion_matrix"]) == 15
    assert (tmp_path / "eval" / "confusion.png").read_bytes()[:8] == PNG


def test_evaluate_cli_with_a_head_from_another_backbone_fails_in_one_line(tmp_path, landmark_checkpoint, capsys):
    ckpt, data = landmark_checkpoint
    torch.manual_seed(7)
    stranger = build_model("landmarks", 3, hidden=[16, 8])
    save_head(tmp_path / "stranger", head_from_model(stranger, ["A", "B", "C"]))
    code = main(["evaluate", "--from", str(ckpt), "--head", str(tmp_path / "stranger.json"), "--data", str(data),
                 "--out", str(tmp_path / "eval"), "--split", "all"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "another backbone" in err and "--force" in err
    assert not (tmp_path / "eval").exists()
    code = main(["evaluate", "--from", str(ckpt), "--head", str(tmp_path / "stranger.json"), "--force", "--data", str(data),
                 "--out", str(tmp_path / "eval"), "--split", "all", "--threads", "1"])
    assert code == 0
    results = json.loads((tmp_path / "eval" / "results.json").read_text())
    assert results["num_samples"] == 60 and results["head"].endswith("stranger.json")


def test_evaluate_scores_every_frame_of_recordings_with_an_image_model(tmp_path, tiny_data_writers):
    torch.manual_seed(0)
    args = {"width": 0.25, "input_size": 32}
    model = build_model("mobilenet_v2", 3, **args).eval()
    ckpt = tiny_data_writers["checkpoint"](tmp_path / "ckpt", model, "mobilenet_v2", args, ["A", "B", "C"])
    videos = tiny_data_writers["videos"](tmp_path / "user", seconds=0.5, fps=20, size=32)
    metrics = run_evaluate(EvaluateConfig(checkpoint=ckpt, data=str(videos), out=tmp_path / "eval", frame_stride=2, threads=1))
    assert metrics["split"] == "all frames" and metrics["num_samples"] == 3 * 5
    assert metrics["support"] == {"A": 5, "B": 5, "C": 5}
