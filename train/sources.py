"""Where training data comes from: `--data PATH|synth` -> an index from signport.data.types.

TEMPORARY thin reader until signport.data.loaders (load_dataset, read_image) and
signport.data.video land on main; then this module only resolves 'synth' and fingerprints.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from signport.core.errors import DataError
from signport.core.fingerprint import file_sha256
from signport.core.labels import canonical_label
from signport.data.types import ArrayImageSet, ImageIndex, LandmarkSet, VideoIndex

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv"}
# The synthetic generator's layout: which subfolder feeds which input kind.
SYNTH_LAYOUT = {"image": "letters", "landmarks": "letters/landmarks.npz", "clip": "clips"}

DataIndex = ImageIndex | ArrayImageSet | LandmarkSet | VideoIndex


def open_dataset(data: str | Path, input_kind: str, cache_dir: Path, seed: int = 0) -> DataIndex:
    """Resolve `--data` for a model that takes `input_kind` ('image', 'clip', 'landmarks')."""
    if str(data) == "synth":
        raise DataError("--data synth needs the synthetic generator (signport/data/synth), which is not on this branch yet; pass a dataset folder")
    path = Path(data)
    if not path.exists():
        raise DataError(f"dataset {path} does not exist; pass a folder of <label>/ subfolders, a landmarks .npz, or 'synth'")
    if path.is_dir() and (path / SYNTH_LAYOUT[input_kind]).exists():
        path = path / SYNTH_LAYOUT[input_kind]
    if path.suffix == ".npz" or (path.is_dir() and input_kind == "landmarks" and (path / "landmarks.npz").is_file()):
        return _read_landmarks(path if path.suffix == ".npz" else path / "landmarks.npz")
    return _read_class_folders(path)


def _read_landmarks(path: Path) -> LandmarkSet:
    try:
        with np.load(path, allow_pickle=False) as npz:
            landmarks = np.asarray(npz["landmarks"], dtype=np.float32)
            labels = [canonical_label(str(x)) for x in npz["labels"]]
    except (KeyError, ValueError, OSError) as e:
        raise DataError(f"{path} is not a landmarks file ({e}); it needs arrays 'landmarks' (N, 21, 3) and 'labels' (N,)") from e
    if landmarks.ndim != 3 or landmarks.shape[1:] != (21, 3):
        raise DataError(f"{path}: landmarks have shape {landmarks.shape}, expected (N, 21, 3)")
    return LandmarkSet(landmarks=landmarks, labels=labels, classes=sorted(set(labels)))


def _read_class_folders(root: Path) -> ImageIndex | VideoIndex:
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise DataError(f"{root} has no class subfolders; expected {root}/<label>/<files>")
    paths: list[Path] = []
    labels: list[str] = []
    kinds = set()
    for folder in folders:
        for file in sorted(folder.iterdir()):
            suffix = file.suffix.lower()
            if suffix in IMAGE_SUFFIXES | VIDEO_SUFFIXES:
                kinds.add("video" if suffix in VIDEO_SUFFIXES else "image")
                paths.append(file)
                labels.append(canonical_label(folder.name))
    if not paths:
        raise DataError(f"{root}: no images or videos in its class subfolders")
    if len(kinds) > 1:
        raise DataError(f"{root} mixes images and videos; keep one kind per dataset folder")
    classes = sorted(set(labels), key=_class_order)
    if kinds == {"video"}:
        return VideoIndex(paths=paths, labels=labels, classes=classes, root=root)
    return ImageIndex(paths=paths, labels=labels, classes=classes, root=root)


def _class_order(label: str):
    # ASL order: single letters first (A-Z), then word labels (del, nothing, space) alphabetically.
    return (len(label) > 1, label)


def read_image(path: Path, size: int) -> np.ndarray:
    """uint8 RGB (size, size, 3)."""
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise DataError(f"cannot read image {path}; is it a valid PNG/JPEG?")
    if bgr.shape[:2] != (size, size):
        bgr = cv2.resize(bgr, (size, size), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def read_video(path: Path, size: int, stride: int = 1) -> tuple[np.ndarray, float]:
    """All frames (every `stride`-th) as uint8 RGB (T, size, size, 3), and the file's frame rate."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise DataError(f"cannot open video {path}; is it a valid video file?")
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    index = 0
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        if index % stride == 0:
            bgr = cv2.resize(bgr, (size, size), interpolation=cv2.INTER_AREA)
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        index += 1
    capture.release()
    if not frames:
        raise DataError(f"video {path} has no decodable frames")
    return np.stack(frames), float(fps)


def data_fingerprint(index: DataIndex) -> str:
    """sha256 over labels and content: the same data gives the same fingerprint wherever it lives."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"type": type(index).__name__, "classes": list(index.classes), "labels": list(index.labels)}).encode())
    if isinstance(index, (ImageIndex, VideoIndex)):
        for path in index.paths:
            digest.update(file_sha256(path).encode())
    elif isinstance(index, LandmarkSet):
        digest.update(np.ascontiguousarray(index.landmarks, dtype=np.float32).tobytes())
    else:
        digest.update(np.ascontiguousarray(index.images).tobytes())
    return "sha256:" + digest.hexdigest()
