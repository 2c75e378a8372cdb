"""Image-per-file datasets in class folders: ASL Alphabet, the hand photos, our synthetic letters.

Layout: ROOT/<Class>/*.jpg|png or ROOT/train/<Class>/... . Class folder names are matched
case-insensitively through canonical_label ('Del' and 'del' are one class). A `landmarks.npz`
beside the class folders (the synthetic generator writes one) adds ground-truth landmarks
and signer ids.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from signport.core.errors import DataError
from signport.core.labels import canonical_label
from signport.data.loaders.folders import class_folders, has_class_folder_with, ordered_classes, visible_children
from signport.data.loaders.landmarks import read_npz
from signport.data.loaders.registry import register_loader
from signport.data.types import ImageIndex
from signport.data.video import bgr_to_rgb

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
LANDMARKS_FILE = "landmarks.npz"


def read_image(path: str | os.PathLike, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """uint8 RGB (H, W, 3) image, resized to `size` (int: square; tuple: (height, width)) when given."""
    path = Path(path)
    try:
        encoded = np.fromfile(path, dtype=np.uint8)  # not cv2.imread: it cannot open non-ASCII paths on Windows
    except OSError as exc:
        raise DataError(f"cannot read image {path}: {exc.strerror or exc}") from None
    bgr = cv2.imdecode(encoded, cv2.IMREAD_COLOR) if encoded.size else None
    if bgr is None:
        raise DataError(f"image {path} is not a readable JPEG/PNG (corrupt or another format); replace or delete it")
    return bgr_to_rgb(bgr, size)


def _image_root(path: Path) -> Path:
    train = path / "train"
    return train if has_class_folder_with(train, IMAGE_SUFFIXES) else path


def _detect(path: Path) -> bool:
    return path.is_dir() and not (path / SIGNERS_FILE).is_file() and has_class_folder_with(_image_root(path), IMAGE_SUFFIXES)


def _attach_landmarks(npz_path: Path, paths: list[Path], labels: list[str]) -> tuple[np.ndarray, list[str] | None]:
    """Rows of `npz_path` (keyed by image path relative to it) in the order of `paths`."""
    arrays = read_npz(npz_path, required=("paths", "landmarks", "labels"))
    landmarks = arrays["landmarks"]
    if landmarks.ndim != 3 or landmarks.shape[1:] != (21, 3) or len(landmarks) != len(arrays["paths"]):
        raise DataError(f"{npz_path}: 'landmarks' must be (N, 21, 3) with one row per entry of 'paths'")
    row_of = {str(rel): i for i, rel in enumerate(arrays["paths"])}
    rows = []
    for path, label in zip(paths, labels):
        rel = path.relative_to(npz_path.parent).as_posix()
        if rel not in row_of:
            raise DataError(f"{npz_path} has no landmarks for {rel}; regenerate it or remove the file")
        row = row_of[rel]
        if canonical_label(str(arrays["labels"][row])) != label:
            raise DataError(f"{npz_path} labels {rel} as {arrays['labels'][row]!r} but its folder says {label!r}")
        rows.append(row)
    signers = [str(arrays["signers"][row]) for row in rows] if "signers" in arrays else None
    return landmarks[rows].astype(np.float32), signers


@register_loader("asl_alphabet", detect=_detect, layout="ROOT/<Class>/*.jpg|png or ROOT/train/<Class>/*.jpg|png")
def load_image_folders(path: Path) -> ImageIndex:
    """Index the images in ROOT/<Class>/ (or ROOT/train/<Class>/); no pixels are read here."""
    root = _image_root(Path(path))
    files_by_label = class_folders(root, IMAGE_SUFFIXES, "images")
    classes = ordered_classes(files_by_label)
    paths = [file for label in classes for file in files_by_label[label]]
    labels = [label for label in classes for _ in files_by_label[label]]
    landmarks, signers = None, None
    for folder in dict.fromkeys((root, Path(path))):
        if (folder / LANDMARKS_FILE).is_file():
            landmarks, signers = _attach_landmarks(folder / LANDMARKS_FILE, paths, labels)
            break
    if signers is None and any(ROBOFLOW_COPY in p.name for p in paths):
        signers = [roboflow_original(p) for p in paths]
    return ImageIndex(paths=paths, labels=labels, classes=classes, landmarks=landmarks, signers=signers, root=root)


# Roboflow exports name each augmented copy '<original>_jpg.rf.<hash>.jpg'; copies of one photo
# must stay on one side of a split, so they share a group id (in `signers`, which splits group by).
ROBOFLOW_COPY = "_jpg.rf."


def roboflow_original(path: Path) -> str:
    return "photo:" + path.name.split(ROBOFLOW_COPY)[0] if ROBOFLOW_COPY in path.name else "photo:" + path.stem


SIGNERS_FILE = "signers.json"


def _signer_folders(path: Path) -> list[Path]:
    return [child for child in visible_children(path) if child.is_dir() and has_class_folder_with(child, IMAGE_SUFFIXES)]


def _detect_signers(path: Path) -> bool:
    return path.is_dir() and (path / SIGNERS_FILE).is_file() and bool(_signer_folders(path))


@register_loader("signer_folders", detect=_detect_signers,
                 layout="ROOT/signers.json + ROOT/<signer>/<Class>/*.jpg|png (one folder per person)")
def load_signer_folders(path: Path) -> ImageIndex:
    """Index ROOT/<signer>/<Class>/ images with the signer id (the folder name) of every photo."""
    root = Path(path)
    folders = _signer_folders(root)
    if not folders:
        raise DataError(f"{root} has no signer folders; expected {root}/<signer>/<Class>/*.jpg")
    paths, labels, signers = [], [], []
    for folder in folders:
        files_by_label = class_folders(folder, IMAGE_SUFFIXES, "images")
        for label in ordered_classes(files_by_label):
            paths += files_by_label[label]
            labels += [label] * len(files_by_label[label])
            signers += [folder.name] * len(files_by_label[label])
    return ImageIndex(paths=paths, labels=labels, classes=ordered_classes(labels), signers=signers, root=root)
