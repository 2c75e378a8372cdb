"""Model inputs from any dataset signport.data.loaders reads: the one conversion from a loaded
dataset (image folders, array images, landmark files, videos) to preprocessed arrays in the
model's layout, for the bench's held-out set and export's calibration alike."""

from __future__ import annotations

import numpy as np

from signport.core.errors import InputError
from signport.core.preprocessing import Preprocessing, mirror_landmarks_x, normalize_image


def model_inputs(dataset, chosen: list[int], prep: Preprocessing) -> np.ndarray:
    """(len(chosen), *input shape) float32: the samples `chosen` of `dataset`, preprocessed as `prep` says."""
    reader, _ = READERS[type(dataset).__name__]
    return np.ascontiguousarray(reader(dataset, chosen, prep), np.float32)


def check_input_kind(dataset, prep: Preprocessing, what: str, fix: str) -> None:
    """Raise InputError when `dataset` cannot feed a model taking `prep.input_kind` input."""
    kind = type(dataset).__name__
    reader, needs = READERS.get(kind, (None, None))
    if reader is None or prep.input_kind != needs:
        raise InputError(f"{what} holds {kind} but the model takes {prep.input_kind} input; {fix}")


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
READERS = {
    "ImageIndex": (_images, "image"),
    "ArrayImageSet": (_array_images, "image"),
    "LandmarkSet": (_landmarks, "landmarks"),
    "VideoIndex": (_clips, "clip"),
}


def balanced_choice(labels: list[int], samples: int, seed: int) -> list[int]:
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
