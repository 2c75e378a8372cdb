"""Core ML: built and validated on Linux without predict (weights read back from the package),
image input and class labels as promised, and the Core ML-delegated ExecuTorch program."""

import json
import platform

import pytest
import torch

from signport.core.errors import ToolchainError
from signport.core.manifest import load_manifest
from signport.export.formats.coreml import weight_check
from signport.runtime import load_runner
from signport.models import build_model, model_from_checkpoint

pytestmark = pytest.mark.skipif(platform.system() == "Darwin", reason="on macOS Core ML parity is measured instead")


def _coreml_rows(bundle):
    return [a for a in load_manifest(bundle)["artifacts"] if a["format"] == "coreml"]


@pytest.mark.parametrize("bundle_name", ["landmark_bundle", "mobilenet_bundle", "clip_bundle"])
def test_every_family_converts_and_validates_against_checkpoint_weights(request, bundle_name):
    rows = _coreml_rows(request.getfixturevalue(bundle_name))
    assert {r["role"] for r in rows} >= {"backbone", "head"}
    for row in rows:
        parity = row["parity"]
        assert parity["measured"] is False and parity["reason"] == "not measured: Core ML predict needs macOS"
        weights = parity["validation"]["weights"]
        assert parity["passed"] is True, (row["id"], parity["failures"])
        assert weights["checked"] == weights["matched"] > 0, row["id"]
        assert weights["max_relative_error"] <= weights["tolerance"]


def test_precisions_carry_their_tolerances_and_shrink_the_package(landmark_bundle):
    rows = {r["precision"]: r for r in _coreml_rows(landmark_bundle) if r["role"] == "backbone"}
    assert set(rows) == {"fp16", "int8", "palettized6"}
    errors = {p: r["parity"]["validation"]["weights"]["max_relative_error"] for p, r in rows.items()}
    assert 0 < errors["fp16"] < 2e-3 and errors["fp16"] < errors["int8"] <= 1 / 127
    assert rows["palettized6"]["size_bytes"] < rows["int8"]["size_bytes"] < rows["fp16"]["size_bytes"]
    heads = [r for r in _coreml_rows(landmark_bundle) if r["role"] == "head"]
    assert [h["precision"] for h in heads] == ["fp32"] and heads[0]["parity"]["validation"]["weights"]["max_relative_error"] == 0


def test_weight_validation_fails_for_weights_of_another_model(landmark_bundle, landmark_checkpoint):
    torch.manual_seed(123)
    model, _ = model_from_checkpoint(landmark_checkpoint)
    stranger = build_model("landmarks", 4, hidden=[64, 32]).eval()
    package = landmark_bundle / "coreml" / "backbone-fp16.mlpackage"
    assert weight_check(package, model.backbone, "fp16")["failures"] == []
    failures = weight_check(package, stranger.backbone, "fp16")["failures"]
    assert any(f.startswith("weight mlp.1.weight: no package weight within") for f in failures)


def test_image_input_and_labels_are_in_the_package(mobilenet_bundle, landmark_bundle):
    import coremltools as ct

    spec = ct.utils.load_spec(str(mobilenet_bundle / "coreml" / "backbone-fp16.mlpackage"))
    image = spec.description.input[0]
    assert image.name == "image" and image.type.WhichOneof("Type") == "imageType"
    assert (image.type.imageType.height, image.type.imageType.width) == (32, 32)
    assert json.loads(spec.description.metadata.userDefined["signport.labels"]) == ["A", "B", "C", "D"]

    fused = ct.utils.load_spec(str(landmark_bundle / "coreml" / "model-fp16.mlpackage"))
    assert fused.description.predictedFeatureName == "classLabel"
    assert fused.description.predictedProbabilitiesName == "classLabel_probs"
    classify = [op for op in _mil_ops(landmark_bundle / "coreml" / "model-fp16.mlpackage") if op.op_type == "classify"]
    assert list(classify[0].inputs["classes"].val) == ["A", "B", "C", "D"]


def test_coreml_runner_refuses_on_linux(landmark_bundle):
    with pytest.raises(ToolchainError, match="Core ML predict needs macOS"):
        load_runner(landmark_bundle / "coreml" / "backbone-fp16.mlpackage", "coreml")


def test_coreml_delegated_executorch_program_is_built_but_not_run_here(landmark_bundle):
    rows = [a for a in load_manifest(landmark_bundle)["artifacts"] if a["delegate"] == "coreml"]
    assert {(r["role"], r["precision"]) for r in rows} == {("backbone", "fp16"), ("model", "fp16")}
    for row in rows:
        assert row["path"].endswith("-coreml.pte") and "whole graph delegated" in row["notes"]
        assert row["parity"]["measured"] is False and "CoreMLBackend" in row["parity"]["reason"]
    with pytest.raises(ToolchainError, match="runs only on a runtime built with it"):
        load_runner(landmark_bundle / rows[0]["path"], "executorch")


def _mil_ops(package):
    import coremltools as ct
    from coremltools.converters.mil.frontend.milproto import load as milproto

    model = ct.models.MLModel(str(package), skip_model_load=True)
    spec = model.get_spec()
    return list(milproto.load(spec, spec.specificationVersion, model.weights_dir).functions["main"].operations)
