"""`signport export --check`: operator coverage per runtime from the real toolchains, nothing written."""

from __future__ import annotations

from signport.cli import main
from signport.export.config import ExportConfig
from signport.export.op_check import check_export


def test_check_lowers_every_runtime_and_writes_nothing(landmark_checkpoint, tmp_path, capsys):
    coverage = check_export(ExportConfig(checkpoint=landmark_checkpoint, check=True, formats=("executorch", "onnx"),
                                         executorch_coreml=False))
    assert set(coverage) == {"executorch-xnnpack", "onnxruntime"}
    # The landmark model normalises hands in-graph (wrist-relative, divided by a norm): XNNPACK 1.5.1
    # takes the linear layers but leaves select/pow/sum to the portable kernels, and --check says so.
    xnnpack = {e["role"]: e for e in coverage["executorch-xnnpack"]}
    assert set(xnnpack) == {"backbone", "model"} and xnnpack["backbone"]["status"] == "partial"
    assert {"aten.select_copy", "aten.pow", "aten.sum"} <= {o["op"] for o in xnnpack["backbone"]["ops"]}
    assert all("portable kernels" in o["fix"] for o in xnnpack["backbone"]["ops"])
    assert all(e["status"] == "full" for e in coverage["onnxruntime"])
    out = tmp_path / "never"
    assert main(["export", "--from", str(landmark_checkpoint), "--check", "--formats", "onnx"]) == 0
    assert "onnxruntime" in capsys.readouterr().out and not out.exists()


def test_quant_auto_needs_labelled_data(landmark_checkpoint, tmp_path, capsys):
    code = main(["export", "--from", str(landmark_checkpoint), "--out", str(tmp_path / "b"), "--quant", "auto",
                 "--calibration", "synthetic", "--formats", "executorch"])
    assert code == 2 and "--data" in capsys.readouterr().err and not (tmp_path / "b").exists()


def test_quant_auto_cannot_be_combined():
    import pytest

    from signport.core.errors import InputError

    with pytest.raises(InputError, match="auto decides"):
        ExportConfig(checkpoint="x", out="y", quant=("auto", "int8"))
