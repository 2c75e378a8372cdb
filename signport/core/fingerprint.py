"""Fingerprints: content hashes that tie heads to the backbone they were trained on."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Mapping

import numpy as np


def tensors_fingerprint(tensors: Mapping[str, "np.ndarray | object"]) -> str:
    """sha256 over names, dtypes, shapes and bytes of a state dict, in sorted key order.

    Accepts numpy arrays or torch tensors. Independent of device and of dict order.
    """
    digest = hashlib.sha256()
    for name in sorted(tensors):
        value = tensors[name]
        if hasattr(value, "detach"):  # torch.Tensor without importing torch here
            value = value.detach().cpu().contiguous().numpy()
        array = np.ascontiguousarray(value)
        digest.update(name.encode())
        digest.update(str(array.dtype).encode())
        digest.update(str(array.shape).encode())
        digest.update(array.tobytes())
    return "sha256:" + digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def directory_sha256(path: str | Path) -> str:
    """Hash of a directory tree (relative names + contents), for .mlpackage folders."""
    root = Path(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(root)).encode())
        digest.update(file_sha256(file).encode())
    return digest.hexdigest()
