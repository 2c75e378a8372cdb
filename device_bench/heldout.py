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


def synthetic_heldout(prep: Preprocessing, labels: list[str], samples: int, seed: int) -> HeldoutSet:
    """The embedded default: labelled samples rendered by signport.data.synth for the bundle's
    classes it knows (letters for image and landmark models, signs for clip models), from a signer
    stream of its own; unlabelled synthetic inputs (export's generator) when it knows none."""
    supported, render = SYNTH_RENDERERS[prep.input_kind]
    known = [i for i, label in enumerate(labels) if label in supported()]
    if not known:
        from signport.export.calibration import synthetic_inputs

        return HeldoutSet(synthetic_inputs(prep, samples, seed), None,
                          f"synthetic: {samples} unlabelled inputs of the model's shape (export's generator), seed {seed}; "
                          "signport.data.synth renders none of the bundle's classes, so accuracy is not measured")
    from signport.data.synth import signer_for_index

    rng = np.random.default_rng([seed, SYNTH_STREAM])
    targets = [known[k % len(known)] for k in range(samples)]
    inputs = [render(labels[t], signer_for_index(seed + SYNTH_STREAM, "default", k % SYNTH_SIGNERS), rng, prep)
              for k, t in enumerate(targets)]
    return HeldoutSet(
        np.ascontiguousarray(np.stack(inputs), np.float32), np.asarray(targets),
        f"synthetic: {samples} samples rendered by signport.data.synth over {len(known)} of the bundle's classes, "
        f"{SYNTH_SIGNERS} signers, seed {seed} (accuracy means something only for a model trained on synthetic data)",
    )


SYNTH_STREAM = 7919  # keeps the bench's signers apart from the ones `signport data synth` writes for training
SYNTH_SIGNERS = 8


def _synth_letters() -> set[str]:
    from signport.data.synth import HANDSHAPES

    return set(HANDSHAPES) | {"nothing"}


def _render_letter_image(label: str, signer, rng, prep: Preprocessing) -> np.ndarray:
    from signport.data.synth import render_letter

    image, _ = render_letter(label, signer, rng, size=int(prep.input_size[0]))
    return normalize_image(_resize(image, prep), prep)


def _render_letter_landmarks(label: str, signer, rng, prep: Preprocessing) -> np.ndarray:
    from signport.data.synth import letter_landmarks

    return letter_landmarks(label, signer, rng).reshape(-1)


def _synth_landmark_letters() -> set[str]:
    return _synth_letters() - {"nothing"}  # no hand, no landmarks


def _synth_glosses() -> set[str]:
    from signport.data.synth import CLIP_GLOSSES

    return set(CLIP_GLOSSES)


def _render_clip(label: str, signer, rng, prep: Preprocessing) -> np.ndarray:
    from signport.data.synth import render_clip

    frames, _, _ = render_clip(label, signer, rng, frames=int(prep.clip_length), size=int(prep.input_size[0]))
    return np.stack([normalize_image(_resize(f, prep), prep) for f in frames], axis=1)  # (3, T, H, W)


def _resize(rgb: np.ndarray, prep: Preprocessing) -> np.ndarray:
    import cv2

    h, w = prep.input_size
    return rgb if rgb.shape[:2] == (h, w) else cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)


# input kind -> (the labels signport.data.synth can render, render(label, signer, rng, prep) -> one model input)
SYNTH_RENDERERS = {
    "image": (_synth_letters, _render_letter_image),
    "landmarks": (_synth_landmark_letters, _render_letter_landmarks),
    "clip": (_synth_glosses, _render_clip),
}


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
