"""A bundle as one model: backbone artifact -> embedding -> head -> logits, from the manifest alone.

This is what the phone apps do (backbone through ExecuTorch or Core ML, then one small matrix
multiply with head.bin), so the bench and the live pipeline measure the same composition.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from signport.core.bundle import Bundle, read_bundle, select_artifact
from signport.runtime.base import Runner, load_runner

__all__ = ["BundleModel", "select_artifact"]


class BundleModel:
    """Backbone runner + head. `head_source="bin"` applies head.bin with numpy (as the apps do);
    `"artifact"` runs the format's own head artifact instead."""

    def __init__(
        self,
        bundle_dir: str | Path,
        format: str = "onnx",
        precision: str | None = None,
        delegate: str | None = None,
        threads: int | None = None,
        head_source: Literal["bin", "artifact"] = "bin",
        verify_files: bool = True,
    ):
        self.bundle: Bundle = read_bundle(bundle_dir, verify_artifacts=verify_files)
        self.bundle_dir = self.bundle.root
        self.manifest = self.bundle.manifest
        self.labels: list[str] = self.bundle.labels
        self.preprocessing: dict = self.manifest["preprocessing"]
        self.artifact = self.bundle.select_artifact(format=format, precision=precision, delegate=delegate)
        self.backbone: Runner = load_runner(self.bundle.artifact_path(self.artifact), format, threads)
        self.head_weight, self.head_bias = self.bundle.head_weight, self.bundle.head_bias
        self.head_runner: Runner | None = None
        if head_source == "artifact":
            head_row = self.bundle.select_artifact(format=format, role="head")
            self.head_runner = load_runner(self.bundle.artifact_path(head_row), format, threads)

    @property
    def load_seconds(self) -> float:
        return self.backbone.load_seconds + (self.head_runner.load_seconds if self.head_runner else 0.0)

    def embed(self, inputs: np.ndarray) -> np.ndarray:
        return self.backbone.run(inputs)

    def head(self, embedding: np.ndarray) -> np.ndarray:
        if self.head_runner is not None:
            return self.head_runner.run(embedding)
        return embedding @ self.head_weight.T + self.head_bias

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        return self.head(self.embed(inputs))

    def predict(self, inputs: np.ndarray) -> list[str]:
        return [self.labels[i] for i in self.logits(inputs).argmax(axis=1)]
