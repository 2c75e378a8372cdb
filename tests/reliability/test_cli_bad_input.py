"""Bad input through the real `signport` CLI: each case must exit 2 with one line on stderr that
names the flag or file and says what is allowed, print no traceback, and leave nothing behind.

One row per bad input a new user tried (issue 15's table) and the neighbours of each."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from reliability_inputs import write_landmarks  # tests/reliability is on sys.path (conftest)

# (argv after `signport`, what the one-line error must name). {out} is a fresh folder under tmp_path,
# {file} an existing regular file (an --out below it cannot be created, even as root).
FLAG_CASES = [
    # train
    (["train", "--batch-size", "0"], ["--batch-size", ">= 1"]),
    (["train", "--lr", "-1"], ["--lr", "> 0"]),
    (["train", "--lr", "nan"], ["--lr", "> 0"]),
    (["train", "--val-fraction", "1.5"], ["--val-fraction", "< 1"]),
    (["train", "--test-fraction", "-0.1"], ["--test-fraction", ">= 0"]),
    (["train", "--threads", "-1"], ["--threads", ">= 1"]),
    (["train", "--epochs", "0"], ["--epochs", ">= 1"]),
    (["train", "--label-smoothing", "1"], ["--label-smoothing", "< 1"]),
    (["train", "--patience", "-1"], ["--patience", ">= 0"]),
    (["train", "--workers", "-2"], ["--workers", ">= 0"]),
    (["train", "--hidden", "64", "0"], ["--hidden", ">= 1"]),
    (["train", "--out", "{file}/run"], ["--out", "is a file"]),
    # finetune / evaluate
    (["finetune", "--from", "{ckpt}", "--epochs", "0"], ["--epochs", ">= 1"]),
    (["finetune", "--from", "{ckpt}", "--threads", "-1"], ["--threads", ">= 1"]),
    (["finetune", "--from", "{ckpt}", "--batch-size", "0"], ["--batch-size", ">= 1"]),
    (["finetune", "--from", "{ckpt}", "--seconds-per-letter", "0"], ["--seconds-per-letter", "> 0"]),
    (["finetune", "--from", "{ckpt}", "--frame-stride", "0"], ["--frame-stride", ">= 1"]),
    (["finetune", "--from", "{missing}"], ["--from", "no such file"]),
    (["evaluate", "--from", "{missing}"], ["--from", "no such file"]),
    (["evaluate", "--from", "{ckpt}", "--head", "{missing}"], ["--head", "no such file"]),
    # export / swap-head
    (["export", "--from", "{ckpt}", "--out", "{out}", "--calibration-samples", "0"], ["--calibration-samples", ">= 1"]),
    (["export", "--from", "{ckpt}", "--out", "{out}", "--opset", "12"], ["--opset", ">= 18"]),
    (["export", "--from", "{ckpt}", "--out", "{out}", "--int8-min-top1-agreement", "2"], ["--int8-min-top1-agreement", "<= 1"]),
    (["export", "--from", "{ckpt}", "--out", "{out}", "--formats", "tflite"], ["--formats", "tflite"]),
    (["export", "--from", "{ckpt}", "--out", "{file}/bundle"], ["--out", "is a file"]),
    (["export", "--from", "{missing}", "--out", "{out}"], ["--from", "no such file"]),
    (["swap-head", "--bundle", "{missing}", "--head", "{missing}"], ["--bundle", "no such file"]),
    (["swap-head", "--bundle", "{bundle}", "--head", "{missing}"], ["--head", "no such file"]),
    (["swap-head", "--bundle", "{bundle}", "--head", "{head}", "--threads", "0"], ["--threads", ">= 1"]),
    # bench
    (["bench", "--bundle", "{bundle}", "--samples", "0"], ["--samples", ">= 1"]),
    (["bench", "--bundle", "{bundle}", "--iterations", "0"], ["--iterations", ">= 1"]),
    (["bench", "--bundle", "{bundle}", "--max-seconds", "-1"], ["--max-seconds", "> 0"]),
    (["bench", "--bundle", "{bundle}", "--fp32-min-top1-agreement", "1.5"], ["--fp32-min-top1-agreement", "<= 1"]),
    (["bench", "--bundle", "{missing}"], ["--bundle", "no such file"]),
    (["bench", "--bundle", "{bundle}", "--out", "{file}/bench"], ["--out", "is a file"]),
    # live
    (["live", "--source", "{video}", "--window", "0"], ["--window", ">= 1"]),
    (["live", "--source", "{video}", "--max-frames", "-1"], ["--max-frames", ">= 1"]),
    (["live", "--source", "{video}", "--min-confidence", "2"], ["--min-confidence", "<= 1"]),
    (["live", "--source", "{video}", "--threads", "0"], ["--threads", ">= 1"]),
    (["live", "--source", "{video}", "--transcript", "{file}/t.txt"], ["--transcript", "is a file"]),
    # data
    (["data", "synth", "--per-class", "0"], ["--per-class", ">= 1"]),
    (["data", "synth", "--size", "8"], ["--size", ">= 32"]),
    (["data", "synth", "--seconds-per-letter", "-3"], ["--seconds-per-letter", "> 0"]),
    (["data", "synth", "--kinds", "letters,poems"], ["--kinds", "poems"]),
    (["data", "synth", "--out", "{file}/synth"], ["--out", "is a file"]),
]


@pytest.fixture
def placeholders(tmp_path, checkpoint, bundle, new_head) -> dict[str, str]:
    file = tmp_path / "a_file.txt"
    file.write_text("not a folder")
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42")  # never opened: the flag check comes first
    return {"out": str(tmp_path / "out"), "file": str(file), "missing": str(tmp_path / "missing"), "ckpt": str(checkpoint),
            "bundle": str(bundle), "head": str(new_head), "video": str(video)}


@pytest.mark.parametrize("argv, names", FLAG_CASES, ids=[" ".join(a[:1] + [x for x in a if x.startswith("--") and x not in
                                                                             ("--from", "--bundle", "--source")][:2]) for a, _ in FLAG_CASES])
def test_bad_flag_is_refused_in_one_line(argv, names, placeholders, fails_cleanly):
    fails_cleanly(*[a.format(**placeholders) for a in argv], names=[n.format(**placeholders) for n in names])


def test_data_synth_help_prints_without_a_traceback(capsys):
    from signport.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["data", "synth", "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0 and "--per-class" in out and "90 %" in out


def test_every_command_help_renders(capsys):
    """A literal % in any help text used to crash argparse; every subcommand's --help must render."""
    from signport.cli import build_parser, main

    parser = build_parser()
    commands = [[name] for name in parser._subparsers._group_actions[0].choices]
    commands += [["data", "synth"], ["bench", "report"], ["bench", "import"], ["models", "fetch"]]
    for command in commands:
        with pytest.raises(SystemExit) as exit_info:
            main([*command, "--help"])
        assert exit_info.value.code == 0, command
    assert "usage:" in capsys.readouterr().out


# --- data that cannot train -------------------------------------------------------------------

def test_one_class_dataset_is_an_error_before_training(tmp_path, fails_cleanly):
    data = write_landmarks(tmp_path / "one.npz", labels=["A"])
    line = fails_cleanly("train", "--model", "landmarks", "--data", data, "--out", tmp_path / "out", "--threads", "1",
                         names=[str(data), "only one class"])
    assert "'A'" in line


def test_classes_lost_to_nan_rows_are_an_error(tmp_path, fails_cleanly):
    source = np.load(write_landmarks(tmp_path / "all.npz"))
    landmarks, labels = source["landmarks"].reshape(len(source["labels"]), -1), source["labels"]
    landmarks[labels == "C"] = np.nan  # every C row has no hand
    csv = tmp_path / "letters.csv"
    header = "label," + ",".join(f"{axis}{i}" for i in range(21) for axis in "xyz")
    rows = [f"{label}," + ",".join("" if np.isnan(v) else f"{v:.5f}" for v in row) for label, row in zip(labels, landmarks)]
    csv.write_text(header + "\n" + "\n".join(rows) + "\n")
    line = fails_cleanly("train", "--model", "landmarks", "--data", csv, "--out", tmp_path / "out", "--threads", "1",
                         names=[str(csv), "'C'"])
    assert "NaN" in line


def test_missing_data_path_is_named(tmp_path, fails_cleanly):
    fails_cleanly("train", "--model", "landmarks", "--data", tmp_path / "nowhere", "--out", tmp_path / "out",
                  names=str(tmp_path / "nowhere"))


# --- live ---------------------------------------------------------------------------------------

def test_png_renamed_mp4_is_not_a_video(tmp_path, checkpoint, fails_cleanly):
    import cv2

    fake = tmp_path / "hand.mp4"
    cv2.imwrite(str(tmp_path / "hand.png"), np.zeros((32, 32, 3), np.uint8))
    shutil.move(tmp_path / "hand.png", fake)
    fails_cleanly("live", "--source", fake, "--checkpoint", checkpoint, "--transcript", tmp_path / "out" / "t.txt",
                  names=[str(fake), "PNG image, not a video"])


def test_missing_video_is_named_before_models_load(tmp_path, checkpoint, fails_cleanly):
    fails_cleanly("live", "--source", tmp_path / "nope.mp4", "--checkpoint", checkpoint, names=["--source", "nope.mp4"])


# --- export calibration -------------------------------------------------------------------------

def test_missing_calibration_is_named(tmp_path, checkpoint, fails_cleanly):
    fails_cleanly("export", "--from", checkpoint, "--out", tmp_path / "out", "--formats", "onnx", "--quant", "int8",
                  "--calibration", tmp_path / "nowhere", names=["--calibration", "nowhere"])


def test_calibration_of_the_wrong_input_kind_is_named(tmp_path, checkpoint, fails_cleanly):
    import cv2

    for label in ("A", "B"):
        (tmp_path / "images" / label).mkdir(parents=True)
        for i in range(3):
            cv2.imwrite(str(tmp_path / "images" / label / f"{i}.png"), np.full((32, 32, 3), 40 * i, np.uint8))
    fails_cleanly("export", "--from", checkpoint, "--out", tmp_path / "out", "--formats", "onnx", "--quant", "int8",
                  "--calibration", tmp_path / "images", names=["--calibration", "landmarks input"])


def test_calibration_accepts_the_landmark_file_train_reads(tmp_path, checkpoint, landmarks_file, cli):
    code, out, err = cli("export", "--from", checkpoint, "--out", tmp_path / "out", "--formats", "onnx", "--quant", "int8",
                         "--no-fused", "--calibration", landmarks_file, "--calibration-samples", "24", "--parity-samples", "16",
                         "--int8-min-top1-agreement", "0", "--threads", "1", "--no-progress")
    assert code == 0, err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["calibration"] == {"source": str(landmarks_file), "calibration_samples": 24, "parity_samples": 16}
    assert {a["precision"] for a in manifest["artifacts"] if a["role"] == "backbone"} == {"int8"}


def test_a_one_class_checkpoint_is_refused_before_export(tmp_path, fails_cleanly):
    """Made before training refused one-class data, or by hand: export names the checkpoint, not a staging manifest."""
    import torch

    from signport.core.checkpoint import CheckpointMeta, save_checkpoint
    from signport.models import backbone_fingerprint, build_model
    from signport.models.registry import model_preprocessing

    torch.manual_seed(0)
    model = build_model("landmarks", 1, hidden=[8])
    ckpt = save_checkpoint(tmp_path / "one", model.state_dict(), CheckpointMeta(
        architecture="landmarks", arch_args={"hidden": [8]}, labels=["A"],
        preprocessing=model_preprocessing("landmarks", hidden=[8]).to_dict(),
        backbone_fingerprint=backbone_fingerprint(model), embedding_size=model.embedding_size))
    fails_cleanly("export", "--from", ckpt, "--out", tmp_path / "out", "--formats", "onnx", names=[str(ckpt), "one class"])
