"""The camera-paced replay behind the 30 fps gate: dropping, pacing, percentiles, drift, verdict."""

from types import SimpleNamespace

import numpy as np
import pytest

from signport.live.sustained import DecodedVideo, run_paced, summarize_paced
from signport.live.timing import StageClock


class SimulatedCamera:
    """A clock that advances only when the pipeline works or waits, so pacing is exact."""

    def __init__(self, cost_ms):
        self.now, self.cost_ms, self.calls = 0.0, cost_ms, []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += max(0.0, seconds)

    def process(self, frame):
        cost = self.cost_ms(frame.index)
        self.calls.append(frame.index)
        self.now += cost / 1000.0
        clock = StageClock()
        clock.add("hand_detection", cost * 0.75)
        clock.add("model", cost * 0.25)
        return SimpleNamespace(clock=clock, hand=object(), prediction=object(), text="x")


def _video(frames=10):
    return DecodedVideo([np.zeros((4, 4, 3), np.uint8)] * frames, [0.5] * frames, 30.0, "tiny")


def test_a_pipeline_faster_than_the_camera_takes_every_frame_and_waits_for_the_next():
    camera = SimulatedCamera(lambda i: 10.0)
    run = run_paced(camera.process, _video(), seconds=2.0, clock=camera.clock, sleep=camera.sleep)
    assert camera.calls == list(range(60)) and run.dropped == 0
    assert camera.now == pytest.approx(59 / 30 + 0.010)  # paced: the last frame arrived at 59/30 s
    summary = summarize_paced(run)
    assert summary["verdict"] == "pass" and summary["end_to_end_ms"]["p90"] == pytest.approx(10.5)  # + decode
    assert summary["slowest_stage"] == "hand_detection" and summary["frames_over_budget"] == 0


def test_a_pipeline_slower_than_the_camera_drops_the_frames_that_arrive_while_busy():
    camera = SimulatedCamera(lambda i: 50.0)  # 1.5 frame intervals: every other frame is dropped
    run = run_paced(camera.process, _video(), seconds=2.0, clock=camera.clock, sleep=camera.sleep)
    assert camera.calls[:4] == [0, 1, 3, 4] or camera.calls[:3] == [0, 1, 3]
    assert run.dropped == 60 - len(camera.calls) and 15 <= run.dropped <= 25
    summary = summarize_paced(run)
    assert summary["verdict"] == "fail" and summary["frames_over_budget"] == len(camera.calls)
    assert summary["dropped_frames"] == run.dropped


def test_drift_compares_the_first_and_last_ten_seconds():
    camera = SimulatedCamera(lambda i: 10.0 if i < 30 * 10 else 20.0)  # slower after 10 s (thermal throttling)
    run = run_paced(camera.process, _video(), seconds=20.0, clock=camera.clock, sleep=camera.sleep)
    drift = summarize_paced(run)["drift"]
    assert drift["first_10s_p50_ms"] == pytest.approx(10.5) and drift["last_10s_p50_ms"] == pytest.approx(20.5)


def test_too_few_hands_make_the_gate_incomplete_not_a_pass():
    camera = SimulatedCamera(lambda i: 5.0)
    run = run_paced(camera.process, _video(), seconds=1.0, clock=camera.clock, sleep=camera.sleep)
    run.hands_found = 3
    assert summarize_paced(run)["verdict"] == "incomplete"
    assert summarize_paced(run, needs_hand=False)["verdict"] == "pass"
