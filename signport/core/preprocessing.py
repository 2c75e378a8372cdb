"""Preprocessing: the one definition of how pixels and landmarks become model input.

The same numbers are written into checkpoints and bundle manifests, and the iOS/Android
demos read them from the manifest, so a model is always fed the way it was trained.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

InputKind = Literal["image", "clip", "landmarks"]

NUM_LANDMARKS = 21
LANDMARK_DIMS = 3
WRIST, MIDDLE_MCP = 0, 9  # MediaPipe hand topology indices


@dataclass(frozen=True)
class Preprocessing:
    """How raw input becomes a model tensor. Serialized verbatim into manifests.

    image:     uint8 RGB HxW -> resize to input_size -> /255 -> (x - mean) / std -> NCHW
    clip:      clip_length frames sampled at clip_fps, each as image -> NCTHW
    landmarks: (21, 3) MediaPipe normalized coordinates (left hands mirrored) -> (N, 63)
    """

    input_kind: InputKind = "image"
    input_size: tuple[int, int] = (224, 224)  # (height, width); unused for landmarks
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    color_order: Literal["RGB"] = "RGB"
    layout: Literal["NCHW", "NCTHW", "NF"] = "NCHW"
    clip_length: int | None = None
    clip_fps: float | None = None
    landmark_normalization: str | None = None

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> "Preprocessing":
        known = {f for f in cls.__dataclass_fields__}
        kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return cls(**kwargs)

    def input_shape(self, batch: int = 1) -> tuple[int, ...]:
        """The model input shape for a batch of `batch` samples."""
        h, w = self.input_size
        if self.input_kind == "image":
            return (batch, 3, h, w)
        if self.input_kind == "clip":
            return (batch, 3, int(self.clip_length or 0), h, w)
        return (batch, NUM_LANDMARKS * LANDMARK_DIMS)


def image_preprocessing(size: int = 224) -> Preprocessing:
    return Preprocessing(input_kind="image", input_size=(size, size), layout="NCHW")


def clip_preprocessing(size: int = 112, clip_length: int = 32, clip_fps: float = 25.0) -> Preprocessing:
    return Preprocessing(
        input_kind="clip", input_size=(size, size), layout="NCTHW", clip_length=clip_length, clip_fps=clip_fps
    )


def landmark_preprocessing() -> Preprocessing:
    return Preprocessing(
        input_kind="landmarks", input_size=(0, 0), layout="NF", mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0),
        landmark_normalization="in_model:wrist_origin,wrist_to_middle_mcp_scale; caller:mirror_left_x",
    )


def normalize_image(rgb_uint8: np.ndarray, prep: Preprocessing) -> np.ndarray:
    """uint8 RGB (H, W, 3) already at input_size -> float32 (3, H, W) normalized."""
    x = rgb_uint8.astype(np.float32) / 255.0
    x = (x - np.asarray(prep.mean, np.float32)) / np.asarray(prep.std, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def mirror_landmarks_x(landmarks: np.ndarray) -> np.ndarray:
    """Mirror MediaPipe landmarks left-right (x -> 1 - x), turning a left hand into a right one.

    Translation and scale normalization happen inside the landmark model itself (so phones
    cannot get them wrong); handedness is the one step the caller applies, because only the
    hand detector knows which hand it saw.
    """
    mirrored = np.array(landmarks, dtype=np.float32, copy=True)
    mirrored[..., 0] = 1.0 - mirrored[..., 0]
    return mirrored
