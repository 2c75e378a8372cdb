"""MediaPipe Tasks HandLandmarker behind a small numpy interface.

Callers pass RGB uint8 frames and get `HandDetection`s with (21, 3) landmark arrays; nothing
outside this module touches MediaPipe types, so the live pipeline and tests stay readable.
"""

from __future__ import annotations

import contextlib

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from signport.core.errors import InputError, ToolchainError
from signport.core.native_stderr import quiet_native_stderr
from signport.core.preprocessing import LANDMARK_DIMS, NUM_LANDMARKS, mirror_landmarks_x


@dataclass(frozen=True)
class HandDetection:
    """One hand: landmarks in MediaPipe's normalized image coordinates (x, y in [0, 1] of width
    and height, z relative depth), the handedness MediaPipe assigned and its score."""

    landmarks: np.ndarray  # (21, 3) float32
    handedness: str  # "Left" or "Right", as MediaPipe labels the subject's hand
    score: float

    @property
    def is_left(self) -> bool:
        return self.handedness == "Left"

    def pixel_points(self, image_hw: tuple[int, int]) -> np.ndarray:
        """(21, 2) float32 x, y in pixels of an image of size (height, width)."""
        h, w = image_hw
        return self.landmarks[:, :2] * np.array([w, h], np.float32)

    def model_landmarks(self) -> np.ndarray:
        """(21, 3) as the landmark model expects them: left hands mirrored to right ones
        (the one normalization step the caller owns, see signport.core.preprocessing)."""
        return mirror_landmarks_x(self.landmarks) if self.is_left else self.landmarks


class HandLandmarker:
    """MediaPipe's hand landmarker on a `hand_landmarker.task` file.

    mode "video" tracks the hand between frames (palm detection only when tracking is lost),
    which is what a live stream wants; timestamps must then increase, so we enforce that here.
    mode "image" treats every call independently (photos).
    """

    def __init__(self, model_path: str | Path, mode: Literal["image", "video"] = "video", num_hands: int = 1,
                 min_detection_confidence: float = 0.5, min_presence_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5):
        import mediapipe as mp
        from mediapipe.tasks.python import vision
        from mediapipe.tasks.python.core import base_options

        self._mp = mp
        running_mode = {"image": vision.RunningMode.IMAGE, "video": vision.RunningMode.VIDEO}[mode]
        options = vision.HandLandmarkerOptions(
            base_options=base_options.BaseOptions(model_asset_path=str(model_path)),
            running_mode=running_mode, num_hands=num_hands,
            min_hand_detection_confidence=min_detection_confidence,
            min_hand_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        try:
            with quiet_native_stderr():  # TFLite/glog start-up lines on fd 2; replayed if loading fails
                self._task = vision.HandLandmarker.create_from_options(options)
        except (ValueError, RuntimeError) as e:
            raise InputError(
                f"MediaPipe could not load hand model {model_path} ({str(e).splitlines()[0] if str(e) else type(e).__name__}); "
                "run `signport models fetch --force` or pass another --hand-model"
            ) from e
        self.mode = mode
        self._last_timestamp_ms = -1
        self._started = False  # the first detection prints MediaPipe's graph warnings

    def detect(self, rgb: np.ndarray, timestamp_ms: float | None = None) -> list[HandDetection]:
        """Hands in an RGB uint8 (H, W, 3) frame, most confident first."""
        if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError(f"expected an RGB uint8 (H, W, 3) frame, got {rgb.dtype} {rgb.shape}")
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        try:
            with quiet_native_stderr() if not self._started else contextlib.nullcontext():
                result = self._run(image, timestamp_ms)
            self._started = True
        except RuntimeError as e:
            raise ToolchainError(f"MediaPipe hand detection failed: {e}") from e
        detections = []
        for landmarks, handedness in zip(result.hand_landmarks, result.handedness):
            points = np.array([[p.x, p.y, p.z] for p in landmarks], np.float32).reshape(NUM_LANDMARKS, LANDMARK_DIMS)
            best = max(handedness, key=lambda c: c.score)
            detections.append(HandDetection(points, best.category_name, float(best.score)))
        return sorted(detections, key=lambda d: -d.score)

    def _run(self, image, timestamp_ms: float | None):
        if self.mode == "video":
            # MediaPipe rejects a timestamp that does not increase (e.g. two frames in one ms).
            ts = max(int(timestamp_ms or 0), self._last_timestamp_ms + 1)
            self._last_timestamp_ms = ts
            return self._task.detect_for_video(image, ts)
        return self._task.detect(image)

    def close(self) -> None:
        if self._task is not None:
            self._task.close()
            self._task = None

    def __enter__(self) -> "HandLandmarker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
