"""`signport export` and `signport swap-head` from the command line: flags, table, exit codes."""

import numpy as np

from signport.cli import main
from signport.core.manifest import load_manifest
from toy_models import landmark_inputs


def test_export_cli_calibrates_from_a_folder_and_prints_the_format_table(landmark_checkpoint, tmp_path, capsys):
    calibration = tmp_path / "calib"
    calibration.mkdir()
    hands, _ = landmark_inputs(120, 11)
    np.save(calibration / "batch.npy", hands.reshape(120, 21, 3))  # MediaPipe's (21, 3) layout is accepted too
    code = main([
        "export", "--from", str(landmark_checkpoint), "--formats", "onnx", "--quant", "fp32,int8", "--no-fused",
        "--calibration", str(calibration), "--calibration-samples", "60", "--out", str(tmp_path / "bundle"), "--no-progress",
    ])
    out = capsys.readouterr().out
    assert code == 0
    assert "onnx-backbone-int8" in out and "top-1" in out and "bundle:" in out
    manifest = load_manifest(tmp_path / "bundle")
    assert manifest["calibration"] == {"source": str(calibration), "calibration_samples": 60, "parity_samples": 60}
    int8 = next(a for a in manifest["artifacts"] if a["precision"] == "int8")
    assert int8["parity"]["top1_agreement"] >= 0.98


def test_export_cli_missing_calibration_exits_2_with_one_line(landmark_checkpoint, tmp_path, capsys):
    code = main(["export", "--from", str(landmark_checkpoint), "--quant", "int8", "--out", str(tmp_path / "b")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "int8 export needs a calibration set" in err


def test_swap_head_cli_reports_changes(landmark_bundle, tmp_path, capsys):
    import shutil

    from signport.core.heads import load_head, save_head

    bundle = tmp_path / "bundle"
    shutil.copytree(landmark_bundle, bundle)
    head = load_head(bundle / "head.safetensors")
    head.weight = head.weight * 0.5
    head.manifest.metrics = {"val_top1": 0.9}
    save_head(tmp_path / "mine", head)
    assert main(["swap-head", "--bundle", str(bundle), "--head", str(tmp_path / "mine.safetensors")]) == 0
    out = capsys.readouterr().out
    assert "labels added: none; removed: none" in out
    assert "new head: val_top1 0.9" in out and "old head: " in out and "new head: val_top1 0.9" not in out.split("old head: ")[1].splitlines()[0]
    assert "executorch/head-fp32.pte" in out
