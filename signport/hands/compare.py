"""How far one hand model's landmarks are from another's on the same photos (e.g. lite vs full)."""

from __future__ import annotations

import numpy as np


def landmark_error(reference: np.ndarray, other: np.ndarray, image_hw: tuple[int, int]) -> float:
    """Mean distance between two (21, 3) detections of one hand, in units of the reference hand's
    bounding-box diagonal (pixels cancel, so photos of any size and hands at any distance compare)."""
    h, w = image_hw
    scale = np.array([w, h], np.float32)
    a, b = reference[:, :2] * scale, other[:, :2] * scale
    diagonal = float(np.linalg.norm(a.max(0) - a.min(0)))
    return float(np.linalg.norm(a - b, axis=1).mean() / max(diagonal, 1e-6))


def compare_models(reference: list[np.ndarray | None], other: list[np.ndarray | None], sizes: list[tuple[int, int]]) -> dict:
    """Recall of `other` where `reference` found a hand, and its landmark error there (pure)."""
    both = [(r, o, hw) for r, o, hw in zip(reference, other, sizes) if r is not None and o is not None]
    found_by_reference = sum(r is not None for r in reference)
    errors = [landmark_error(r, o, hw) for r, o, hw in both]
    return {
        "photos": len(reference), "reference_found": found_by_reference, "other_found": sum(o is not None for o in other),
        "both_found": len(both), "recall_vs_reference": len(both) / found_by_reference if found_by_reference else None,
        "mean_error": float(np.mean(errors)) if errors else None,
        "p90_error": float(np.percentile(errors, 90)) if errors else None,
    }
