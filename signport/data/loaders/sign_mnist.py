"""Sign Language MNIST (Kaggle CSV): `label,pixel1..pixel784`, 28x28 grey, labels 0-25 as A-Z.

J (9) and Z (25) need motion and never occur, leaving 24 classes (SIGN_MNIST_LETTERS).
Accepts the CSV itself or the Kaggle folder holding sign_mnist_train.csv / sign_mnist_test.csv.
"""

from __future__ import annotations

import string
import warnings
from pathlib import Path
from typing import Literal

import numpy as np

from signport.core.errors import DataError
from signport.core.labels import SIGN_MNIST_LETTERS
from signport.data.loaders.registry import register_loader
from signport.data.types import ArrayImageSet

SIDE = 28
HEADER_START = "label,pixel1,"


def _csv_file(path: Path, split: str) -> Path | None:
    if path.is_file():
        return path
    for candidate in (path / f"sign_mnist_{split}.csv", path / f"sign_mnist_{split}" / f"sign_mnist_{split}.csv"):
        if candidate.is_file():
            return candidate
    return None


def _first_line(path: Path) -> str:
    with open(path, encoding="utf-8-sig") as f:
        return f.readline().strip().replace(" ", "").lower()


def _detect(path: Path) -> bool:
    file = _csv_file(path, "train") or _csv_file(path, "test")
    return file is not None and file.suffix.lower() == ".csv" and _first_line(file).startswith(HEADER_START)


@register_loader("sign_mnist", detect=_detect, layout="a CSV with header label,pixel1..pixel784 (or a folder with sign_mnist_train.csv)")
def load_sign_mnist(path: Path, split: Literal["train", "test"] = "train") -> ArrayImageSet:
    """Read the CSV into uint8 (N, 28, 28) grey images with letter labels."""
    file = _csv_file(Path(path), split)
    if file is None:
        raise DataError(f"{path} has no sign_mnist_{split}.csv")
    header = _first_line(file)
    if not header.startswith(HEADER_START) or header.count(",") != SIDE * SIDE:
        raise DataError(f"{file} is not a Sign Language MNIST CSV: expected header label,pixel1..pixel784")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data": reported below
            table = np.loadtxt(file, delimiter=",", skiprows=1, dtype=np.int64, ndmin=2)
    except ValueError as exc:
        raise DataError(f"{file}: not {1 + SIDE * SIDE} integer columns per row ({str(exc).splitlines()[0]})") from None
    if table.shape[0] == 0:
        raise DataError(f"{file} has a header but no rows")
    if table.shape[1] != 1 + SIDE * SIDE:
        raise DataError(f"{file}: rows have {table.shape[1]} columns, expected label + {SIDE * SIDE} pixels")
    letter_index, pixels = table[:, 0], table[:, 1:]
    if pixels.min() < 0 or pixels.max() > 255:
        raise DataError(f"{file}: pixel values must be 0..255, found {pixels.min()}..{pixels.max()}")
    known = [string.ascii_uppercase.index(c) for c in SIGN_MNIST_LETTERS]
    unknown = sorted(set(np.unique(letter_index).tolist()) - set(known))
    if unknown:
        raise DataError(f"{file}: label(s) {unknown} are not Sign Language MNIST letters (0-25 without 9=J, 25=Z)")
    return ArrayImageSet(
        images=pixels.astype(np.uint8).reshape(-1, SIDE, SIDE),
        labels=[string.ascii_uppercase[i] for i in letter_index],
        classes=list(SIGN_MNIST_LETTERS),
    )
