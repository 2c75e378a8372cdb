"""Input writers the reliability tests share (imported by conftest and the test modules)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

LABELS = ["A", "B", "C", "D"]


def write_landmarks(path: Path, per_class: int = 12, labels=LABELS, seed: int = 0) -> Path:
    """Hand-like landmark sets, one bend direction per class, as MediaPipe normalises them."""
    rng = np.random.default_rng(seed)
    base = np.stack([np.linspace(0.4, 0.6, 21), np.linspace(0.8, 0.4, 21), np.zeros(21)], axis=1)
    points, names = [], []
    for c, label in enumerate(labels):
        offset = np.zeros((21, 3))
        offset[5:, 0] = 0.15 * np.cos(2 * np.pi * c / len(labels)) * np.linspace(0, 1, 16)
        offset[5:, 1] = 0.15 * np.sin(2 * np.pi * c / len(labels)) * np.linspace(0, 1, 16)
        points += [base + offset + rng.normal(0, 0.01, (21, 3)) for _ in range(per_class)]
        names += [label] * per_class
    np.savez(path, landmarks=np.stack(points).astype(np.float32), labels=np.array(names))
    return path
