"""A live run survives bad input: undecodable frames, truncated files, Ctrl-C; and fails clearly when it cannot start."""

import json
import signal
import subprocess
import sys
import time

import cv2
import pytest

from signport.cli import main
from signport.core.errors import BundleError, InputError
from signport.live.classifier import load_classifier
from signport.live.config import LiveConfig
from signport.live.outputs import sidecar_paths
from signport.live.run import run_live
from signport.live.sources import open_source

from .conftest import write_video


@pytest.fixture(scope="module")
def gesture_avi(gesture_video, tmp_path_factory):
    """The gesture video as MJPG AVI: every frame a separate JPEG we can break on purpose."""
    capture, frames = cv2.VideoCapture(str(gesture_video)), []
    while (frame := capture.read())[0]:
        frames.append(frame[1])
    return write_video(tmp_path_factory.mktemp("avi") / "gestures.avi", frames)


def _jpeg_offsets(data: bytes) -> list[int]:
    offsets, i = [], data.find(b"\xff\xd8\xff")
    while i >= 0:
        offsets.append(i)
        i = data.find(b"\xff\xd8\xff", i + 3)
    return offsets


def _live(source, checkpoint, hand_model, transcript, **kwargs):
    return run_live(LiveConfig(source=str(source), checkpoint=checkpoint, hand_model=hand_model, transcript=transcript,
                               window=5, threads=1, **kwargs))


def test_an_undecodable_frame_is_skipped_and_the_stream_goes_on(gesture_avi, gesture_checkpoint, hand_model, tmp_path):
    data = bytearray(gesture_avi.read_bytes())
    start = _jpeg_offsets(bytes(data))[20]
    data[start : start + 600] = bytes(600)  # frame 20's JPEG header is gone
    broken = tmp_path / "broken.avi"
    broken.write_bytes(bytes(data))
    transcript = tmp_path / "t.txt"
    summary = _live(broken, gesture_checkpoint, hand_model, transcript, out=tmp_path / "annotated.mp4")
    assert summary["frames"] == 42 and summary["decode_failures"] == 1 and not summary["source_ended_early"]
    records = [json.loads(line) for line in sidecar_paths(transcript)[0].read_text().splitlines()]
    assert [r["frame"] for r in records if not r["decoded"]] == [20]
    assert summary["text"] == "rock call four"
    assert int(cv2.VideoCapture(str(tmp_path / "annotated.mp4")).get(cv2.CAP_PROP_FRAME_COUNT)) == 41


def test_a_truncated_video_keeps_the_transcript_so_far(gesture_avi, gesture_checkpoint, hand_model, tmp_path):
    data = gesture_avi.read_bytes()
    cut = _jpeg_offsets(data)[26]  # frames 0-25 intact: rock, the blank stretch, the start of call
    truncated = tmp_path / "truncated.avi"
    truncated.write_bytes(data[:cut])
    transcript = tmp_path / "t.txt"
    summary = _live(truncated, gesture_checkpoint, hand_model, transcript)
    assert summary["source_ended_early"] and summary["frames"] == 26
    assert summary["text"] == "rock call" and transcript.read_text() == "rock call\n"
    timings = json.loads(sidecar_paths(transcript)[1].read_text())
    assert timings["complete"] and timings["frames_timed"] == 26


def test_ctrl_c_finalizes_transcript_timings_and_video(gesture_video, gesture_checkpoint, hand_model, tmp_path):
    """A real SIGINT to a real `signport live` process, in the middle of a long video."""
    capture, frames = cv2.VideoCapture(str(gesture_video)), []
    while (frame := capture.read())[0]:
        frames.append(frame[1])
    long_video = write_video(tmp_path / "long.mp4", frames * 40)  # 1680 frames: far longer than the test waits
    transcript, annotated = tmp_path / "t.txt", tmp_path / "annotated.mp4"
    frames_path, timings_path = sidecar_paths(transcript)
    process = subprocess.Popen(
        [sys.executable, "-m", "signport", "live", "--source", str(long_video), "--checkpoint", str(gesture_checkpoint),
         "--hand-model", str(hand_model), "--transcript", str(transcript), "--out", str(annotated), "--window", "5",
         "--threads", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        if frames_path.exists() and frames_path.read_text().count("\n") >= 45:
            break
        time.sleep(0.1)
    assert process.poll() is None, "signport live ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    timings = json.loads(timings_path.read_text())
    assert timings["interrupted"] and timings["complete"] and 45 <= timings["frames"] < 1680
    assert transcript.read_text() == timings["text"] + "\n" and timings["text"].startswith("rock call four")
    assert len(frames_path.read_text().splitlines()) == timings["frames"]
    written = int(cv2.VideoCapture(str(annotated)).get(cv2.CAP_PROP_FRAME_COUNT))
    assert written == timings["frames"] - timings["decode_failures"]
    assert "interrupted" in stdout


def test_missing_video_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        open_source(str(tmp_path / "nope.mp4"))


def test_unreadable_video_is_an_input_error(gesture_video, tmp_path):
    broken = tmp_path / "cut.mp4"
    broken.write_bytes(gesture_video.read_bytes()[: gesture_video.stat().st_size // 2])  # mp4 index is at the end
    with pytest.raises(InputError, match="cannot open video"):
        open_source(str(broken))


def test_missing_camera_says_what_to_do():
    with pytest.raises(InputError, match=r"no camera at index 9 .*--source"):
        open_source("webcam:9")


def test_cli_reports_a_missing_camera_in_one_line(gesture_checkpoint, hand_model, capsys):
    code = main(["live", "--source", "webcam:9", "--checkpoint", str(gesture_checkpoint), "--hand-model", str(hand_model)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("signport live: error: no camera at index 9")


def test_model_source_must_be_given_once(tmp_path):
    with pytest.raises(InputError, match="exactly one of --checkpoint"):
        load_classifier(None, None)


def test_folder_without_a_bundle_says_what_to_do(tmp_path):
    with pytest.raises(BundleError, match="manifest.json not found; pass a folder written by `signport export --out`"):
        load_classifier(None, tmp_path)
