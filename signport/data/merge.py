"""Several datasets as one: `--data A,B,C` trains one model on the union of their labels.

Every sample keeps the name of the dataset it came from (`sources`), so training can balance
the sources and evaluation can report each one; signer ids are prefixed with that name
(`asl_signers/s03`), so two datasets' "s01" never count as one person. A dataset without
signer ids is one group named after itself: a split by signer keeps it whole.
"""

from __future__ import annotations

import numpy as np

from signport.core.errors import DataError
from signport.data.loaders.folders import ordered_classes
from signport.data.types import ImageIndex, LandmarkSet


def source_signers(name: str, index) -> list[str]:
    """'<source>/<signer>' per sample; '<source>' alone where the dataset has no signer ids."""
    if getattr(index, "signers", None):
        return [f"{name}/{signer}" for signer in index.signers]
    return [name] * len(index)


def merge_indexes(named: list[tuple[str, ImageIndex | LandmarkSet]]) -> ImageIndex | LandmarkSet:
    """One index over all samples of `named` (name, index) pairs, in order; classes are the label union."""
    kinds = {type(index) for _, index in named}
    if len(kinds) != 1 or not kinds <= {ImageIndex, LandmarkSet}:
        found = ", ".join(f"{name}: {type(index).__name__}" for name, index in named)
        raise DataError(f"--data lists datasets of different kinds ({found}); merge only image folders, or only landmark sets")
    names = [name for name, _ in named]
    if len(set(names)) != len(names):
        raise DataError(f"--data names a dataset twice ({', '.join(names)}); list each once")
    labels = [label for _, index in named for label in index.labels]
    sources = [name for name, index in named for _ in range(len(index))]
    signers = [s for name, index in named for s in source_signers(name, index)]
    classes = ordered_classes(labels)
    if kinds == {LandmarkSet}:
        left = [index.is_left_hand for _, index in named]
        return LandmarkSet(
            landmarks=np.concatenate([index.landmarks for _, index in named]).astype(np.float32), labels=labels, classes=classes,
            is_left_hand=np.concatenate(left) if all(x is not None for x in left) else None, signers=signers, sources=sources,
        )
    landmarks = [index.landmarks for _, index in named]
    return ImageIndex(
        paths=[p for _, index in named for p in index.paths], labels=labels, classes=classes,
        landmarks=np.concatenate(landmarks) if all(x is not None for x in landmarks) else None,
        signers=signers, sources=sources,
    )
