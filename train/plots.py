"""Pictures of results: confusion matrices and training curves (matplotlib, Agg backend)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from signport.core import atomic


def _figure_bytes(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def plot_confusion_matrix(path: Path, confusion: np.ndarray, labels: list[str], title: str) -> Path:
    """Row-normalized colours (recall per true class), raw counts written in the cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    confusion = np.asarray(confusion)
    n = len(labels)
    rows = confusion.sum(axis=1, keepdims=True)
    normalized = np.divide(confusion, rows, out=np.zeros(confusion.shape, dtype=float), where=rows > 0)
    side = max(4.5, 0.32 * n + 2.5)
    fig, ax = plt.subplots(figsize=(side, side * 0.9))
    image = ax.imshow(normalized, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), labels, rotation=90 if n > 12 else 0, fontsize=8 if n > 20 else 10)
    ax.set_yticks(range(n), labels, fontsize=8 if n > 20 else 10)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    ax.set_title(title)
    if n <= 40:
        for i, j in zip(*np.nonzero(confusion)):
            ax.text(j, i, str(confusion[i, j]), ha="center", va="center", fontsize=6 if n > 20 else 8,
                    color="white" if normalized[i, j] > 0.6 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="fraction of the true class")
    data = _figure_bytes(fig)
    plt.close(fig)
    return atomic.write_bytes(path, data)


def plot_training_curves(path: Path, history: list[dict], title: str) -> Path:
    """Loss and accuracy per epoch, training vs validation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 3.8))
    for key, name in (("train_loss", "train"), ("val_loss", "validation")):
        loss_ax.plot(epochs, [h.get(key) for h in history], marker="o", markersize=3, label=name)
    for key, name in (("train_top1", "train (augmented)"), ("val_top1", "validation")):
        acc_ax.plot(epochs, [h.get(key) for h in history], marker="o", markersize=3, label=name)
    loss_ax.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    acc_ax.set(xlabel="epoch", ylabel="top-1 accuracy", title="accuracy", ylim=(0, 1.02))
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    data = _figure_bytes(fig)
    plt.close(fig)
    return atomic.write_bytes(path, data)
