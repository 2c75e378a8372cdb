"""Loaders for real datasets, one module per dataset kind, all reachable through one registry.

    index = load_dataset(path)            # kind detected from the layout
    index = load_dataset(path, "wlasl", on_missing="error")

Each module registers itself with `@register_loader(kind, detect=..., layout=...)`; adding a
dataset is one new module plus its import below.
"""

from signport.data.loaders.registry import (
    DATASET_LOADERS,
    DatasetLoader,
    detect_dataset_kind,
    load_dataset,
    register_loader,
)
from signport.data.loaders import image_folders, landmarks, sign_mnist, wlasl, user_recordings  # noqa: F401  (register)
from signport.data.loaders.image_folders import read_image
from signport.data.loaders.user_recordings import decode_frames, recording_frames

__all__ = [
    "DATASET_LOADERS", "DatasetLoader", "detect_dataset_kind", "load_dataset", "register_loader",
    "read_image", "recording_frames", "decode_frames",
]
