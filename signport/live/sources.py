"""Frame sources: a video file or a webcam, decoded one frame at a time with its decode time.

A frame that fails to decode is yielded with `rgb=None` rather than ending the stream, so one
bad packet costs one frame; a run of failures (a truncated file, an unplugged camera) ends it.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from signport.core.errors import InputError
from signport.data.video import video_file_problem

log = logging.getLogger(__name__)

MAX_CONSECUTIVE_FAILURES = 5
DEFAULT_CAMERA_FPS = 30.0


@dataclass
class Frame:
    index: int  # position in the source, counting frames that failed to decode
    timestamp_ms: float  # presentation time (file) or capture time since start (camera)
    bgr: np.ndarray | None  # as decoded; None if this frame failed to decode
    rgb: np.ndarray | None
    decode_ms: float


@dataclass
class SourceInfo:
    name: str
    fps: float
    frame_count: int | None  # as the container reports it; None for a camera
    size: tuple[int, int] | None  # (width, height)


class VideoSource:
    """Iterate frames of an opened cv2.VideoCapture. Use `open_source` to build one."""

    def __init__(self, capture: cv2.VideoCapture, info: SourceInfo, is_camera: bool):
        self.capture, self.info, self.is_camera = capture, info, is_camera
        self.decode_failures = 0
        self.ended_early = False  # stopped on repeated failures before the reported frame count

    def __iter__(self) -> Iterator[Frame]:
        # Failed reads are held back until a later frame decodes: at the end of a file a read
        # fails too, and that is not a broken frame.
        index, start, pending_failures = 0, time.perf_counter(), []
        period_ms = 1000.0 / self.info.fps
        while True:
            t0 = time.perf_counter()
            ok, bgr = self.capture.read()
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) if ok and bgr is not None else None
            decode_ms = (time.perf_counter() - t0) * 1000.0
            timestamp_ms = (t0 - start) * 1000.0 if self.is_camera else index * period_ms
            index += 1
            if rgb is None:
                pending_failures.append(Frame(index - 1, timestamp_ms, None, None, decode_ms))
                if len(pending_failures) >= MAX_CONSECUTIVE_FAILURES:
                    break
                continue
            self.decode_failures += len(pending_failures)
            yield from pending_failures
            pending_failures = []
            yield Frame(index - 1, timestamp_ms, bgr, rgb, decode_ms)
        frames_seen = index - len(pending_failures)
        expected = self.info.frame_count
        if self.is_camera or (expected is not None and frames_seen < expected):
            self.ended_early = True
            log.warning("%s: nothing decodes after frame %d%s; stopping (truncated file or lost camera)",
                        self.info.name, frames_seen - 1, f" of {expected}" if expected else "")

    def close(self) -> None:
        self.capture.release()


def _camera_index(spec: str) -> int | None:
    match = re.fullmatch(r"webcam(?::(\d+))?", spec.strip())
    return None if match is None else int(match.group(1) or 0)


def check_source(spec: str) -> Path | None:
    """The video file `spec` names (None for a camera), refused before anything heavy loads when it
    is missing or a still image under a video's name."""
    if _camera_index(spec) is not None:
        return None
    path = Path(spec)
    problem = video_file_problem(path)
    if problem:
        raise InputError(f"--source {path}: {problem}; pass a video file or --source webcam")
    return path


def open_source(spec: str) -> VideoSource:
    """`webcam`, `webcam:N` (camera index N) or a video file path."""
    camera = _camera_index(spec)
    if camera is not None:
        capture = cv2.VideoCapture(camera)
        if not capture.isOpened():
            raise InputError(
                f"no camera at index {camera} (cv2.VideoCapture({camera}) could not open it); "
                "connect a camera, choose another with --source webcam:N, or pass a video file as --source"
            )
        fps = capture.get(cv2.CAP_PROP_FPS) or DEFAULT_CAMERA_FPS
        size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        return VideoSource(capture, SourceInfo(f"webcam:{camera}", fps, None, size), is_camera=True)
    path = check_source(spec)
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise InputError(f"cannot open video {path} (truncated, or a container/codec OpenCV cannot read); re-encode it as H.264 mp4 or pass another --source")
    fps = capture.get(cv2.CAP_PROP_FPS)
    if not fps or not np.isfinite(fps) or fps <= 0:
        log.warning("%s reports no frame rate; assuming %.0f fps", path, DEFAULT_CAMERA_FPS)
        fps = DEFAULT_CAMERA_FPS
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    return VideoSource(capture, SourceInfo(str(path), fps, count if count > 0 else None, size), is_camera=False)
