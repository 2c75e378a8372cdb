"""Parity of an artifact with the reference, as the bench reports it.

The core metrics and the verdict are export's own (signport.export.parity), so a bundle is judged
by the same rules when it is written and when it is benchmarked; the bench adds what only a
labelled held-out set or a report needs: mean |Δlogit|, where predictions moved, accuracy and its
per-class and confusion-matrix deltas.
"""

from __future__ import annotations

import numpy as np

from signport.export.config import ParityThresholds
from signport.export.parity import parity_metrics, parity_verdict, verdict_kind

__all__ = ["ParityThresholds", "artifact_parity_metrics", "confusion_matrix", "parity_verdict", "per_class_accuracy",
           "verdict_kind"]


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


def artifact_parity_metrics(
    reference_logits: np.ndarray, logits: np.ndarray, labels: np.ndarray | None = None,
    reference_embedding: np.ndarray | None = None, embedding: np.ndarray | None = None,
) -> dict:
    """Export's parity metrics (top1_agreement, max_abs_logit_delta, max_logit_delta_rel_range,
    logit_range, embedding cosine) plus mean |Δlogit|, the reference-vs-artifact prediction matrix
    and, with ground truth, accuracy, per-class accuracy deltas and the confusion-matrix delta."""
    metrics = parity_metrics(reference_logits, logits, reference_embedding, embedding)
    reference_pred = np.asarray(reference_logits).argmax(1)
    predicted = np.asarray(logits).argmax(1)
    num_classes = np.asarray(logits).shape[1]
    metrics.update(
        disagreements=int((reference_pred != predicted).sum()),
        mean_abs_logit_delta=float(np.abs(np.asarray(logits, np.float64) - np.asarray(reference_logits, np.float64)).mean()),
        prediction_matrix=confusion_matrix(reference_pred, predicted, num_classes).tolist(),
    )
    if labels is not None:
        labels = np.asarray(labels, np.int64)
        delta = per_class_accuracy(labels, predicted, num_classes) - per_class_accuracy(labels, reference_pred, num_classes)
        metrics.update(
            reference_accuracy=float((reference_pred == labels).mean()),
            accuracy=float((predicted == labels).mean()),
            per_class_accuracy_delta=[None if np.isnan(d) else float(d) for d in delta],
            confusion_delta=(confusion_matrix(labels, predicted, num_classes)
                             - confusion_matrix(labels, reference_pred, num_classes)).tolist(),
        )
    return metrics
