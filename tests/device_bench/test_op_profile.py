"""Per-operator profile parsing: ranking operator kinds and ONNX Runtime's trace."""

from __future__ import annotations

import pytest

from signport.device_bench.op_profile import is_compute, onnx_profile_from_trace, operator_kind, rank_operators


def test_operator_kind_drops_the_instance_number():
    assert operator_kind("Convolution (NHWC, F32) IGEMM #12") == "Convolution (NHWC, F32) IGEMM"
    assert is_compute("Fully Connected (NC, QS8, QC8W) GEMM") and not is_compute("Transpose (ND, X32)")


def test_rank_operators_sums_instances_and_shares():
    rows = rank_operators([("Conv #1", 2.0, True, "Xnn"), ("Conv #2", 1.0, True, "Xnn"), ("aten.add", 1.0, False, "portable kernels")], 4.0)
    assert [(r.operator, r.count, r.ms, r.share, r.delegated) for r in rows] == [
        ("Conv", 2, 3.0, 0.75, True), ("aten.add", 1, 1.0, 0.25, False)]


def node(name, op, ts, dur):
    return {"cat": "Node", "name": f"{name}_kernel_time", "ts": ts, "dur": dur, "args": {"op_name": op, "provider": "CPUExecutionProvider"}}


def test_onnx_trace_drops_the_first_run_and_averages_the_rest():
    trace = [{"cat": "Session", "name": "model_run", "ts": 0, "dur": 100}, node("conv1", "Conv", 10, 900),
             {"cat": "Session", "name": "model_run", "ts": 200, "dur": 50}, node("conv1", "Conv", 210, 30), node("relu", "Relu", 240, 10),
             {"cat": "Session", "name": "model_run", "ts": 300, "dur": 50}, node("conv1", "Conv", 310, 50), node("relu", "Relu", 360, 10)]
    profile = onnx_profile_from_trace("m", trace, iterations=2)
    ops = {o.operator: o for o in profile.operators}
    assert ops["Conv"].ms == pytest.approx(0.040) and ops["Relu"].ms == pytest.approx(0.010)
    assert profile.total_ms == pytest.approx(0.050) and ops["Conv"].share == pytest.approx(0.8)
    assert [name for name, _ in profile.layers] == ["Conv conv1"]
