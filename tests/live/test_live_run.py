"""`signport live` end to end: real MediaPipe on videos of real photos, tiny real models."""

import json

import cv2
import numpy as np
import pytest

from signport.cli import main
from signport.hands.crop import Box
from signport.live.classifier import TorchCheckpointClassifier
from signport.live.config import LiveConfig
from signport.live.outputs import sidecar_paths
from signport.live.run import run_live

BLANK_FRAMES = range(12, 18)  # the gesture video's empty stretch


def _records(transcript):
    frames_path, _ = sidecar_paths(transcript)
    return [json.loads(line) for line in frames_path.read_text().splitlines()]


def _video_frames(path):
    capture, frames = cv2.VideoCapture(str(path)), []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


def test_gesture_video_gives_landmarks_predictions_and_a_transcript(gesture_video, gesture_checkpoint, hand_model, tmp_path):
    transcript, annotated = tmp_path / "out" / "transcript.txt", tmp_path / "out" / "annotated.mp4"
    config = LiveConfig(source=str(gesture_video), checkpoint=gesture_checkpoint, hand_model=hand_model,
                        transcript=transcript, out=annotated, window=5, threads=1)
    summary = run_live(config)

    assert summary["text"] == "rock call four"
    assert transcript.read_text() == "rock call four\n"
    records = _records(transcript)
    assert [r["frame"] for r in records] == list(range(42)) and summary["frames"] == 42
    with_hand = [r for r in records if r["hand"]]
    assert len(with_hand) >= 33 and summary["frames_with_hand"] == len(with_hand)
    assert not any(records[i]["hand"] for i in BLANK_FRAMES)
    for r in with_hand:
        xy = np.array(r["landmarks"])[:, :2] * [384, 512]
        assert xy.shape == (21, 2) and (xy >= 0).all() and (xy < [384, 512]).all()
        assert Box(*r["box"]).contains(xy).all()
        assert r["prediction"] in ("call", "four", "rock") and r["confidence"] > 0.5
        assert set(r["ms"]) >= {"decode", "hand_detection", "preprocess", "model", "smoothing", "annotate"}
    # Each stretch is predicted as its gesture; "nothing" follows the hand away.
    assert {records[i].get("prediction") for i in range(0, 12) if records[i]["hand"]} == {"rock"}
    assert records[17]["smoothed"] == "nothing"
    assert [r["typed"] for r in records if "typed" in r] == ["rock", "call", "four"]

    _, timings_path = sidecar_paths(transcript)
    timings = json.loads(timings_path.read_text())
    assert timings["complete"] and not timings["interrupted"] and timings["decode_failures"] == 0
    verdict = timings["fps_verdict"]
    assert verdict["meets_30fps"] == (verdict["p90_total_ms"] <= 1000 / 30)
    assert timings["stages_ms"]["hand_detection"]["p50"] > 0 and timings["stages_ms"]["model"]["p90"] > 0
    totals = [sum(r["ms"].get(s, 0) for s in timings["pipeline_stages"]) for r in records]
    assert timings["pipeline_total_ms"]["max"] == pytest.approx(max(totals), abs=0.01)

    source, drawn = _video_frames(gesture_video), _video_frames(annotated)
    assert len(drawn) == 42 and drawn[0].shape == source[0].shape
    # Joints are drawn red over the hand, the crop box green (BGR), whatever the photo had there.
    joints = np.round(np.array(records[5]["landmarks"])[:, :2] * [384, 512]).astype(int)
    joint_pixels = drawn[5][joints[:, 1], joints[:, 0]].astype(int)
    assert ((joint_pixels[:, 2] > 150) & (joint_pixels[:, 1] < 110)).mean() > 0.7
    box = Box(*records[5]["box"])
    edge = drawn[5][box.y0 + 1, box.x0 + 5 : box.x1 - 5].astype(int)
    assert ((edge[:, 1] > 180) & (edge[:, 0] < 110) & (edge[:, 2] < 110)).mean() > 0.8
    assert not list(tmp_path.joinpath("out").glob(".*tmp*"))


def test_cli_runs_live_on_a_video(gesture_video, gesture_checkpoint, hand_model, tmp_path, capsys):
    transcript = tmp_path / "t.txt"
    code = main(["live", "--source", str(gesture_video), "--checkpoint", str(gesture_checkpoint),
                 "--hand-model", str(hand_model), "--transcript", str(transcript), "--window", "5", "--threads", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "text: rock call four" in out and "hand_detection" in out and "30 fps:" in out
    assert transcript.read_text() == "rock call four\n"


class RecordingClassifier:
    """The real checkpoint model, keeping each batch it was given so a test can look at it."""

    def __init__(self, checkpoint):
        self.inner = TorchCheckpointClassifier(checkpoint, threads=1)
        self.labels, self.preprocessing, self.batches = self.inner.labels, self.inner.preprocessing, []

    def predict(self, batch):
        self.batches.append(batch.copy())
        return self.inner.predict(batch)


def _as_pixels(batch, prep):
    image = batch[0].transpose(1, 2, 0) * np.array(prep.std) + np.array(prep.mean)
    return np.clip(image * 255, 0, 255)


@pytest.mark.parametrize("style", ["crop", "mask"])
def test_image_model_gets_the_hand_crop_or_the_landmark_mask(style, gesture_video, image_checkpoint, hand_model):
    classifier = RecordingClassifier(image_checkpoint)
    config = LiveConfig(source=str(gesture_video), hand_model=hand_model, input_style=style, max_frames=8)
    summary = run_live(config, classifier)
    assert summary["frames"] == 8 and summary["model_calls"] == summary["frames_with_hand"] >= 6
    assert summary["input_style"] == style
    for batch in classifier.batches:
        assert batch.shape == (1, 3, 64, 64) and batch.dtype == np.float32
        pixels = _as_pixels(batch, classifier.preprocessing)
        black = (pixels.max(axis=-1) < 10).mean()
        if style == "mask":
            # White skeleton on black: mostly black, grey-free lines.
            assert 0.5 < black < 0.97 and (pixels.min(axis=-1) > 200).mean() > 0.03
        else:
            assert black < 0.05 and pixels.std() > 10


def test_clip_model_runs_on_a_sliding_window_of_a_wlasl_clip(shared_data, clip_checkpoint, hand_model, tmp_path):
    classifier = RecordingClassifier(clip_checkpoint)
    transcript = tmp_path / "t.txt"
    config = LiveConfig(source=str(shared_data / "wlasl_sample/videos/68011.mp4"), hand_model=hand_model,
                        transcript=transcript, max_frames=40, clip_stride=4)
    summary = run_live(config, classifier)
    assert summary["input_style"] == "frame"
    model_frames = [r["frame"] for r in _records(transcript) if "prediction" in r]
    # 25 fps is sampled every 2nd frame (as in training): the 16th sample is frame 30, then a clip every 4 samples.
    assert model_frames == [30, 38]
    assert all(batch.shape == (1, 3, 16, 32, 32) for batch in classifier.batches)


def test_wlasl_clip_yields_landmarks_for_the_signers_hands(shared_data, gesture_checkpoint, hand_model, tmp_path):
    transcript = tmp_path / "t.txt"
    summary = run_live(LiveConfig(source=str(shared_data / "wlasl_sample/videos/68011.mp4"), checkpoint=gesture_checkpoint,
                                  hand_model=hand_model, transcript=transcript, max_frames=30, threads=1))
    records = _records(transcript)
    assert len(records) == 30 and summary["frames_with_hand"] >= 25
    width, height = summary["source"]["size"]
    for r in records:
        assert ("prediction" in r) == r["hand"]
        if r["hand"]:
            xy = np.array(r["landmarks"])[:, :2] * [width, height]
            assert Box(*r["box"]).contains(xy).all()


def test_clip_without_a_visible_hand_types_nothing(shared_data, gesture_checkpoint, hand_model, tmp_path):
    # MediaPipe finds no hand anywhere in this WLASL clip (checked over all 100 frames).
    transcript = tmp_path / "t.txt"
    summary = run_live(LiveConfig(source=str(shared_data / "wlasl_sample/videos/70212.mp4"), checkpoint=gesture_checkpoint,
                                  hand_model=hand_model, transcript=transcript, max_frames=15, window=5, threads=1))
    assert (summary["frames"], summary["frames_with_hand"], summary["model_calls"], summary["text"]) == (15, 0, 0, "")
    assert transcript.read_text() == "\n"
    assert {r["smoothed"] for r in _records(transcript)[5:]} == {"nothing"}


def test_whole_frame_model_runs_on_a_synthetic_video_without_shared_data(image_checkpoint, hand_model, tmp_path):
    """No hand anywhere: the whole-frame style still feeds the model every frame, the vote is "nothing"."""
    from .conftest import write_video

    ramp = np.tile(np.linspace(0, 255, 160, dtype=np.uint8)[None, :, None], (120, 1, 3))
    video = write_video(tmp_path / "ramp.mp4", [np.roll(ramp, 8 * i, axis=1) for i in range(10)])
    transcript = tmp_path / "t.txt"
    summary = run_live(LiveConfig(source=str(video), checkpoint=image_checkpoint, hand_model=hand_model,
                                  transcript=transcript, input_style="frame", window=3, threads=1))
    assert (summary["frames"], summary["frames_with_hand"], summary["model_calls"], summary["text"]) == (10, 0, 10, "")
    records = _records(transcript)
    assert all(r["prediction"] in summary["labels"] and r["ms"]["model"] > 0 for r in records)
    assert records[-1]["smoothed"] == "nothing"
    assert summary["stages_ms"]["model"]["p50"] > 0 and summary["fps_verdict"]["p90_total_ms"] > 0
