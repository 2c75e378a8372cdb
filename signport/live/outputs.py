"""Where a live run's results go: the transcript with its per-frame evidence, and the annotated video.

Written as the stream runs, so a crash, a corrupt frame or Ctrl-C never loses what came before:
the transcript is replaced atomically on every keystroke, per-frame records are appended and
flushed line by line, the timing summary is rewritten atomically every second of frames.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np

from signport.core import atomic
from signport.core.errors import ToolchainError
from signport.live.annotate import annotate_frame
from signport.live.timing import summarize_timings

SUMMARY_EVERY_FRAMES = 30


def sidecar_paths(transcript: Path) -> tuple[Path, Path]:
    """(per-frame records, timing summary) beside a transcript: out.txt -> out.frames.jsonl, out.timings.json."""
    return transcript.with_suffix(".frames.jsonl"), transcript.with_suffix(".timings.json")


def frame_record(result) -> dict:
    """One line of frames.jsonl: what the recognizer saw and decided on this frame, and what it cost."""
    record = {"frame": result.frame.index, "t_ms": round(result.frame.timestamp_ms, 2), "decoded": result.decoded,
              "hand": result.hand is not None}
    if result.hand is not None:
        record.update(handedness=result.hand.handedness, hand_score=round(result.hand.score, 4),
                      landmarks=np.round(result.hand.landmarks, 5).tolist(), box=result.box.to_list())
    if result.prediction is not None:
        record.update(prediction=result.prediction.label, confidence=round(result.prediction.confidence, 4))
    record.update(smoothed=result.smoothed.label, support=round(result.smoothed.support, 3))
    if result.keystroke is not None:
        record.update(typed=result.keystroke.label, text=result.text)
    record["ms"] = {name: round(ms, 3) for name, ms in result.clock.ms.items()}
    return record


def dropped_frames_estimate(timestamps_ms: list[float], fps: float) -> int:
    """Frames a camera delivered while we were busy: gaps longer than one frame period."""
    period = 1000.0 / fps
    gaps = np.diff(np.asarray(timestamps_ms, np.float64))
    return int(np.maximum(np.round(gaps / period) - 1, 0).sum()) if gaps.size else 0


class LiveRecording:
    """Collects timings always; with a transcript path also writes transcript, frames.jsonl and timings.json."""

    def __init__(self, transcript: Path | None, header: dict):
        self.transcript, self.header = transcript, header
        self.timings: list[dict[str, float]] = []
        self.timestamps_ms: list[float] = []
        self._frames_file = None
        if transcript is not None:
            self.frames_path, self.timings_path = sidecar_paths(transcript)
            atomic.write_text(transcript, "")
            self._frames_file = open(self.frames_path, "w", encoding="utf-8")

    def add(self, result) -> None:
        self.timings.append(dict(result.clock.ms))
        self.timestamps_ms.append(result.frame.timestamp_ms)
        if self._frames_file is None:
            return
        self._frames_file.write(json.dumps(frame_record(result)) + "\n")
        self._frames_file.flush()
        if result.keystroke is not None:
            atomic.write_text(self.transcript, result.text + "\n")
        if len(self.timings) % SUMMARY_EVERY_FRAMES == 0:
            atomic.write_json(self.timings_path, self.summary({"complete": False, "text": result.text}))

    def summary(self, run_facts: dict) -> dict:
        fps = self.header.get("source", {}).get("fps") or 30.0
        return {**self.header, **run_facts, "dropped_frames_estimate": dropped_frames_estimate(self.timestamps_ms, fps),
                **summarize_timings(self.timings)}

    def finish(self, run_facts: dict) -> dict:
        summary = self.summary({**run_facts, "complete": True})
        if self._frames_file is not None:
            self._frames_file.close()
            atomic.write_text(self.transcript, (summary.get("text") or "") + "\n")
            atomic.write_json(self.timings_path, summary)
        return summary


class AnnotatedVideo:
    """Draws every decoded frame's result and encodes it; adds the cost as the `annotate` stage."""

    def __init__(self, path: Path, fps: float):
        self.path, self.fps = path, fps
        self._writer: cv2.VideoWriter | None = None
        self._size: tuple[int, int] | None = None
        self._display_fps: float | None = None
        self.frames_written = 0

    def add(self, result) -> None:
        if result.frame.bgr is None:
            return
        start = time.perf_counter()
        # The fps shown is what the pipeline sustains (1000 / per-frame total), smoothed over ~10 frames.
        instant = 1000.0 / max(result.clock.pipeline_ms, 1e-3)
        self._display_fps = instant if self._display_fps is None else 0.9 * self._display_fps + 0.1 * instant
        image = annotate_frame(result.frame.bgr, result, self._display_fps)
        if self._writer is None:
            self._open(image.shape[1], image.shape[0])
        if (image.shape[1], image.shape[0]) != self._size:
            image = cv2.resize(image, self._size)
        self._writer.write(image)
        self.frames_written += 1
        result.clock.add("annotate", (time.perf_counter() - start) * 1000.0)

    def _open(self, width: int, height: int) -> None:
        fourcc = cv2.VideoWriter_fourcc(*("MJPG" if self.path.suffix.lower() == ".avi" else "mp4v"))
        self._writer = cv2.VideoWriter(str(self.path), fourcc, self.fps, (width, height))
        if not self._writer.isOpened():
            raise ToolchainError(f"OpenCV cannot write video {self.path}; use an .mp4 or .avi file name for --out")
        self._size = (width, height)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None


class Display:
    """Shows the annotated stream in a window; `q` stops the run like Ctrl-C."""

    WINDOW = "signport live"

    def add(self, result) -> None:
        if result.frame.bgr is None:
            return
        try:
            cv2.imshow(self.WINDOW, annotate_frame(result.frame.bgr, result, None))
            key = cv2.waitKey(1) & 0xFF
        except cv2.error as e:
            raise ToolchainError(f"--show needs a display and an OpenCV build with GUI support ({str(e).strip().splitlines()[-1]}); drop --show and use --out") from e
        if key == ord("q"):
            raise KeyboardInterrupt

    def close(self) -> None:
        cv2.destroyAllWindows()
