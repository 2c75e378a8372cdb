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
    `"artifact"` runs the format's own head artifact instead. `role="model"` runs the fused
    artifact (backbone + head in one), whose output already is the logits."""

    def __init__(
        self,
        bundle_dir: str | Path,
        format: str = "onnx",
        precision: str | None = None,
        delegate: str | None = None,
        threads: int | None = None,
        head_source: Literal["bin", "artifact"] = "bin",
        verify_files: bool = True,
        role: Literal["backbone", "model"] = "backbone",
    ):
        self.bundle: Bundle = read_bundle(bundle_dir, verify_artifacts=verify_files)
        self.bundle_dir = self.bundle.root
        self.manifest = self.bundle.manifest
        self.labels: list[str] = self.bundle.labels
        self.preprocessing: dict = self.manifest["preprocessing"]
        self.role = role
        self.artifact = self.bundle.select_artifact(format=format, role=role, precision=precision, delegate=delegate)
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
        if self.role == "model":
            return self.backbone.run(inputs)
        return self.head(self.embed(inputs))

    def predict(self, inputs: np.ndarray) -> list[str]:
        return [self.labels[i] for i in self.logits(inputs).argmax(axis=1)]


def check_test_vectors(bundle_dir: str | Path, artifact_id: str, threads: int | None = None) -> dict:
    """Run one artifact on the bundle's test vectors with this host's runtime and compare its
    logits with the eager ones, composed as the apps compose them (backbone + head.bin)."""
    from signport.core.errors import BundleError
    from signport.core.test_vectors import read_test_vectors, vector_agreement

    bundle = read_bundle(bundle_dir)
    vectors = read_test_vectors(bundle.root, bundle.manifest.get("test_vectors"))
    artifact = next((a for a in bundle.manifest["artifacts"] if a["id"] == artifact_id), None)
    if artifact is None:
        raise BundleError(f"{bundle.root}: no artifact {artifact_id!r}; it has {', '.join(a['id'] for a in bundle.manifest['artifacts'])}")
    runner = load_runner(bundle.artifact_path(artifact), artifact["format"], threads)
    if artifact["role"] == "head":
        logits = runner.run(vectors.embeddings)
    elif artifact["role"] == "backbone":
        logits = runner.run(vectors.inputs) @ bundle.head_weight.T + bundle.head_bias
    else:
        logits = runner.run(vectors.inputs)
    return {"artifact_id": artifact_id, "precision": artifact["precision"], **vector_agreement(vectors.logits, logits)}
