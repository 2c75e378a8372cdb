"""The in-memory shapes every loader returns (and the synthetic generator's output reads as).

Loaders only index and decode; augmentation and batching belong to training
(signport.train), so the same index serves training, evaluation, bench and live.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class Labelled:
    """Shared by every index: `labels` per sample, `classes` in model output order."""

    labels: list[str]
    classes: list[str]

    def __len__(self) -> int:
        return len(self.labels)

    def targets(self) -> np.ndarray:
        """Per-sample class indices into `classes`."""
        lookup = {c: i for i, c in enumerate(self.classes)}
        return np.array([lookup[label] for label in self.labels], dtype=np.int64)


@dataclass
class ImageIndex(Labelled):
    """Still images on disk, one class label each (ASL Alphabet folders, synthetic letters)."""

    paths: list[Path]
    labels: list[str]  # per sample, canonical (signport.core.labels.canonical_label)
    classes: list[str]  # the label set in model output order
    landmarks: np.ndarray | None = None  # (N, 21, 3) ground truth when known (synthetic data)
    signers: list[str] | None = None  # who signed each sample, for signer-disjoint splits
    root: Path | None = None
    sources: list[str] | None = None  # which dataset each sample came from, when several were merged
    # Square hand crop per image, (N, 4) x0, y0, x1, y1 as fractions of width and height (may reach
    # outside [0, 1]); decoding then reads the crop, as the live pipeline does (signport.hands.crop).
    crop_boxes: np.ndarray | None = None

    def subset(self, rows: np.ndarray) -> "ImageIndex":
        """The samples at `rows`, every per-sample field kept; classes unchanged."""
        pick = lambda values: [values[i] for i in rows] if values is not None else None  # noqa: E731
        return ImageIndex(
            paths=pick(self.paths), labels=pick(self.labels), classes=list(self.classes),
            landmarks=self.landmarks[rows] if self.landmarks is not None else None, signers=pick(self.signers), root=self.root,
            sources=pick(self.sources), crop_boxes=self.crop_boxes[rows] if self.crop_boxes is not None else None,
        )


@dataclass
class ArrayImageSet(Labelled):
    """Images already in memory (Sign Language MNIST): uint8 (N, H, W) grey or (N, H, W, 3) RGB."""

    images: np.ndarray
    labels: list[str]
    classes: list[str]



@dataclass
class LandmarkSet(Labelled):
    """MediaPipe hand landmarks: (N, 21, 3) float32 in normalized image coordinates."""

    landmarks: np.ndarray
    labels: list[str]
    classes: list[str]
    is_left_hand: np.ndarray | None = None  # (N,) bool when known
    signers: list[str] | None = None  # who signed each sample, for signer-disjoint splits
    sources: list[str] | None = None  # which dataset each sample came from, when several were merged

    def subset(self, rows: np.ndarray) -> "LandmarkSet":
        """The samples at `rows`, every per-sample field kept; classes unchanged."""
        pick = lambda values: [values[i] for i in rows] if values is not None else None  # noqa: E731
        return LandmarkSet(landmarks=self.landmarks[rows], labels=pick(self.labels), classes=list(self.classes),
                           is_left_hand=self.is_left_hand[rows] if self.is_left_hand is not None else None,
                           signers=pick(self.signers), sources=pick(self.sources))



@dataclass
class VideoIndex(Labelled):
    """Video files with one label each (WLASL, synthetic clips, user recordings)."""

    paths: list[Path]
    labels: list[str]
    classes: list[str]
    splits: list[str] | None = None  # "train" / "val" / "test" per video when the dataset defines them
    frame_ranges: list[tuple[int, int]] | None = None  # (first, last) frame of the sign, inclusive, when known
    root: Path | None = None
    extra: dict = field(default_factory=dict)


    def subset(self, split: str) -> "VideoIndex":
        if self.splits is None:
            raise ValueError("this video index has no split information")
        keep = [i for i, s in enumerate(self.splits) if s == split]
        return VideoIndex(
            paths=[self.paths[i] for i in keep], labels=[self.labels[i] for i in keep], classes=self.classes,
            splits=[split] * len(keep),
            frame_ranges=[self.frame_ranges[i] for i in keep] if self.frame_ranges else None,
            root=self.root, extra=self.extra,
        )


@dataclass
class VideoFrameIndex(Labelled):
    """Single frames picked out of videos (user recordings used as stills), decoded on demand."""

    paths: list[Path]  # the video each frame comes from
    frame_indices: np.ndarray  # (N,) int64, 0-based frame number within its video
    labels: list[str]
    classes: list[str]
    root: Path | None = None

