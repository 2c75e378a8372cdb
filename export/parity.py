"""Parity of an exported artifact with eager PyTorch: pure metrics and the verdict."""

from __future__ import annotations

import numpy as np

from signport.export.config import ParityThresholds

# Which thresholds judge an artifact: float artifacts must reproduce eager's logits; quantized
# ones (int8 weights/activations, palettized weights) are judged on top-1 agreement only.
FLOAT_PRECISIONS = ("fp32", "float32", "fp16", "float16")
QUANTIZED_PRECISION_PREFIXES = ("int8", "palettized")


def verdict_kind(precision: str) -> str | None:
    """"float" or "int8" (the verdict parity_verdict applies) for an artifact's precision ("fp32",
    "fp16", "int8", "int8-pt2e", "palettized4", ...); None for a precision no rule covers."""
    key = precision.strip().lower()
    if key in FLOAT_PRECISIONS:
        return "float"
    return "int8" if key.startswith(QUANTIZED_PRECISION_PREFIXES) else None


def parity_metrics(
    reference_logits: np.ndarray, artifact_logits: np.ndarray,
    reference_embedding: np.ndarray | None = None, artifact_embedding: np.ndarray | None = None,
) -> dict:
    """Logit agreement (and embedding cosine for backbones) on the same inputs.

    The logit delta is reported relative to the reference logit range, so the threshold
    means the same for a 5-class toy and a 600-class model.
    """
    reference_logits = np.asarray(reference_logits, np.float64)
    artifact_logits = np.asarray(artifact_logits, np.float64)
    if artifact_logits.shape != reference_logits.shape:
        raise ValueError(f"artifact output {artifact_logits.shape} != reference {reference_logits.shape}")
    delta = np.abs(artifact_logits - reference_logits)
    logit_range = float(reference_logits.max() - reference_logits.min()) or 1.0
    metrics = {
        "samples": int(len(reference_logits)),
        "logit_range": logit_range,
        "max_abs_logit_delta": float(delta.max()),
        "max_logit_delta_rel_range": float(delta.max() / logit_range),
        "top1_agreement": float(np.mean(reference_logits.argmax(1) == artifact_logits.argmax(1))),
    }
    if reference_embedding is not None and artifact_embedding is not None:
        cosine = _cosine(np.asarray(reference_embedding, np.float64), np.asarray(artifact_embedding, np.float64))
        metrics["embedding_cosine_min"] = float(cosine.min())
        metrics["embedding_cosine_mean"] = float(cosine.mean())
    return metrics


def parity_verdict(metrics: dict, kind: str, thresholds: ParityThresholds) -> dict:
    """{"passed": bool, "thresholds": {...}, "failures": [...]}. kind: "float" or "int8"."""
    if kind == "float":
        limits = {"max_logit_delta_rel_range": ("<=", thresholds.fp32_max_logit_delta), "top1_agreement": (">=", thresholds.fp32_min_top1_agreement)}
    else:
        limits = {"top1_agreement": (">=", thresholds.int8_min_top1_agreement)}
    failures = []
    for key, (op, limit) in limits.items():
        value = metrics[key]
        ok = value <= limit if op == "<=" else value >= limit
        if not ok:
            failures.append(f"{key} {value:.4g} (needs {op} {limit:g})")
    return {"passed": not failures, "thresholds": {k: f"{op} {limit:g}" for k, (op, limit) in limits.items()}, "failures": failures}


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.where(norms > 0, (a * b).sum(axis=1) / np.maximum(norms, 1e-30), 1.0)
