"""The held-out set parity is measured on: real data when given, synthetic otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signport.core.errors import DataError, InputError
from signport.core.labels import canonical_label
from signport.core.preprocessing import Preprocessing, normalize_image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


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
    """Labelled samples from PATH: a folder of class folders of images, or a landmarks .npz."""
    if not path.exists():
        raise InputError(f"--data {path} does not exist; pass a folder of class folders or a landmarks .npz")
    if prep.input_kind == "landmarks":
        return _landmark_heldout(path, labels, samples, seed)
    if prep.input_kind == "image":
        return _image_heldout(path, prep, labels, samples, seed)
    raise InputError(f"--data for {prep.input_kind} models is not supported yet; run without --data for a synthetic set")


def _label_index(name: str, labels: list[str]) -> int | None:
    canonical = canonical_label(name)
    return labels.index(canonical) if canonical in labels else None


def _image_heldout(root: Path, prep: Preprocessing, labels: list[str], samples: int, seed: int) -> HeldoutSet:
    import cv2

    files: list[tuple[Path, int]] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        index = _label_index(folder.name, labels)
        if index is not None:
            files += [(f, index) for f in sorted(folder.iterdir()) if f.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        raise DataError(f"--data {root}: no images in class folders named like the bundle's labels ({', '.join(labels[:5])}, ...)")
    chosen = _balanced_choice([label for _, label in files], samples, seed)
    h, w = prep.input_size
    inputs, targets = [], []
    for i in chosen:
        path, label = files[i]
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise DataError(f"{path} is not a readable image; remove it or re-download the dataset")
        rgb = cv2.cvtColor(cv2.resize(bgr, (w, h), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
        inputs.append(normalize_image(rgb, prep))
        targets.append(label)
    return HeldoutSet(np.stack(inputs), np.asarray(targets), f"real: {len(chosen)} images from {root}, balanced per class, seed {seed}")


def _landmark_heldout(path: Path, labels: list[str], samples: int, seed: int) -> HeldoutSet:
    try:
        with np.load(path, allow_pickle=False) as data:
            landmarks, names = data["landmarks"], data["labels"]
    except (OSError, ValueError, KeyError) as e:
        raise DataError(f"--data {path}: expected an .npz with 'landmarks' (N, 21, 3) and 'labels' (N,) ({e})") from e
    indices = [_label_index(str(n), labels) for n in names]
    keep = [i for i, index in enumerate(indices) if index is not None]
    if not keep:
        raise DataError(f"--data {path}: none of its labels are in the bundle's labels")
    chosen = [keep[i] for i in _balanced_choice([indices[k] for k in keep], samples, seed)]
    inputs = landmarks[chosen].reshape(len(chosen), -1).astype(np.float32)
    return HeldoutSet(inputs, np.asarray([indices[i] for i in chosen]), f"real: {len(chosen)} landmark rows from {path}, balanced per class, seed {seed}")


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
