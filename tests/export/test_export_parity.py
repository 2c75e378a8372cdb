"""Every family exports to every format it supports, and each artifact matches eager PyTorch:
checked at export time (the manifest's parity block) and re-checked here through signport.runtime."""

import numpy as np
import pytest
import torch

from toy_models import PARITY_SAMPLES, landmark_samples
from signport.core.heads import head_from_bin
from signport.core.manifest import load_manifest
from signport.runtime import BundleModel, load_runner
from signport.models import model_from_checkpoint


def _rows(bundle, **match):
    manifest = load_manifest(bundle)
    return [a for a in manifest["artifacts"] if all(a[k] == v for k, v in match.items())]


def _measured(row):
    return row["parity"] and row["parity"].get("measured")


@pytest.mark.parametrize("bundle_name", ["landmark_bundle", "mobilenet_bundle", "clip_bundle"])
def test_fp32_artifacts_match_eager_at_export_time(request, bundle_name):
    bundle = request.getfixturevalue(bundle_name)
    rows = [r for r in _rows(bundle, precision="fp32") if _measured(r)]
    assert {r["format"] for r in rows} >= {"onnx", "executorch"}
    for row in rows:
        parity = row["parity"]
        assert parity["samples"] == PARITY_SAMPLES, row["id"]
        assert parity["top1_agreement"] == 1.0, row["id"]
        assert parity["max_logit_delta_rel_range"] <= 1e-3, row["id"]
        assert parity["passed"] is True
        if row["role"] == "backbone":
            assert parity["embedding_cosine_min"] > 0.9999, row["id"]


def test_int8_artifacts_agree_with_fp32_eager_on_held_out_inputs(landmark_bundle):
    rows = [r for r in _rows(landmark_bundle, precision="int8") if _measured(r)]
    assert {(r["format"], r["role"]) for r in rows} == {("executorch", "backbone"), ("executorch", "model"), ("onnx", "backbone"), ("onnx", "model")}
    for row in rows:
        assert row["parity"]["top1_agreement"] >= 0.98, row["id"]
        # int8 is not bit-exact: a delta of zero would mean the artifact was not quantized at all.
        assert row["parity"]["max_abs_logit_delta"] > 1e-4, row["id"]
    fp32 = {r["format"]: r["size_bytes"] for r in _rows(landmark_bundle, precision="fp32", role="backbone")}
    for row in [r for r in rows if r["role"] == "backbone"]:
        assert row["size_bytes"] < fp32[row["format"]], f"{row['id']} is not smaller than its fp32 backbone"


@pytest.mark.parametrize("fmt", ["onnx", "executorch"])
def test_bundle_model_reproduces_eager_logits(landmark_bundle, landmark_checkpoint, fmt):
    """Re-run outside the exporter: backbone artifact + head.bin, as the phone apps compose them."""
    inputs = landmark_samples().parity[:50]
    model, _ = model_from_checkpoint(landmark_checkpoint)
    with torch.no_grad():
        expected = model(torch.from_numpy(inputs)).numpy()
    logits = BundleModel(landmark_bundle, format=fmt, precision="fp32").logits(inputs)
    assert np.abs(logits - expected).max() <= 1e-3 * np.ptp(expected)
    assert (logits.argmax(1) == expected.argmax(1)).all()


def test_head_artifacts_and_head_bin_agree_with_checkpoint_head(landmark_bundle, landmark_checkpoint):
    model, _ = model_from_checkpoint(landmark_checkpoint)
    manifest = load_manifest(landmark_bundle)
    head = manifest["head"]
    weight, bias = head_from_bin((landmark_bundle / head["bin"]).read_bytes(), head["num_classes"], head["embedding_size"])
    np.testing.assert_array_equal(weight, model.head.fc.weight.detach().numpy())
    np.testing.assert_array_equal(bias, model.head.fc.bias.detach().numpy())
    embedding = np.random.default_rng(0).standard_normal((8, head["embedding_size"])).astype(np.float32)
    for row in _rows(landmark_bundle, role="head"):
        if row["format"] == "coreml":
            continue
        out = load_runner(landmark_bundle / row["path"], row["format"]).run(embedding)
        np.testing.assert_allclose(out, embedding @ weight.T + bias, rtol=1e-4, atol=1e-4)
    assert all(r["precision"] == "fp32" for r in _rows(landmark_bundle, role="head")), "the head stays fp32 unless asked"


def test_manifest_describes_artifacts_for_the_demos(mobilenet_bundle):
    manifest = load_manifest(mobilenet_bundle)
    assert manifest["preprocessing"]["input_size"] == [32, 32]
    assert manifest["embedding_size"] == 1280 and manifest["head"]["num_classes"] == 4
    assert manifest["toolchain"]["executorch"] == "1.5.1" and manifest["toolchain"]["torch"].startswith("2.")
    backbone = _rows(mobilenet_bundle, format="executorch", role="backbone", precision="fp32")[0]
    assert backbone["path"] == "executorch/backbone-fp32.pte" and backbone["delegate"] == "xnnpack"
    assert backbone["inputs"] == [{"name": "image", "shape": [1, 3, 32, 32], "dtype": "float32"}]
    assert backbone["outputs"] == [{"name": "embedding", "shape": [1, 1280], "dtype": "float32"}]
    assert "whole graph delegated" in backbone["notes"]
    assert (mobilenet_bundle / backbone["path"]).stat().st_size == backbone["size_bytes"]


def test_3d_family_runs_on_executorch_xnnpack_through_the_2d_rewrite(clip_bundle, clip_checkpoint):
    # ExecuTorch 1.5.1 cannot run Conv3d; the registered rewrite (signport/models/rewrite_3d.py, registered in export/transforms.py) makes the
    # whole 3-D backbone an XNNPACK graph, and its answers are the original 3-D model's.
    manifest = load_manifest(clip_bundle)
    assert not [s for s in manifest["skipped"] if s["format"] == "executorch" and s["delegate"] == "xnnpack"]
    backbone = _rows(clip_bundle, format="executorch", role="backbone", delegate="xnnpack")[0]
    assert "whole graph delegated" in backbone["notes"]
    assert backbone["inputs"][0]["shape"] == [1, 3, 4, 32, 32]
    assert backbone["parity"]["max_logit_delta_rel_range"] <= 1e-3 and backbone["parity"]["top1_agreement"] == 1.0
    model, _ = model_from_checkpoint(clip_checkpoint)
    clip = torch.randn(2, 3, 4, 32, 32)
    with torch.no_grad():
        expected = model.backbone(clip).numpy()
    runner = load_runner(clip_bundle / backbone["path"], "executorch", threads=1)
    actual = np.concatenate([runner.run(c[None].numpy()) for c in clip])
    # float32 rounding differs between CPUs (AVX2, AVX-512, ARM kernels sum in other orders), so the
    # bound is relative to the embeddings' scale: 1e-4 of their largest magnitude.
    scale = float(np.abs(expected).max())
    assert float(np.abs(actual - expected).max()) <= 1e-4 * scale, (np.abs(actual - expected).max(), scale)
    # Core ML and ONNX take the same rewrite; Core ML's weights still validate against it.
    coreml = _rows(clip_bundle, format="coreml", role="backbone")[0]
    assert coreml["parity"]["validation"]["passed"], coreml["parity"]["validation"]["failures"]
    assert _rows(clip_bundle, format="onnx", role="backbone")[0]["inputs"][0]["shape"] == [1, 3, 4, 32, 32]


def test_onnx_dynamic_batch_runs_a_whole_batch_in_one_call(landmark_checkpoint, tmp_path):
    from signport.export.config import ExportConfig
    from signport.export.pipeline import export_bundle

    report = export_bundle(
        ExportConfig(checkpoint=landmark_checkpoint, out=tmp_path / "b", formats=("onnx",), fused=False, dynamic_batch=True, parity_samples=50),
        samples=landmark_samples(),
    )
    backbone = next(a for a in report.manifest["artifacts"] if a["role"] == "backbone")
    assert backbone["inputs"][0]["shape"] == ["batch", 63] and backbone["parity"]["passed"]
    runner = load_runner(tmp_path / "b" / backbone["path"], "onnx")
    assert runner.input_shape == (None, 63)
    assert runner.run(landmark_samples().parity[:9]).shape == (9, 32)
