"""The held-out set parity is measured on: real data when given, synthetic otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signport.core.errors import DataError, InputError
from signport.core.preprocessing import Preprocessing, mirror_landmarks_x, normalize_image


@dataclass
class HeldoutSet:
    inputs: np.ndarray  # (N, *model input shape without batch), float32
    labels: np.ndarray | None  # (N,) indices into the bundle's labels; None: no ground truth
    source: str  # one line for the report: what these samples are


def synthetic_heldout(prep: Preprocessing, samples: int, seed: int) -> HeldoutSet:
    """Random inputs of the model's exact input shape and value distribution, fixed seed.

    Images and clips are uniform random uint8 pixels normalized with the bundle's mean/std;
    landmarks are uniform in the normalized image square. They have no labels, so parity is
    agreement and |Δlogit| only (no accuracy).
    """
    rng = np.random.default_rng(seed)
    if prep.input_kind == "landmarks":
        inputs = rng.uniform(0.1, 0.9, (samples, *prep.input_shape()[1:])).astype(np.float32)
        what = "landmarks uniform in [0.1, 0.9]"
    else:
        h, w = prep.input_size
        frames = int(prep.clip_length or 1) if prep.input_kind == "clip" else 1
        pixels = rng.integers(0, 256, (samples, frames, h, w, 3), dtype=np.uint8)
        normalized = np.stack([[normalize_image(f, prep) for f in clip] for clip in pixels])  # (N, T, 3, H, W)
        inputs = normalized.transpose(0, 2, 1, 3, 4) if prep.input_kind == "clip" else normalized[:, 0]
        what = "uniform random uint8 pixels normalized with the bundle's mean/std"
    return HeldoutSet(
        np.ascontiguousarray(inputs, np.float32),
        None,
        f"synthetic: {samples} samples of the model's input shape ({what}), seed {seed}; "
        "signport.data.synth is not installed, so these carry no labels and accuracy is not measured",
    )


def real_heldout(path: Path, prep: Preprocessing, labels: list[str], samples: int, seed: int) -> HeldoutSet:
    """Labelled samples from any dataset signport.data.loaders reads, balanced over the classes the
    bundle knows (a dataset's own test split when it has one)."""
    from signport.data.loaders import load_dataset

    dataset = load_dataset(path)
    kind = type(dataset).__name__
    reader, needs = HELDOUT_READERS.get(kind, (None, None))
    if reader is None or prep.input_kind != needs:
        raise InputError(f"--data {path} holds {kind} but the bundle's model takes {prep.input_kind} input; "
                         "pass data of that kind or leave --data out for a synthetic set")
    split_note = ""
    if getattr(dataset, "splits", None) and "test" in dataset.splits:
        dataset, split_note = dataset.subset("test"), " (its test split)"
    targets = [labels.index(label) if label in labels else None for label in dataset.labels]
    known = [i for i, t in enumerate(targets) if t is not None]
    if not known:
        raise DataError(f"--data {path}: none of its classes ({', '.join(dataset.classes[:5])}, ...) are in the bundle's labels")
    chosen = [known[i] for i in _balanced_choice([targets[k] for k in known], samples, seed)]
    inputs = reader(dataset, chosen, prep)
    return HeldoutSet(
        np.ascontiguousarray(inputs, np.float32), np.asarray([targets[i] for i in chosen]),
        f"real: {len(chosen)} samples from {path}{split_note}, balanced over {len({targets[i] for i in chosen})} classes, "
        f"seed {seed} (the bench cannot tell which samples the model trained on: pass data it did not see)",
    )


def _images(dataset, chosen: list[int], prep: Preprocessing) -> np.ndarray:
    from signport.data.loaders import read_image

    return np.stack([normalize_image(read_image(dataset.paths[i], prep.input_size), prep) for i in chosen])


def _array_images(dataset, chosen: list[int], prep: Preprocessing) -> np.ndarray:
    import cv2

    h, w = prep.input_size
    images = []
    for i in chosen:
        image = dataset.images[i]
        rgb = np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image
        images.append(normalize_image(cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA), prep))
    return np.stack(images)


def _landmarks(dataset, chosen: list[int], prep: Preprocessing) -> np.ndarray:
    points = dataset.landmarks[chosen]
    if dataset.is_left_hand is not None:  # the caller's one normalization step (core.preprocessing)
        left = dataset.is_left_hand[chosen]
        points = np.where(left[:, None, None], mirror_landmarks_x(points), points)
    return points.reshape(len(chosen), -1)


def _clips(dataset, chosen: list[int], prep: Preprocessing) -> np.ndarray:
    from signport.data.video import read_video_frames, sample_frame_indices, temporal_stride, video_info

    clips = []
    for i in chosen:
        info = video_info(dataset.paths[i])
        start, end = dataset.frame_ranges[i] if dataset.frame_ranges else (None, None)
        indices = sample_frame_indices(info.num_frames, int(prep.clip_length), "center", start=start, end=end,
                                       stride=temporal_stride(info.fps, prep.clip_fps))
        frames = read_video_frames(dataset.paths[i], indices, size=prep.input_size)
        clips.append(np.stack([normalize_image(f, prep) for f in frames], axis=1))  # (3, T, H, W)
    return np.stack(clips)


# dataset type (signport.data.types) -> (reader, the input kind it feeds)
HELDOUT_READERS = {
    "ImageIndex": (_images, "image"),
    "ArrayImageSet": (_array_images, "image"),
    "LandmarkSet": (_landmarks, "landmarks"),
    "VideoIndex": (_clips, "clip"),
}


def _balanced_choice(labels: list[int], samples: int, seed: int) -> list[int]:
    """Up to `samples` indices, round-robin over classes in a seeded order."""
    rng = np.random.default_rng(seed)
    by_class: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        by_class.setdefault(label, []).append(i)
    queues = {c: list(rng.permutation(idx)) for c, idx in sorted(by_class.items())}
    chosen: list[int] = []
    while len(chosen) < samples and any(queues.values()):
        for queue in queues.values():
            if queue and len(chosen) < samples:
                chosen.append(int(queue.pop()))
    return chosen
