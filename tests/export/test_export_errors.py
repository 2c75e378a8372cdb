"""Bad input and failed exports: a clear error naming the cause, and nothing half-written."""

import json
import shutil

import numpy as np
import pytest

from toy_models import landmark_samples
from signport.core.errors import BundleError, DataError, InputError, ToolchainError, VerdictError
from signport.core.manifest import load_manifest
from signport.export.config import ExportConfig
from signport.export.pipeline import export_bundle
from signport.runtime import BundleModel


def test_int8_without_calibration_set_names_the_flag(landmark_checkpoint, tmp_path):
    with pytest.raises(InputError, match="int8 export needs a calibration set: pass --calibration"):
        export_bundle(ExportConfig(checkpoint=landmark_checkpoint, out=tmp_path / "b", formats=("onnx",), quant=("int8",)))
    assert not (tmp_path / "b").exists()


def test_missing_calibration_folder_is_named(landmark_checkpoint, tmp_path):
    with pytest.raises(DataError, match="--calibration .*nowhere does not exist"):
        export_bundle(ExportConfig(checkpoint=landmark_checkpoint, out=tmp_path / "b", formats=("onnx",), quant=("int8",), calibration=str(tmp_path / "nowhere")))


def test_calibration_folder_with_wrong_shapes_is_named(landmark_checkpoint, tmp_path):
    (tmp_path / "calib").mkdir()
    np.save(tmp_path / "calib" / "bad.npy", np.zeros((4, 10), np.float32))
    with pytest.raises(DataError, match=r"bad.npy: array of shape \(4, 10\)"):
        export_bundle(ExportConfig(checkpoint=landmark_checkpoint, out=tmp_path / "b", formats=("onnx",), quant=("int8",), calibration=str(tmp_path / "calib")))


def test_bundle_whose_files_were_modified_is_rejected_by_name(landmark_bundle, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(landmark_bundle, bundle)
    target = bundle / "onnx" / "backbone-fp32.onnx"
    target.write_bytes(target.read_bytes() + b"\0")
    with pytest.raises(BundleError, match="backbone-fp32.onnx does not match .*manifest.json"):
        load_manifest(bundle)
    with pytest.raises(BundleError, match="backbone-fp32.onnx"):
        BundleModel(bundle, format="onnx")


def test_bundle_missing_a_listed_file_is_rejected_by_name(landmark_bundle, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(landmark_bundle, bundle)
    (bundle / "head.bin").unlink()
    with pytest.raises(BundleError, match="head.bin is listed in .* but missing"):
        load_manifest(bundle)


def test_unsupported_operator_only_format_fails_clearly_and_writes_nothing(clip_checkpoint, tmp_path, monkeypatch):
    # Without its registered 3-D -> 2-D rewrite, the video family hits XNNPACK's missing Conv3d.
    import signport.export.transforms  # noqa: F401  (registers the rewrite, which is then removed)
    from signport.export.modules import PRE_EXPORT_TRANSFORMS

    monkeypatch.setitem(PRE_EXPORT_TRANSFORMS, "mobilenet_v2_3d", [])
    with pytest.raises(ToolchainError, match="nothing could be exported .*Conv3d unsupported by XNNPACK"):
        export_bundle(ExportConfig(checkpoint=clip_checkpoint, out=tmp_path / "b", formats=("executorch",), fused=False, executorch_coreml=False, parity_samples=4))
    assert not (tmp_path / "b").exists()
    assert not list(tmp_path.glob(".b.staging-*")), "staging folder left behind"


def test_failed_verdict_leaves_existing_bundle_untouched(landmark_checkpoint, tmp_path):
    out = tmp_path / "bundle"
    good = ExportConfig(checkpoint=landmark_checkpoint, out=out, formats=("onnx",), fused=False, parity_samples=50)
    export_bundle(good, samples=landmark_samples())
    before = (out / "manifest.json").read_bytes()
    impossible = ExportConfig(checkpoint=landmark_checkpoint, out=out, formats=("onnx",), fused=False, parity_samples=50, fp32_min_top1_agreement=1.01)
    with pytest.raises(VerdictError, match="parity check failed, no bundle written: onnx-backbone-fp32: top1_agreement 1 \\(needs >= 1.01\\)"):
        export_bundle(impossible, samples=landmark_samples())
    assert (out / "manifest.json").read_bytes() == before
    load_manifest(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]


def test_parity_failure_can_be_recorded_instead_of_failing(landmark_checkpoint, tmp_path):
    config = ExportConfig(checkpoint=landmark_checkpoint, out=tmp_path / "b", formats=("onnx",), fused=False, parity_samples=50,
                          fp32_min_top1_agreement=1.01, on_parity_failure="warn")
    report = export_bundle(config, samples=landmark_samples())
    assert report.failures and report.manifest["verification"]["passed"] is False
    saved = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert saved["artifacts"][0]["parity"]["failures"] == ["top1_agreement 1 (needs >= 1.01)"]


def test_out_folder_that_is_not_a_bundle_is_never_replaced(landmark_checkpoint, tmp_path):
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="precious exists and is not a signport bundle"):
        export_bundle(ExportConfig(checkpoint=landmark_checkpoint, out=tmp_path / "precious", formats=("onnx",)))
    assert (tmp_path / "precious" / "notes.txt").read_text() == "keep me"


def test_unknown_format_and_precision_are_named():
    with pytest.raises(InputError, match="--formats tflite not understood"):
        ExportConfig(checkpoint="c", out="o", formats="onnx,tflite")
    with pytest.raises(InputError, match="--quant int4 not understood"):
        ExportConfig(checkpoint="c", out="o", quant="int4")
