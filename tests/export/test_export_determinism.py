"""Exporting the same checkpoint twice gives byte-identical artifacts in every format.

ExecuTorch and ONNX are deterministic as the toolchains write them. Core ML packages are made
so by the exporter (sorted protobuf maps, path-derived Manifest.json identifiers, no
conversion date). Not byte-identical, by design: manifest.json and head.json record the
export time.
"""

from signport.core.manifest import load_manifest
from signport.export.config import ExportConfig
from signport.export.pipeline import export_bundle
from toy_models import FORMATS, landmark_samples


def test_same_checkpoint_exports_byte_identical_artifacts(landmark_bundle, landmark_checkpoint, tmp_path):
    again = tmp_path / "again"
    config = ExportConfig(checkpoint=landmark_checkpoint, out=again, formats=FORMATS, quant=("fp32", "int8"), fused=False, executorch_coreml=False)
    export_bundle(config, samples=landmark_samples())
    first = {a["id"]: a["sha256"] for a in load_manifest(landmark_bundle)["artifacts"]}
    second = {a["id"]: a["sha256"] for a in load_manifest(again)["artifacts"]}
    assert sorted(second) == sorted([
        "executorch-backbone-fp32", "executorch-head-fp32", "executorch-backbone-int8",
        "onnx-backbone-fp32", "onnx-head-fp32", "onnx-backbone-int8",
        "coreml-backbone-fp16", "coreml-head-fp32", "coreml-backbone-int8",
    ])
    assert second == {k: first[k] for k in second}
    for name in ("head.bin", "head.safetensors"):
        assert (again / name).read_bytes() == (landmark_bundle / name).read_bytes()
