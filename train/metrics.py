"""Classification metrics as pure functions of targets, predictions and scores (numpy in, numbers out)."""

from __future__ import annotations

import numpy as np


def confusion_matrix(targets: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """(C, C) int64 counts; rows are true classes, columns predicted classes."""
    targets = np.asarray(targets, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    return np.bincount(targets * num_classes + predictions, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def top_k_accuracy(targets: np.ndarray, scores: np.ndarray, k: int) -> float:
    """Fraction of samples whose target is among the k highest scores (k capped at the class count)."""
    targets = np.asarray(targets)
    if len(targets) == 0:
        return float("nan")
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, kth=k - 1, axis=1)[:, :k]
    return float(np.mean(np.any(top == targets[:, None], axis=1)))


def per_class_precision_recall_f1(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision, recall, F1 (0 where undefined, as scikit-learn's zero_division=0)."""
    true_positive = np.diag(confusion).astype(np.float64)
    predicted = confusion.sum(axis=0).astype(np.float64)
    support = confusion.sum(axis=1).astype(np.float64)
    precision = np.divide(true_positive, predicted, out=np.zeros_like(true_positive), where=predicted > 0)
    recall = np.divide(true_positive, support, out=np.zeros_like(true_positive), where=support > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros_like(true_positive), where=denominator > 0)
    return precision, recall, f1


def classification_metrics(targets: np.ndarray, scores: np.ndarray, labels: list[str]) -> dict:
    """Top-1/top-5 accuracy, macro precision/recall/F1, per-class accuracy and the confusion matrix.

    Macro averages run over the classes that occur in the targets or the predictions (as
    scikit-learn does when given no label list), so a 29-class model evaluated on 26 letters
    is not penalised for the 3 classes that were never shown.
    """
    targets = np.asarray(targets, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    predictions = scores.argmax(axis=1) if len(scores) else np.zeros(0, np.int64)
    confusion = confusion_matrix(targets, predictions, len(labels))
    precision, recall, f1 = per_class_precision_recall_f1(confusion)
    support = confusion.sum(axis=1)
    present = (support > 0) | (confusion.sum(axis=0) > 0)
    macro = (lambda values: float(values[present].mean()) if present.any() else float("nan"))
    return {
        "num_samples": int(len(targets)),
        "top1": top_k_accuracy(targets, scores, 1),
        "top5": top_k_accuracy(targets, scores, 5),
        "macro_precision": macro(precision),
        "macro_recall": macro(recall),
        "macro_f1": macro(f1),
        "per_class_accuracy": {label: (float(recall[i]) if support[i] > 0 else None) for i, label in enumerate(labels)},
        "support": {label: int(support[i]) for i, label in enumerate(labels)},
        "labels": list(labels),
        "confusion_matrix": confusion.tolist(),
    }


def class_weights(targets: np.ndarray, num_classes: int) -> np.ndarray:
    """Inverse-frequency weights n / (C_present * n_c), so every present class weighs the same in the loss.

    Classes absent from the targets get weight 0 (they never occur as a target anyway).
    """
    counts = np.bincount(np.asarray(targets, dtype=np.int64), minlength=num_classes).astype(np.float64)
    present = counts > 0
    weights = np.zeros(num_classes, dtype=np.float64)
    weights[present] = counts.sum() / (present.sum() * counts[present])
    return weights.astype(np.float32)
