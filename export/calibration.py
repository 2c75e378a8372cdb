"""Model inputs for int8 calibration and for the held-out parity check.

The exporter takes any `InputSamples` (arrays already preprocessed to the model's input
layout). The CLI builds one from `--calibration`: a folder of inputs, or synthetic inputs
generated from the checkpoint's preprocessing. Calibration and parity samples never overlap.
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
    inputs = load_input_folder(Path(calibration), prep)
    wanted = calibration_count if needs_calibration else 0
    if len(inputs) <= wanted:
        raise DataError(
            f"{calibration} holds {len(inputs)} inputs but {wanted} are taken for calibration and at least one more is needed "
            "for the held-out parity check; add inputs or lower --calibration-samples"
        )
    order = np.random.default_rng(seed).permutation(len(inputs))
    calib = inputs[order[:wanted]] if needs_calibration else None
    parity = inputs[order[wanted : wanted + parity_count]]
    return InputSamples(calib, parity, str(calibration))


def load_input_folder(folder: Path, prep: Preprocessing) -> np.ndarray:
    """Every input under `folder`, sorted by path: .npy/.npz arrays already in model layout
    (one sample or a batch per file; landmarks may be (21, 3)), or images for image models."""
    if not folder.is_dir():
        raise DataError(f"calibration folder {folder} does not exist; pass a folder of .npy inputs or --calibration synthetic")
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
    """Plausible inputs of the model's shape: smooth colour fields for images and clips (what
    natural images look like to the first layers), jittered hand shapes for landmarks."""
    rng = np.random.default_rng(seed)
    if prep.input_kind == "landmarks":
        return synthetic_hands(rng, count).reshape(count, NUM_LANDMARKS * LANDMARK_DIMS)
    height, width = prep.input_size
    frames = int(prep.clip_length or 1) if prep.input_kind == "clip" else 1
    samples = []
    for _ in range(count):
        rgb = _smooth_field(rng, frames, height, width)
        normalized = np.stack([normalize_image(frame, prep) for frame in rgb])  # (T, 3, H, W)
        samples.append(normalized[0] if prep.input_kind == "image" else normalized.transpose(1, 0, 2, 3))
    return np.ascontiguousarray(np.stack(samples), dtype=np.float32)


def _smooth_field(rng: np.random.Generator, frames: int, height: int, width: int) -> np.ndarray:
    """uint8 (T, H, W, 3): low-frequency colour noise that drifts slowly across frames."""
    import cv2

    coarse = rng.uniform(0, 255, size=(5, 5, 3)).astype(np.float32)
    drift = rng.normal(0, 12, size=(5, 5, 3)).astype(np.float32)
    out = []
    for t in range(frames):
        grid = np.clip(coarse + t * drift, 0, 255)
        out.append(cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC))
    return np.clip(np.stack(out), 0, 255).astype(np.uint8)


# Joint distances from the wrist along each finger (thumb .. pinky) in a unit-sized hand.
_FINGER_REACH = np.array([0.25, 0.45, 0.60, 0.75])
_FINGER_ANGLES = np.radians([-50.0, -20.0, 0.0, 18.0, 36.0])


def synthetic_hands(rng: np.random.Generator, count: int) -> np.ndarray:
    """(count, 21, 3) MediaPipe-like hands: wrist, then 4 joints per finger, random curl,
    rotation, size and position in normalized image coordinates."""
    hands = np.zeros((count, NUM_LANDMARKS, LANDMARK_DIMS), np.float32)
    for n in range(count):
        curl = rng.uniform(0.3, 1.0, size=5)
        points = [np.zeros(3)]
        for finger, angle in enumerate(_FINGER_ANGLES):
            direction = np.array([np.sin(angle), -np.cos(angle), 0.0])
            for joint, reach in enumerate(_FINGER_REACH):
                points.append(direction * reach * (curl[finger] if joint > 1 else 1.0) + rng.normal(0, 0.02, 3))
        points = np.stack(points)
        rotation = rng.uniform(-0.6, 0.6)
        c, s = np.cos(rotation), np.sin(rotation)
        points[:, :2] = points[:, :2] @ np.array([[c, -s], [s, c]]).T
        size = rng.uniform(0.15, 0.35)
        centre = rng.uniform(0.3, 0.7, size=2)
        hands[n, :, :2] = points[:, :2] * size + centre
        hands[n, :, 2] = points[:, 2] * size
    return hands
