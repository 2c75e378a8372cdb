import numpy as np
import pytest

from signport.device_bench.frame_budget import frame_budget, overall_gate, stage
from signport.live.timing import FRAME_BUDGET_MS


def test_budget_passes_when_every_stage_is_measured_and_fits():
    budget = frame_budget([stage("hand_detection", [15.0] * 9 + [18.0]), stage("preprocess", [2.0] * 10),
                           stage("model", [8.0] * 10), stage("smoothing", [0.1] * 10)])
    assert budget["verdict"] == "pass" and budget["missing"] == []
    assert budget["total_p50_ms"] == pytest.approx(25.1)
    # nine draws in ten take the 15 ms hand time, so the total's p90 sits between 25.1 and 28.1
    assert 25.1 <= budget["total_p90_ms"] <= 28.1
    assert budget["headroom_ms"] == pytest.approx(FRAME_BUDGET_MS - budget["total_p90_ms"])
    assert FRAME_BUDGET_MS == pytest.approx(33.333, abs=1e-3)
    assert "samples_ms" not in budget["stages"][0]


def test_verdict_is_on_the_p90_of_the_frame_total():
    # p50 fits, but one frame in five needs 40 ms: the gate fails like `signport live`'s does
    budget = frame_budget([stage("model", [10.0] * 8 + [40.0] * 2)])
    assert budget["total_p50_ms"] == pytest.approx(10.0)
    assert budget["total_p90_ms"] == pytest.approx(40.0)
    assert budget["verdict"] == "fail"


def test_missing_hand_stage_makes_the_gate_incomplete_not_zero():
    budget = frame_budget([stage("hand_detection", None, note="no hand model"), stage("preprocess", [1.0]),
                           stage("model", [5.0])])
    assert budget["verdict"] == "incomplete"
    assert budget["missing"] == ["hand_detection"]
    assert budget["stages"][0]["p50_ms"] is None
    assert budget["total_p50_ms"] == pytest.approx(6.0)


def test_partly_measured_stage_is_incomplete():
    budget = frame_budget([stage("hand_detection", [5.0], complete=False), stage("model", [5.0])])
    assert budget["verdict"] == "incomplete" and budget["missing"] == ["hand_detection"]


def test_over_budget_fails_even_with_a_stage_missing():
    assert frame_budget([stage("hand_detection", None), stage("model", [40.0])])["verdict"] == "fail"


def test_bundle_gate_passes_when_one_shipped_artifact_fits():
    assert overall_gate(["fail", "pass"]) == "pass"
    assert overall_gate(["fail", "incomplete"]) == "incomplete"
    assert overall_gate(["fail", "not measured"]) == "fail"
    assert overall_gate([]) == "not measured"


def test_synthetic_hand_frame_is_one_mediapipe_really_detects(hand_model):
    """Without a real photo, the 30 fps gate times MediaPipe on a generated hand it actually finds."""
    from signport.device_bench.run import CAMERA_FRAME_SHAPE, synthetic_hand_frame
    from signport.hands.landmarker import HandLandmarker

    found = synthetic_hand_frame(hand_model, seed=0)
    assert found is not None
    frame, description = found
    assert frame.shape == CAMERA_FRAME_SHAPE and "finds a hand" in description
    with HandLandmarker(hand_model, mode="image") as landmarker:
        hands = landmarker.detect(frame)
    assert hands and np.all((hands[0].landmarks[:, :2] > -0.1) & (hands[0].landmarks[:, :2] < 1.1))
