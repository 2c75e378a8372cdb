"""int8 on a convolutional backbone: a tiny MobileNetV2 trained on separable colour patterns.

Slow (training a CNN, even a tiny one, takes minutes on 2 cores: depthwise-conv backward is
slow on CPU), so it is marked slow; the fast suite checks int8 agreement on the landmark MLP.
Random-init MobileNets cannot stand in: they are chaotic (int8 embedding cosine ~0.3) and
separate nothing, so agreement on them measures noise.
"""

import pytest

from signport.export.calibration import samples_from_arrays
from signport.export.config import ExportConfig
from signport.export.pipeline import export_bundle
from signport.models.registry import model_preprocessing
from toy_models import MOBILENET_ARGS, accuracy, image_inputs, train_checkpoint


@pytest.mark.slow
def test_int8_mobilenet_agrees_with_fp32_eager_on_98_percent_of_held_out_images(tmp_path):
    prep = model_preprocessing("mobilenet_v2", **MOBILENET_ARGS)
    size = MOBILENET_ARGS["input_size"]
    checkpoint = train_checkpoint(tmp_path / "ckpt", "mobilenet_v2", MOBILENET_ARGS, lambda n, seed: image_inputs(n, seed, size, prep), steps=150, lr=1e-3)
    held_out, targets = image_inputs(200, 5, size, prep)
    assert accuracy(checkpoint, held_out, targets) >= 0.9, "the toy CNN did not learn its task; agreement would be meaningless"
    samples = samples_from_arrays(image_inputs(64, 4, size, prep)[0], held_out, "toy colour patterns (held out)")
    config = ExportConfig(checkpoint=checkpoint, out=tmp_path / "bundle", formats=("executorch", "onnx"), quant=("int8",), fused=False, executorch_coreml=False)
    report = export_bundle(config, samples=samples)
    rows = [a for a in report.manifest["artifacts"] if a["role"] == "backbone"]
    assert {r["id"] for r in rows} == {"executorch-backbone-int8", "onnx-backbone-int8"}
    for row in rows:
        assert row["parity"]["top1_agreement"] >= 0.98, row["id"]
        assert "whole graph delegated" in row["notes"] or row["format"] == "onnx"
