"""What the live pipeline needs from a model: logits for a batch, the labels, the preprocessing.

Any runtime fits behind this protocol (PyTorch here; ExecuTorch, ONNX Runtime and Core ML through
a bundle), so the pipeline never branches on where a model came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from signport.core.errors import BundleError, InputError
from signport.core.preprocessing import Preprocessing


class Classifier(Protocol):
    labels: list[str]
    preprocessing: Preprocessing

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """float32 batch shaped as `preprocessing.input_shape(n)` -> logits (n, len(labels))."""
        ...


class TorchCheckpointClassifier:
    """A signport checkpoint run eagerly in PyTorch (the reference runtime)."""

    def __init__(self, checkpoint: Path, threads: int | None = None):
        import torch

        from signport.models import model_from_checkpoint

        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        self.model, meta = model_from_checkpoint(checkpoint)
        self.labels = list(meta.labels)
        self.preprocessing = Preprocessing.from_dict(meta.preprocessing)
        self.name = f"{meta.architecture} (PyTorch eager, {checkpoint})"

    def predict(self, batch: np.ndarray) -> np.ndarray:
        with self._torch.inference_mode():
            return self.model(self._torch.from_numpy(np.ascontiguousarray(batch, np.float32))).numpy()


def load_classifier(checkpoint: Path | None, bundle: Path | None, threads: int | None = None) -> Classifier:
    """The model to run live: a checkpoint (PyTorch) or a bundle (its runtimes)."""
    if (checkpoint is None) == (bundle is None):
        raise InputError("pass exactly one of --checkpoint DIR (a signport checkpoint) or --bundle DIR (an exported bundle)")
    if checkpoint is not None:
        return TorchCheckpointClassifier(Path(checkpoint), threads)
    try:
        import signport.runtime  # noqa: F401  (lands with the export work)
    except ImportError:
        raise BundleError(
            f"cannot run bundle {bundle}: this signport has no bundle runtime (signport.runtime) yet; "
            "pass the checkpoint the bundle was exported from with --checkpoint DIR"
        ) from None
    raise BundleError(f"cannot run bundle {bundle}: live bundles are not wired to signport.runtime yet; pass --checkpoint DIR")


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)
