"""Parity metrics and verdicts: does an exported artifact give the answers the reference gives?

Pure functions over arrays; the bench run feeds them logits and embeddings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class ParityThresholds:
    """Pass conditions for one precision. `max_delta_ratio` bounds max|Δlogit| relative to the
    reference's logit range (max - min over the held-out set); None means not checked."""

    min_agreement: float
    max_delta_ratio: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


# Defaults from issue #5: fp32 must match eager to rounding; int8 may flip at most 2 % of answers.
DEFAULT_THRESHOLDS: dict[str, ParityThresholds] = {
    "fp32": ParityThresholds(min_agreement=1.0, max_delta_ratio=1e-3),
    "fp16": ParityThresholds(min_agreement=0.99, max_delta_ratio=1e-2),
    "int8": ParityThresholds(min_agreement=0.98),
}

PRECISION_ALIASES = {"float32": "fp32", "float16": "fp16", "qint8": "int8", "int8-pt2e": "int8", "int8-qdq": "int8"}


def precision_class(precision: str) -> str | None:
    """The thresholds key for an artifact's precision string ("fp32", "int8", "float16", ...)."""
    key = precision.strip().lower()
    key = PRECISION_ALIASES.get(key, key)
    return key if key in DEFAULT_THRESHOLDS else None


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """(C, C) counts, rows = truth, columns = prediction."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(truth, np.int64), np.asarray(predicted, np.int64)), 1)
    return matrix


def per_class_accuracy(truth: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Accuracy per true class; NaN for classes without samples."""
    matrix = confusion_matrix(truth, predicted, num_classes)
    support = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(matrix) / np.maximum(support, 1), np.nan)


def logit_parity(reference: np.ndarray, candidate: np.ndarray, labels: np.ndarray | None = None) -> dict:
    """Agreement, |Δlogit| statistics and (with ground truth) accuracy deltas of `candidate` vs `reference`.

    Both are (N, C) logits for the same N inputs. Without labels the confusion matrices are
    replaced by the reference-vs-candidate prediction matrix (its off-diagonal = disagreements).
    """
    reference = np.asarray(reference, np.float64)
    candidate = np.asarray(candidate, np.float64)
    if reference.shape != candidate.shape:
        raise ValueError(f"logit shapes differ: reference {reference.shape} vs candidate {candidate.shape}")
    num_classes = reference.shape[1]
    ref_pred, cand_pred = reference.argmax(1), candidate.argmax(1)
    delta = np.abs(candidate - reference)
    logit_range = float(reference.max() - reference.min())
    metrics = {
        "samples": int(reference.shape[0]),
        "agreement": float((ref_pred == cand_pred).mean()),
        "disagreements": int((ref_pred != cand_pred).sum()),
        "max_abs_logit_delta": float(delta.max()),
        "mean_abs_logit_delta": float(delta.mean()),
        "reference_logit_range": logit_range,
        "max_delta_ratio": float(delta.max() / logit_range) if logit_range > 0 else float("inf"),
        "prediction_matrix": confusion_matrix(ref_pred, cand_pred, num_classes).tolist(),
    }
    if labels is not None:
        labels = np.asarray(labels, np.int64)
        ref_acc = per_class_accuracy(labels, ref_pred, num_classes)
        cand_acc = per_class_accuracy(labels, cand_pred, num_classes)
        metrics.update(
            reference_accuracy=float((ref_pred == labels).mean()),
            accuracy=float((cand_pred == labels).mean()),
            per_class_accuracy_delta=[None if np.isnan(d) else float(d) for d in cand_acc - ref_acc],
            confusion_delta=(
                confusion_matrix(labels, cand_pred, num_classes) - confusion_matrix(labels, ref_pred, num_classes)
            ).tolist(),
        )
    return metrics


def embedding_parity(reference: np.ndarray, candidate: np.ndarray) -> dict:
    """Cosine similarity per sample between (N, D) embeddings: min and mean."""
    reference = np.asarray(reference, np.float64)
    candidate = np.asarray(candidate, np.float64)
    norms = np.linalg.norm(reference, axis=1) * np.linalg.norm(candidate, axis=1)
    cosine = (reference * candidate).sum(1) / np.maximum(norms, 1e-12)
    return {"cosine_min": float(cosine.min()), "cosine_mean": float(cosine.mean())}


def parity_verdict(metrics: dict, thresholds: ParityThresholds) -> tuple[bool, list[str]]:
    """(passed, reasons for failure) of logit_parity `metrics` against `thresholds`."""
    reasons = []
    if metrics["agreement"] < thresholds.min_agreement:
        reasons.append(
            f"top-1 agreement {metrics['agreement']:.2%} < {thresholds.min_agreement:.2%} "
            f"({metrics['disagreements']} of {metrics['samples']} differ)"
        )
    if thresholds.max_delta_ratio is not None and metrics["max_delta_ratio"] > thresholds.max_delta_ratio:
        reasons.append(
            f"max|Δlogit| {metrics['max_abs_logit_delta']:.3g} > {thresholds.max_delta_ratio:g} × logit range "
            f"{metrics['reference_logit_range']:.3g}"
        )
    return not reasons, reasons
