"""MediaPipe hand landmarks of still images, computed once and cached by image content.

Training and evaluation of image models crop every photo the way the live pipeline does
(signport.hands.crop.hand_box with its 25 % margin), so they need the hand landmarker's answer
for each image. Running it costs tens of milliseconds an image, so answers are kept in one
JSON file per detector setting, keyed by the sha256 of each image's bytes: an edited or
replaced image is detected again, an unchanged one never is, wherever it lives.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from signport.core import atomic
from signport.core.fingerprint import file_sha256
from signport.core.preprocessing import LANDMARK_DIMS, NUM_LANDMARKS

log = logging.getLogger(__name__)

CROP_CACHE_VERSION = 1
# IMAGE mode with a low detection threshold: photos have no previous frame to track from, and
# the shared data's note measured 0.3 as the setting that finds the hands of all but dark crops.
DEFAULT_MIN_DETECTION_CONFIDENCE = 0.3


@dataclass
class HandLandmarks:
    """Per image: landmarks (N, 21, 3) in normalized image coordinates, NaN where no hand was found."""

    landmarks: np.ndarray
    computed: int  # images the landmarker ran on now (the rest came from the cache)

    @property
    def found(self) -> np.ndarray:
        return ~np.isnan(self.landmarks).any(axis=(1, 2))


def detector_key(model_path: Path, min_detection_confidence: float) -> str:
    """What a cached answer depends on besides the image: the model file and the settings."""
    blob = json.dumps({"model": file_sha256(model_path), "confidence": min_detection_confidence, "version": CROP_CACHE_VERSION},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def cache_file(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / "hand_landmarks" / f"{key}.json"


def _load(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:  # a damaged cache is recomputed, never trusted
        log.warning(f"ignoring unreadable hand landmark cache {path} ({e})")
        return {}


def find_hands(paths: list[Path], model_path: Path, cache_dir: Path,
               min_detection_confidence: float = DEFAULT_MIN_DETECTION_CONFIDENCE) -> HandLandmarks:
    """Landmarks of the most confident hand in each image (NaN rows where there is none)."""
    from signport.data.loaders import read_image
    from signport.hands.landmarker import HandLandmarker

    path = cache_file(cache_dir, detector_key(model_path, min_detection_confidence))
    answers = _load(path)
    digests = [file_sha256(p) for p in paths]
    missing = [i for i, digest in enumerate(digests) if digest not in answers]
    if missing:
        with HandLandmarker(model_path, mode="image", min_detection_confidence=min_detection_confidence) as landmarker:
            for n, i in enumerate(tqdm(missing, desc="finding hands", unit="img", leave=False, disable=None)):
                hands = landmarker.detect(read_image(paths[i]))
                answers[digests[i]] = hands[0].landmarks.round(5).tolist() if hands else None
                if (n + 1) % 500 == 0:
                    atomic.write_text(path, json.dumps(answers))
        atomic.write_text(path, json.dumps(answers))
    landmarks = np.full((len(paths), NUM_LANDMARKS, LANDMARK_DIMS), np.nan, dtype=np.float32)
    for row, digest in enumerate(digests):
        if answers[digest] is not None:
            landmarks[row] = np.asarray(answers[digest], dtype=np.float32)
    return HandLandmarks(landmarks, computed=len(missing))


def crop_boxes(landmarks: np.ndarray, image_sizes: np.ndarray, margin: float) -> np.ndarray:
    """(N, 4) square hand boxes x0, y0, x1, y1 as fractions of each image's width and height (NaN without a hand).

    The same box as the live pipeline's (signport.hands.crop.hand_box on pixel points), so a
    model trains on the framing it will see on the phone. `image_sizes` is (N, 2) height, width.
    """
    from signport.hands.crop import hand_box

    boxes = np.full((len(landmarks), 4), np.nan, dtype=np.float32)
    for row, (points, (h, w)) in enumerate(zip(landmarks, image_sizes)):
        if np.isnan(points).any():
            continue
        box = hand_box(points[:, :2] * np.array([w, h], np.float32), margin)
        boxes[row] = (box.x0 / w, box.y0 / h, box.x1 / w, box.y1 / h)
    return boxes


def image_sizes(paths: list[Path]) -> np.ndarray:
    """(N, 2) height, width of each image, read from the file header only."""
    from PIL import Image

    sizes = np.empty((len(paths), 2), dtype=np.int64)
    for row, path in enumerate(paths):
        with Image.open(path) as image:
            sizes[row] = (image.height, image.width)
    return sizes
