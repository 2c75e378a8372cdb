"""Model inputs for int8 calibration and for the held-out parity check.

The exporter takes any `InputSamples` (arrays already preprocessed to the model's input
layout). The CLI builds one from `--calibration`: any dataset `signport train --data` reads
(image class folders, a landmark .npz/.csv, WLASL-style videos), a folder of inputs already in
model layout (.npy/.npz), or synthetic inputs generated from the checkpoint's preprocessing.
Calibration and parity samples never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signport.core.errors import DataError, InputError
from signport.core.preprocessing import LANDMARK_DIMS, NUM_LANDMARKS, Preprocessing, normalize_image

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
ARRAY_SUFFIXES = (".npy", ".npz")
NPZ_KEYS = ("inputs", "landmarks", "x")


@dataclass
class InputSamples:
    """Disjoint calibration and held-out parity inputs, each (N, *input_shape[1:]) float32."""

    calibration: np.ndarray | None
    parity: np.ndarray
    source: str

    def describe(self) -> dict:
        return {
            "source": self.source,
            "calibration_samples": 0 if self.calibration is None else int(len(self.calibration)),
            "parity_samples": int(len(self.parity)),
        }


def samples_from_arrays(calibration: np.ndarray | None, parity: np.ndarray, source: str = "caller") -> InputSamples:
    """Wrap arrays a caller already has (e.g. a data loader's output)."""
    return InputSamples(
        None if calibration is None else np.ascontiguousarray(calibration, np.float32),
        np.ascontiguousarray(parity, np.float32), source,
    )


def build_input_samples(
    calibration: str | Path | None, prep: Preprocessing, *, calibration_count: int, parity_count: int, needs_calibration: bool, seed: int,
) -> InputSamples:
    """Resolve `--calibration` into arrays. Without it, parity runs on synthetic inputs and
    int8 is refused: quantizing on inputs nobody chose would hide a bad calibration."""
    if calibration is None:
        if needs_calibration:
            raise InputError(
                "int8 export needs a calibration set: pass --calibration DIR (a folder of model inputs) "
                "or --calibration synthetic (generated from the checkpoint's preprocessing; fine for a smoke test, poor for accuracy)"
            )
        return InputSamples(None, synthetic_inputs(prep, parity_count, seed + 1), "synthetic")
    if str(calibration) == "synthetic":
        calib = synthetic_inputs(prep, calibration_count, seed) if needs_calibration else None
        return InputSamples(calib, synthetic_inputs(prep, parity_count, seed + 1), "synthetic")
    wanted = calibration_count if needs_calibration else 0
    inputs = load_calibration_inputs(Path(calibration), prep, wanted + parity_count, seed)
    if len(inputs) <= wanted:
        raise DataError(
            f"{calibration} holds {len(inputs)} inputs but {wanted} are taken for calibration and at least one more is needed "
            "for the held-out parity check; add inputs or lower --calibration-samples"
        )
    order = np.random.default_rng(seed).permutation(len(inputs))
    calib = inputs[order[:wanted]] if needs_calibration else None
    parity = inputs[order[wanted : wanted + parity_count]]
    return InputSamples(calib, parity, str(calibration))


def load_calibration_inputs(path: Path, prep: Preprocessing, count: int, seed: int) -> np.ndarray:
    """Model inputs from `--calibration PATH`: a folder of model-layout arrays as it is, otherwise
    up to `count` samples, balanced over classes, of any dataset the loaders read."""
    from signport.data.loaders import load_dataset
    from signport.data.model_inputs import balanced_choice, check_input_kind, model_inputs

    if not path.exists():
        raise DataError(f"--calibration {path} does not exist; pass a dataset (as for --data), a folder of .npy inputs, "
                        "or --calibration synthetic")
    if path.is_dir() and _holds_model_arrays(path):
        return load_input_folder(path, prep)
    try:
        dataset = load_dataset(path)
    except DataError:
        if path.is_dir():  # a flat folder of images: model inputs, unlabelled
            return load_input_folder(path, prep)
        raise
    check_input_kind(dataset, prep, f"--calibration {path}", "pass data of that kind or --calibration synthetic")
    return model_inputs(dataset, balanced_choice(list(dataset.targets()), count, seed), prep)


def _holds_model_arrays(folder: Path) -> bool:
    """A folder of inputs already in model layout: .npy files, or .npz files without labels."""
    for path in folder.rglob("*"):
        if path.suffix.lower() == ".npy":
            return True
        if path.suffix.lower() == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                if "labels" not in archive.files:
                    return True
    return False


def load_input_folder(folder: Path, prep: Preprocessing) -> np.ndarray:
    """Every input under `folder`, sorted by path: .npy/.npz arrays already in model layout
    (one sample or a batch per file; landmarks may be (21, 3)), or images for image models."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in ARRAY_SUFFIXES + IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"calibration folder {folder} has no .npy, .npz or image files; add model inputs or use --calibration synthetic")
    sample_shape = prep.input_shape(1)[1:]
    batches = [_read_inputs(path, prep, sample_shape) for path in files]
    return np.ascontiguousarray(np.concatenate(batches), dtype=np.float32)


def _read_inputs(path: Path, prep: Preprocessing, sample_shape: tuple[int, ...]) -> np.ndarray:
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        if prep.input_kind != "image":
            raise DataError(f"{path}: images calibrate image models only; this {prep.input_kind} model needs .npy inputs of shape {sample_shape}")
        return _read_image(path, prep)[None]
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            key = next((k for k in NPZ_KEYS if k in archive.files), None)
            if key is None:
                raise DataError(f"{path}: no array named {' or '.join(NPZ_KEYS)}; save the inputs under one of those keys")
            array = archive[key]
    else:
        array = np.load(path, allow_pickle=False)
    array = np.asarray(array, dtype=np.float32)
    if prep.input_kind == "landmarks" and array.shape[-2:] == (NUM_LANDMARKS, LANDMARK_DIMS):
        array = array.reshape(*array.shape[:-2], NUM_LANDMARKS * LANDMARK_DIMS)
    if array.shape == sample_shape:
        return array[None]
    if array.shape[1:] == sample_shape:
        return array
    raise DataError(f"{path}: array of shape {array.shape} is neither one input {sample_shape} nor a batch of them; preprocess it as the checkpoint says")


def _read_image(path: Path, prep: Preprocessing) -> np.ndarray:
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise DataError(f"{path}: not a readable image; remove it from the calibration folder")
    height, width = prep.input_size
    rgb = cv2.cvtColor(cv2.resize(bgr, (width, height), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    return normalize_image(rgb, prep)


def synthetic_inputs(prep: Preprocessing, count: int, seed: int) -> np.ndarray:
    """`count` model inputs from signport's procedural generator (signport.data.synth), the
    same renderer as the built-in training data: letters for images and landmarks, dynamic
    signs for clips, each from a different synthetic signer, preprocessed as `prep` says."""
    from signport.core.labels import ASL_LETTERS, LETTERS_AZ
    from signport.data.synth import CLIP_GLOSSES, letter_landmarks, render_clip, render_letter, signer_for_index

    rng = np.random.default_rng(seed)
    height, width = prep.input_size
    samples = []
    for index in range(count):
        signer = signer_for_index(seed, "default", index)
        if prep.input_kind == "landmarks":
            hand = letter_landmarks(str(rng.choice(LETTERS_AZ)), signer, rng)
            samples.append(hand.reshape(NUM_LANDMARKS * LANDMARK_DIMS))
        elif prep.input_kind == "clip":
            frames, _, _ = render_clip(str(rng.choice(CLIP_GLOSSES)), signer, rng, frames=int(prep.clip_length or 1), size=height)
            samples.append(np.stack([normalize_image(_fit(frame, height, width), prep) for frame in frames], axis=1))
        else:
            image, _ = render_letter(str(rng.choice(ASL_LETTERS)), signer, rng, size=max(height, width))
            samples.append(normalize_image(_fit(image, height, width), prep))
    return np.ascontiguousarray(np.stack(samples), dtype=np.float32)


def _fit(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    import cv2

    if rgb.shape[:2] == (height, width):
        return rgb
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
