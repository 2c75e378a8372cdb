"""int8 on a convolutional backbone: a tiny MobileNetV2 trained on separable colour patterns.

Slow (training a CNN, even a tiny one, takes minutes on 2 cores: depthwise-conv backward is
slow on CPU), so it is marked slow; the fast suite checks int8 agreement on the landmark MLP.
Random-init MobileNets cannot stand in: they are chaotic (int8 embedding cosine ~0.3) and
separate nothing, so agreement on them measures noise.
"""

import pytest

from signport.core.host import host_description
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
    host = host_description()
    for row in rows:
        # Measured on whatever CPU runs the suite (AVX2-only, AVX-512, VNNI, ARM): the export's int8
        # settings must keep parity on every one of them, and the manifest says where it was measured.
        assert row["parity"]["top1_agreement"] >= 0.98, (row["id"], host["isa"])
        assert row["parity"]["measured_on"]["isa"] == host["isa"]
        assert row["quantization"]["host_independent"] is True
        assert "whole graph delegated" in row["notes"] or row["format"] == "onnx"


def test_onnx_int8_uses_7_bit_weights_so_x86_without_vnni_cannot_saturate():
    # ONNX Runtime's u8s8 kernels on AVX2 / AVX-512 without VNNI sum pairs of u8 x s8 products in
    # int16 (VPMADDUBSW): 2 x 255 x 127 overflows, 2 x 255 x 63 does not.
    from signport.export.formats.onnx import describe_ort_options, ort_int8_options

    options = ort_int8_options()
    assert options["reduce_range"] is True and options["per_channel"] is True
    assert 2 * 255 * 63 <= 32767 < 2 * 255 * 127
    described = describe_ort_options(options)
    assert described["host_independent"] is True and "7-bit" in described["weights"]
