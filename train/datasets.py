"""torch Datasets over the index types of signport.data.types, and deterministic splits.

Datasets hand out uint8 pixels (or raw landmarks) at a stored size; resizing to the input
size, augmentation and normalization run batched on the training device (signport.train.augment).
Images and clips are decoded once and kept in memory: the datasets this project trains on
(synthetic, ASL Alphabet samples, user recordings) fit, and decoding dominates a CPU epoch otherwise.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.utils.data import Dataset
from tqdm import tqdm

from signport.core.errors import DataError
from signport.core.preprocessing import NUM_LANDMARKS, Preprocessing
from signport.data.types import ArrayImageSet, ImageIndex, LandmarkSet, VideoIndex
from signport.train.sources import read_image, read_video

# Training images are stored a little larger than the input so a random resized crop keeps detail.
TRAIN_STORE_MARGIN = 1.15
DATASET_BUILDERS: dict[str, object] = {}
ACCEPTED_INDEX_TYPES = {"image": (ImageIndex, ArrayImageSet), "clip": (VideoIndex,), "landmarks": (LandmarkSet,)}


def register_dataset(input_kind: str):
    def decorator(build):
        DATASET_BUILDERS[input_kind] = build
        return build
    return decorator


def split_indices(targets: np.ndarray, val_fraction: float, test_fraction: float, seed: int,
                  predefined: list[str] | None = None) -> dict[str, np.ndarray]:
    """{'train', 'val', 'test'} -> sorted sample indices, stratified per class and fixed by `seed`.

    A dataset that defines its own split (WLASL) keeps it. Every class with at least 3 samples
    gets at least one validation and one test sample when the fractions are non-zero.
    """
    if predefined is not None:
        names = np.asarray(predefined)
        return {name: np.flatnonzero(names == name) for name in ("train", "val", "test")}
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {"train": [], "val": [], "test": []}
    for cls in np.unique(targets):
        members = rng.permutation(np.flatnonzero(targets == cls))
        n = len(members)
        n_test = max(1 if n >= 3 and test_fraction > 0 else 0, int(round(n * test_fraction)))
        n_val = max(1 if n >= 3 and val_fraction > 0 else 0, int(round(n * val_fraction)))
        parts["test"].append(members[:n_test])
        parts["val"].append(members[n_test : n_test + n_val])
        parts["train"].append(members[n_test + n_val :])
    return {name: np.sort(np.concatenate(chunks)) if chunks else np.zeros(0, np.int64) for name, chunks in parts.items()}


def cap_per_class(indices: np.ndarray, targets: np.ndarray, max_per_class: int | None, seed: int) -> np.ndarray:
    """At most `max_per_class` of `indices` per class (a seeded choice), for quick runs."""
    if not max_per_class:
        return indices
    rng = np.random.default_rng(seed + 1)
    kept = [rng.permutation(indices[targets[indices] == cls])[:max_per_class] for cls in np.unique(targets[indices])]
    return np.sort(np.concatenate(kept))


def check_index_kind(index, input_kind: str, data: str) -> None:
    if not isinstance(index, ACCEPTED_INDEX_TYPES[input_kind]):
        raise DataError(f"{data} holds {type(index).__name__} but this model takes {input_kind} input; pass a matching dataset")


class PixelDataset(Dataset):
    """uint8 images (N, H, W, 3) -> (uint8 (3, H, W), target)."""

    def __init__(self, images: np.ndarray, targets: np.ndarray):
        self.images, self.targets = images, np.asarray(targets, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i):
        return torch.from_numpy(self.images[i]).permute(2, 0, 1), int(self.targets[i])


class LandmarkDataset(Dataset):
    """raw landmarks (N, 63) float32 -> (float32 (63,), target)."""

    def __init__(self, landmarks: np.ndarray, targets: np.ndarray):
        self.landmarks = np.ascontiguousarray(landmarks.reshape(len(landmarks), NUM_LANDMARKS * 3), dtype=np.float32)
        self.targets = np.asarray(targets, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i):
        return torch.from_numpy(self.landmarks[i]), int(self.targets[i])


def clip_frame_indices(num_frames: int, clip_length: int, step: float, train: bool, first: int = 0, last: int | None = None) -> np.ndarray:
    """Which frames make a clip: `clip_length` frames `step` apart inside [first, last].

    Training draws a random start and a playback speed within ±15 % (temporal jitter) from
    torch's generator; evaluation takes the centred window. Short videos repeat their last frame.
    """
    last = num_frames - 1 if last is None else min(last, num_frames - 1)
    if train:
        step = step * float(torch.empty(()).uniform_(0.85, 1.15))
    span = step * (clip_length - 1)
    room = max(0.0, (last - first) - span)
    start = first + (float(torch.rand(())) * room if train else room / 2)
    return np.clip(np.round(start + step * np.arange(clip_length)).astype(np.int64), first, last)


class ClipDataset(Dataset):
    """Decoded videos -> (uint8 (3, T, H, W) clip, target), frames re-drawn every epoch when training."""

    def __init__(self, videos: list[np.ndarray], video_fps: list[float], targets: np.ndarray, prep: Preprocessing,
                 train: bool, frame_ranges: list[tuple[int, int]] | None = None):
        self.videos, self.video_fps, self.targets = videos, video_fps, np.asarray(targets, dtype=np.int64)
        self.clip_length, self.clip_fps, self.train = int(prep.clip_length), float(prep.clip_fps), train
        self.frame_ranges = frame_ranges

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i):
        video = self.videos[i]
        first, last = self.frame_ranges[i] if self.frame_ranges else (0, len(video) - 1)
        step = self.video_fps[i] / self.clip_fps
        frames = video[clip_frame_indices(len(video), self.clip_length, step, self.train, first, last)]
        return torch.from_numpy(frames).permute(3, 0, 1, 2), int(self.targets[i])


def stored_size(prep: Preprocessing, train: bool) -> int:
    size = int(prep.input_size[0])
    return int(math.ceil(size * TRAIN_STORE_MARGIN)) if train else size


def decode_images(index: ImageIndex | ArrayImageSet, indices: np.ndarray, size: int, desc: str = "decoding") -> np.ndarray:
    """uint8 (len(indices), size, size, 3)."""
    import cv2

    out = np.empty((len(indices), size, size, 3), dtype=np.uint8)
    for row, i in enumerate(tqdm(indices, desc=desc, unit="img", leave=False, disable=None)):
        if isinstance(index, ImageIndex):
            out[row] = read_image(index.paths[i], size)
        else:
            image = index.images[i]
            image = np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image
            out[row] = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA) if image.shape[:2] != (size, size) else image
    return out


@register_dataset("image")
def image_dataset(index: ImageIndex | ArrayImageSet, indices: np.ndarray, prep: Preprocessing, train: bool) -> Dataset:
    images = decode_images(index, indices, stored_size(prep, train), desc="decoding train images" if train else "decoding images")
    return PixelDataset(images, index.targets()[indices])


@register_dataset("landmarks")
def landmark_dataset(index: LandmarkSet, indices: np.ndarray, prep: Preprocessing, train: bool) -> Dataset:
    return LandmarkDataset(index.landmarks[indices], index.targets()[indices])


@register_dataset("clip")
def clip_dataset(index: VideoIndex, indices: np.ndarray, prep: Preprocessing, train: bool) -> Dataset:
    size = stored_size(prep, train)
    videos, rates = [], []
    for i in tqdm(indices, desc="decoding videos", unit="video", leave=False, disable=None):
        frames, fps = read_video(index.paths[i], size)
        videos.append(frames)
        rates.append(fps)
    ranges = [index.frame_ranges[i] for i in indices] if index.frame_ranges else None
    return ClipDataset(videos, rates, index.targets()[indices], prep, train, ranges)


def build_dataset(index, indices: np.ndarray, prep: Preprocessing, train: bool) -> Dataset:
    return DATASET_BUILDERS[prep.input_kind](index, np.asarray(indices, dtype=np.int64), prep, train)


def make_splits(index, val_fraction: float, test_fraction: float, seed: int, max_per_class: int | None = None) -> dict[str, np.ndarray]:
    """The training run's train/val/test sample indices; `signport evaluate` re-derives the same ones
    from the seed and fractions in checkpoint.json."""
    targets = index.targets()
    subset = cap_per_class(np.arange(len(targets)), targets, max_per_class, seed)
    predefined = getattr(index, "splits", None)
    parts = split_indices(targets[subset], val_fraction, test_fraction, seed,
                          predefined=[predefined[i] for i in subset] if predefined else None)
    return {name: subset[positions] for name, positions in parts.items()}
