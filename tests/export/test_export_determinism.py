"""Exporting the same checkpoint twice gives byte-identical ExecuTorch and ONNX artifacts.

What is NOT byte-identical, by design: manifest.json and head.json (they record the export
time) and Core ML packages (coremltools stamps the conversion date into the model metadata);
their contents are compared by sha256 of the weights they describe instead (head.bin).
"""

from signport.core.manifest import load_manifest
from signport.export.config import ExportConfig
from signport.export.pipeline import export_bundle
from toy_models import landmark_samples


def test_same_checkpoint_exports_byte_identical_executorch_and_onnx(landmark_bundle, landmark_checkpoint, tmp_path):
    again = tmp_path / "again"
    config = ExportConfig(checkpoint=landmark_checkpoint, out=again, formats=("executorch", "onnx"), quant=("fp32", "int8"),
                          fused=False, executorch_coreml=False)
    export_bundle(config, samples=landmark_samples())
    first = {a["id"]: a["sha256"] for a in load_manifest(landmark_bundle)["artifacts"]}
    second = {a["id"]: a["sha256"] for a in load_manifest(again)["artifacts"]}
    compared = sorted(second)
    assert compared == sorted(
        f"{fmt}-{role}-{precision}" for fmt in ("executorch", "onnx") for role, precision in
        (("backbone", "fp32"), ("head", "fp32"), ("backbone", "int8"))
    )
    assert {k: second[k] for k in compared} == {k: first[k] for k in compared}
    assert (again / "head.bin").read_bytes() == (landmark_bundle / "head.bin").read_bytes()
    assert (again / "head.safetensors").read_bytes() == (landmark_bundle / "head.safetensors").read_bytes()
