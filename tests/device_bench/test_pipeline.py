import pytest

from signport.device_bench.pipeline import FRAME_BUDGET_MS, frame_budget, overall_gate, stage


def test_budget_passes_when_every_stage_is_measured_and_fits():
    budget = frame_budget([stage("frame preprocessing", 2.0), stage("MediaPipe hands", 15.0, 18.0), stage("model", 8.0),
                           stage("smoothing", 0.1)])
    assert budget["verdict"] == "pass"
    assert budget["total_p50_ms"] == pytest.approx(25.1)
    assert budget["total_p90_ms"] == pytest.approx(28.1)
    assert budget["headroom_ms"] == pytest.approx(FRAME_BUDGET_MS - 25.1)
    assert FRAME_BUDGET_MS == pytest.approx(33.333, abs=1e-3)


def test_missing_hand_stage_makes_the_gate_incomplete_not_zero():
    budget = frame_budget([stage("frame preprocessing", 1.0), stage("MediaPipe hands", None, note="no hand model"),
                           stage("model", 5.0)])
    assert budget["verdict"] == "incomplete"
    assert budget["missing"] == ["MediaPipe hands"]
    assert budget["stages"][1]["p50_ms"] is None


def test_partly_measured_stage_is_incomplete():
    budget = frame_budget([stage("MediaPipe hands", 5.0, complete=False), stage("model", 5.0)])
    assert budget["verdict"] == "incomplete"


def test_over_budget_fails_even_with_a_stage_missing():
    budget = frame_budget([stage("MediaPipe hands", None), stage("model", 40.0)])
    assert budget["verdict"] == "fail"


def test_bundle_gate_passes_when_one_shipped_artifact_fits():
    assert overall_gate(["fail", "pass"]) == "pass"
    assert overall_gate(["fail", "incomplete"]) == "incomplete"
    assert overall_gate(["fail", "not measured"]) == "fail"
    assert overall_gate([]) == "not measured"
