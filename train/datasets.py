"""torch Datasets over the index types of signport.data.types, and the training run's splits.

Datasets hand out uint8 pixels (or raw landmarks) at a stored size; resizing to the input
size, augmentation and normalization run batched on the training device (signport.train.augment).
Images and clips are decoded once and kept in memory: the datasets this project trains on
(synthetic, ASL Alphabet samples, user recordings) fit, and decoding dominates a CPU epoch otherwise.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset
from tqdm import tqdm

from signport.core.errors import DataError
from signport.core.preprocessing import NUM_LANDMARKS, Preprocessing
from signport.data.loaders import read_image
from signport.data.types import ArrayImageSet, ImageIndex, LandmarkSet, VideoIndex
from signport.data.splits import split_indices
from signport.data.video import read_video_frames, sample_frame_indices, temporal_stride, video_info

# Training images are stored a little larger than the input so a random resized crop keeps detail.
TRAIN_STORE_MARGIN = 1.15
ACCEPTED_INDEX_TYPES = {"image": (ImageIndex, ArrayImageSet), "clip": (VideoIndex,), "landmarks": (LandmarkSet,)}


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


class ClipDataset(Dataset):
    """Decoded videos -> (uint8 (3, T, H, W) clip, target).

    Training draws a random window inside the sign every time (temporal jitter, from torch's
    generator so the training state covers it); evaluation takes the centred window.
    """

    def __init__(self, videos: list[np.ndarray], video_fps: list[float], targets: np.ndarray, prep: Preprocessing,
                 train: bool, frame_ranges: list[tuple[int, int]] | None = None):
        self.videos, self.video_fps, self.targets = videos, video_fps, np.asarray(targets, dtype=np.int64)
        self.clip_length, self.clip_fps, self.train = int(prep.clip_length), float(prep.clip_fps), train
        self.frame_ranges = frame_ranges

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i):
        video = self.videos[i]
        first, last = self.frame_ranges[i] if self.frame_ranges else (None, None)
        rng = np.random.default_rng(int(torch.randint(0, 2**31 - 1, ()))) if self.train else None
        indices = sample_frame_indices(len(video), self.clip_length, "random" if self.train else "center", rng,
                                       start=first, end=last, stride=temporal_stride(self.video_fps[i], self.clip_fps))
        return torch.from_numpy(video[indices]).permute(3, 0, 1, 2), int(self.targets[i])


def stored_size(prep: Preprocessing, train: bool) -> int:
    size = int(prep.input_size[0])
    return int(math.ceil(size * TRAIN_STORE_MARGIN)) if train else size


def read_hand_crop(path, box: np.ndarray, size: int) -> np.ndarray:
    """uint8 (size, size, 3): the image's square hand crop; `box` is x0, y0, x1, y1 in fractions of width and height."""
    from signport.hands.crop import Box, crop_square

    image = read_image(path)
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (float(v) for v in box)
    return crop_square(image, Box(int(round(x0 * w)), int(round(y0 * h)), int(round(x1 * w)), int(round(y1 * h))), size)


def decode_images(index: ImageIndex | ArrayImageSet, indices: np.ndarray, size: int, desc: str = "decoding") -> np.ndarray:
    """uint8 (len(indices), size, size, 3)."""
    import cv2

    out = np.empty((len(indices), size, size, 3), dtype=np.uint8)
    for row, i in enumerate(tqdm(indices, desc=desc, unit="img", leave=False, disable=None)):
        if isinstance(index, ImageIndex) and index.crop_boxes is not None:
            out[row] = read_hand_crop(index.paths[i], index.crop_boxes[i], size)
        elif isinstance(index, ImageIndex):
            out[row] = read_image(index.paths[i], size)
        else:
            image = index.images[i]
            image = np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image
            out[row] = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA) if image.shape[:2] != (size, size) else image
    return out


def image_dataset(index: ImageIndex | ArrayImageSet, indices: np.ndarray, prep: Preprocessing, train: bool) -> Dataset:
    images = decode_images(index, indices, stored_size(prep, train), desc="decoding train images" if train else "decoding images")
    return PixelDataset(images, index.targets()[indices])


def landmark_dataset(index: LandmarkSet, indices: np.ndarray, prep: Preprocessing, train: bool) -> Dataset:
    return LandmarkDataset(index.landmarks[indices], index.targets()[indices])


def clip_dataset(index: VideoIndex, indices: np.ndarray, prep: Preprocessing, train: bool) -> Dataset:
    size = stored_size(prep, train)
    videos, rates = [], []
    for i in tqdm(indices, desc="decoding videos", unit="video", leave=False, disable=None):
        videos.append(read_video_frames(index.paths[i], size=size))
        rates.append(video_info(index.paths[i]).fps or float(prep.clip_fps))
    ranges = [index.frame_ranges[i] for i in indices] if index.frame_ranges else None
    return ClipDataset(videos, rates, index.targets()[indices], prep, train, ranges)


DATASET_BUILDERS: dict[str, object] = {
    "image": image_dataset,
    "landmarks": landmark_dataset,
    "clip": clip_dataset,
}


def build_dataset(index, indices: np.ndarray, prep: Preprocessing, train: bool) -> Dataset:
    return DATASET_BUILDERS[prep.input_kind](index, np.asarray(indices, dtype=np.int64), prep, train)


def holdout_rows(index, holdout: str) -> np.ndarray:
    """(N,) bool: samples whose source or signer is named in `holdout` (comma-separated; 's03' also
    matches 'asl_signers/s03'). A name that matches nothing is an error, not an empty test set."""
    sources = getattr(index, "sources", None) or [None] * len(index)
    signers = getattr(index, "signers", None) or [None] * len(index)
    chosen = np.zeros(len(index), dtype=bool)
    for name in (entry.strip() for entry in holdout.split(",") if entry.strip()):
        hits = np.array([name == source or (signer is not None and (name == signer or signer.endswith("/" + name)))
                         for source, signer in zip(sources, signers)], dtype=bool)
        if not hits.any():
            known = sorted(set(filter(None, sources)) | set(filter(None, signers)))
            raise DataError(f"--holdout {name!r} names no source or signer in the data; known: {', '.join(known[:20]) or 'none (the data has no signer ids)'}")
        chosen |= hits
    return chosen


def signer_count(index) -> int:
    """How many distinct signers (groups) the data has; 1 when it has no signer ids."""
    signers = getattr(index, "signers", None)
    return len(set(signers)) if signers else 1


def make_splits(index, val_fraction: float, test_fraction: float, seed: int, max_per_class: int | None = None,
                split_by: str = "sample", holdout: str | None = None) -> dict[str, np.ndarray]:
    """The training run's train/val/test sample indices, stratified by label (and disjoint by signer
    with split_by='signer', or in file order per label with split_by='order', for rows that come
    from recorded sequences); a dataset that defines its own split (WLASL) keeps it. With `holdout`
    (sources or signers) exactly those samples are the test split and the rest give train and val
    (leave-one-signer-out, leave-one-source-out). `signport evaluate` re-derives the same indices
    from the settings recorded in checkpoint.json."""
    targets = index.targets()
    subset = cap_per_class(np.arange(len(targets)), targets, max_per_class, seed)
    predefined = getattr(index, "splits", None)
    if predefined and not holdout:
        names = np.asarray([predefined[i] for i in subset])
        return {name: subset[names == name] for name in ("train", "val", "test")}
    test = np.zeros(0, dtype=np.int64)
    if holdout:
        held = holdout_rows(index, holdout)[subset]
        test, subset = subset[held], subset[~held]
        val_fraction, test_fraction = val_fraction / max(1.0 - test_fraction, 1e-9), 0.0
        if len(subset) == 0:
            raise DataError(f"--holdout {holdout!r} holds out every sample; nothing is left to train on")
    if split_by == "order":
        parts = _ordered_split(subset, targets[subset], val_fraction, test_fraction)
    else:
        groups = None
        if split_by == "signer":
            if not getattr(index, "signers", None):
                raise DataError("--split-by signer needs signer ids in the data (asl_signers, asl_signers_landmarks.npz, the synthetic letters have them); "
                                "this dataset has one signer, so only --split-by sample (or order) is possible")
            groups = [index.signers[i] for i in subset]
            if len(set(groups)) < 2 and not holdout:
                raise DataError(f"--split-by signer: the data has one signer ({groups[0]}), so no signer can be held out; use --split-by sample")
            if len(set(groups)) < 2:
                groups = None  # one signer left besides the held-out ones: validation can only take samples
        labels = [index.labels[i] for i in subset]
        fractions = (1.0 - val_fraction - test_fraction, val_fraction, test_fraction)
        positions = split_indices(labels, fractions, seed, groups=groups)
        parts = {name: subset[p] for name, p in positions.items()}
    if holdout:
        parts["test"] = np.sort(test)
    return parts


def split_source(index, split_by: str) -> str:
    """Where make_splits took the split from, for the log line that reports it."""
    if getattr(index, "splits", None):
        return f"as {Path(index.extra.get('split_file', 'the split file')).name} says"
    return {"sample": "random per sample: the same signer may be on both sides", "signer": "disjoint by signer",
            "order": "in file order per label"}[split_by]


def empty_split_reason(index, split: str) -> str:
    """Why `split` came out empty, for the one-line message that says so."""
    if getattr(index, "splits", None):
        source = index.extra.get("split_file", "the data's split file")
        return f"{source} assigns no sample to '{split}'"
    return f"{len(index)} samples are too few for the --val-fraction/--test-fraction asked"


def _ordered_split(subset: np.ndarray, targets: np.ndarray, val_fraction: float, test_fraction: float) -> dict[str, np.ndarray]:
    """Per label, in file order: the first rows train, the next validate, the last test, so frames
    recorded next to each other rarely end up on both sides."""
    parts: dict[str, list[np.ndarray]] = {"train": [], "val": [], "test": []}
    for cls in np.unique(targets):
        rows = subset[targets == cls]
        n_test, n_val = int(round(len(rows) * test_fraction)), int(round(len(rows) * val_fraction))
        n_train = len(rows) - n_val - n_test
        parts["train"].append(rows[:n_train])
        parts["val"].append(rows[n_train : n_train + n_val])
        parts["test"].append(rows[n_train + n_val :])
    return {name: np.sort(np.concatenate(chunks)) for name, chunks in parts.items()}
