import pytest

from signport.live.outputs import dropped_frames_estimate
from signport.live.timing import FRAME_BUDGET_MS, StageClock, summarize_timings


def _frames(totals_ms):
    return [{"decode": 1.0, "hand_detection": t - 2.0, "model": 1.0, "annotate": 50.0} for t in totals_ms]


def test_summary_gives_percentiles_per_stage_and_of_the_total():
    summary = summarize_timings(_frames([10.0] * 9 + [100.0]))
    assert summary["frames_timed"] == 10
    assert summary["stages_ms"]["decode"]["p50"] == 1.0
    assert summary["stages_ms"]["preprocess"]["mean"] == 0.0  # a stage that never ran costs nothing
    total = summary["pipeline_total_ms"]
    assert total["p50"] == 10.0 and total["max"] == 100.0 and total["mean"] == 19.0
    assert total["p90"] == pytest.approx(19.0)


def test_annotation_is_reported_but_not_part_of_the_30fps_total():
    summary = summarize_timings(_frames([20.0] * 10))
    assert summary["stages_ms"]["annotate"]["p50"] == 50.0
    assert summary["pipeline_total_ms"]["p90"] == 20.0
    assert summary["fps_verdict"]["meets_30fps"] is True


def test_verdict_fails_when_one_frame_in_ten_is_over_budget():
    over = FRAME_BUDGET_MS + 20
    one_late = summarize_timings(_frames([10.0] * 9 + [over]))["fps_verdict"]
    assert one_late["meets_30fps"] is True and one_late["frames_over_budget"] == 1
    two_late = summarize_timings(_frames([10.0] * 8 + [over] * 2))["fps_verdict"]
    assert two_late["meets_30fps"] is False and two_late["frames_over_budget"] == 2


def test_empty_run_has_no_verdict():
    summary = summarize_timings([])
    assert summary["pipeline_total_ms"]["p50"] is None and summary["fps_verdict"]["meets_30fps"] is False


def test_stage_clock_accumulates_milliseconds():
    clock = StageClock()
    clock.add("decode", 2.5)
    with clock.stage("model"):
        sum(range(10000))
    assert clock.ms["decode"] == 2.5 and clock.ms["model"] > 0
    assert clock.pipeline_ms == pytest.approx(2.5 + clock.ms["model"])


def test_dropped_frames_are_estimated_from_timestamp_gaps():
    period = 1000 / 30
    timestamps = [0, period, 2 * period, 5 * period, 6 * period]  # frames 3 and 4 never arrived
    assert dropped_frames_estimate(timestamps, 30.0) == 2
    assert dropped_frames_estimate([0.0], 30.0) == 0
