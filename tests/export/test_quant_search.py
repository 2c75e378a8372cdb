"""--quant auto decision rules and the float-layer schedule (pure), and the per-layer int8 error on a tiny real model."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from signport.export.int8_debug import compare_graphs, first_below, layer_errors, sqnr_db
from signport.export.op_check import coverage_from_rows, coverage_lines
from signport.export.quant_search import SearchPoint, decide, float_layer_schedule


def points(*specs):
    return [SearchPoint(name, precision, [], top1, p50) for name, precision, top1, p50 in specs]


def test_decide_takes_the_fastest_int8_within_the_limit():
    found = points(("fp32", "fp32", 0.90, 4.0), ("int8 all", "int8", 0.85, 2.0), ("int8 2 float", "int8", 0.895, 2.5))
    best, reason = decide(found, 1.0, None)
    assert best.name == "int8 2 float" and best.chosen and "0.62x fp32" in reason
    assert found[1].within_limit is False and found[1].drop_points == pytest.approx(5.0)


def test_decide_drops_int8_when_it_is_slower_than_fp32():
    best, reason = decide(points(("fp32", "fp32", 0.90, 4.0), ("int8 all", "int8", 0.90, 5.0)), 1.0, None)
    assert best.precision == "fp32" and "slower than fp32" in reason


def test_decide_prefers_configurations_within_the_budget():
    found = points(("fp32", "fp32", 0.90, 40.0), ("int8 all", "int8", 0.80, 20.0), ("int8 1 float", "int8", 0.899, 30.0))
    best, _ = decide(found, 1.0, 33.0)
    assert best.name == "int8 1 float" and found[0].within_budget is False


def test_float_layer_schedule_doubles_then_takes_all():
    assert [len(s) for s in float_layer_schedule(list("abcdefghij"))] == [1, 2, 4, 8, 10]
    assert float_layer_schedule(["a"]) == [["a"]]


def test_layer_errors_are_infinite_for_identical_outputs_and_fall_with_noise():
    reference = [torch.ones(4, 8), torch.ones(4, 8)]
    assert all(math.isinf(e.sqnr_db) for e in layer_errors(["a", "b"], reference, reference))
    noisy = [torch.ones(4, 8) + 0.01, torch.ones(4, 8) + 0.1]
    errors = layer_errors(["a", "b"], reference, noisy)
    assert errors[0].sqnr_db == pytest.approx(40.0) and errors[1].sqnr_db == pytest.approx(20.0)
    assert errors[1].drop_db == pytest.approx(20.0)
    assert first_below(errors, 30.0).layer == "b"
    assert sqnr_db(torch.ones(3), torch.zeros(3)) == pytest.approx(0.0)


def test_int8_per_layer_error_of_a_real_pt2e_model_names_its_layers():
    from signport.export.formats.executorch import quantize_pt2e, xnnpack_int8_quantizer

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4)).eval()
    inputs = np.random.default_rng(0).standard_normal((24, 3, 8, 8)).astype(np.float32)
    example = (torch.from_numpy(inputs[:1]),)
    int8 = quantize_pt2e(model, example, xnnpack_int8_quantizer(model), inputs[:16])
    errors = compare_graphs(torch.export.export(model, example).module(), int8.module(), inputs[16:])
    assert [e.layer for e in errors] == ["0", "3", "7"]
    assert all(15.0 < e.sqnr_db < 60.0 for e in errors)  # int8 noise, not a mismatch (~0 dB) and not identity (inf)
    kept = quantize_pt2e(model, example, xnnpack_int8_quantizer(model, float_layers=("3",)), inputs[:16])
    kept_errors = compare_graphs(torch.export.export(model, example).module(), kept.module(), inputs[16:])
    assert kept_errors[1].drop_db < errors[1].drop_db  # keeping layer 3 float removes its own loss


def test_coverage_rows_report_undelegated_ops_with_a_fix_and_skips_with_their_reason():
    artifacts = [{"format": "executorch", "delegate": "xnnpack", "role": "backbone", "precision": "fp32", "undelegated_ops": ["aten.gelu"]},
                 {"format": "onnx", "delegate": None, "role": "backbone", "precision": "fp32"},
                 {"format": "executorch", "delegate": "xnnpack", "role": "head", "precision": "fp32", "undelegated_ops": []}]
    skipped = [{"format": "executorch", "delegate": "coreml", "role": "backbone", "precision": "fp16", "status": "skipped", "reason": "no macOS"}]
    coverage = coverage_from_rows(artifacts, skipped)
    assert coverage["executorch-xnnpack"] == [{"role": "backbone", "precision": "fp32", "status": "partial",
                                               "ops": [{"op": "aten.gelu", "fix": "use ReLU/Hardswish, which XNNPACK fuses"}]}]
    assert coverage["onnxruntime"][0]["status"] == "full" and coverage["executorch-coreml"][0]["reason"] == "no macOS"
    assert any("aten.gelu" in line for line in coverage_lines(coverage))
