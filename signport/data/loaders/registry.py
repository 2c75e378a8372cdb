"""The dataset registry: one loader per dataset kind, found by name or by the folder's layout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Union

from signport.core.errors import DataError
from signport.core.registry import Registry
from signport.data.types import ArrayImageSet, ImageIndex, LandmarkSet, VideoIndex

Dataset = Union[ImageIndex, ArrayImageSet, LandmarkSet, VideoIndex]


@dataclass(frozen=True)
class DatasetLoader:
    kind: str
    load: Callable[..., Dataset]  # load(path, **options) -> Dataset
    detect: Callable[[Path], bool]  # cheap look at the layout: True when `path` is this kind
    layout: str  # the accepted layout in a few words, shown when detection fails


DATASET_LOADERS: Registry[DatasetLoader] = Registry("dataset kind")


def register_loader(kind: str, *, detect: Callable[[Path], bool], layout: str):
    """Register `load(path, **options)` as the loader for dataset `kind`."""

    def decorator(load: Callable[..., Dataset]) -> Callable[..., Dataset]:
        DATASET_LOADERS[kind] = DatasetLoader(kind, load, detect, layout)
        return load

    return decorator


def _existing(path: str | os.PathLike) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"dataset path not found: {path}")
    return path


def _layouts() -> str:
    return "; ".join(f"{kind}: {loader.layout}" for kind, loader in DATASET_LOADERS.items())


def detect_dataset_kind(path: str | os.PathLike) -> str:
    """The one registered kind whose layout `path` has; DataError when none or several match."""
    path = _existing(path)
    matches = [kind for kind, loader in DATASET_LOADERS.items() if loader.detect(path)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise DataError(f"{path} is not a dataset layout signport knows; expected one of: {_layouts()}")
    raise DataError(f"{path} looks like several dataset kinds ({', '.join(matches)}); pass the kind explicitly")


def load_dataset(path: str | os.PathLike, kind: str | None = None, **options) -> Dataset:
    """Load the dataset at `path` with the loader for `kind` (detected from the layout when None)."""
    path = _existing(path)
    if kind is None:
        kind = detect_dataset_kind(path)
    return DATASET_LOADERS.get_or_fail(kind).load(path, **options)
