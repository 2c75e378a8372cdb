"""A bundle as one model: backbone artifact -> embedding -> head -> logits, from the manifest alone.

This is what the phone apps do (backbone through ExecuTorch or Core ML, then one small matrix
multiply with head.bin), so the bench and the live pipeline measure the same composition.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from signport.core.errors import BundleError
from signport.core.heads import head_from_bin
from signport.core.manifest import load_manifest
from signport.runtime.base import Runner, load_runner


def select_artifact(
    manifest: dict, *, format: str, role: str = "backbone", precision: str | None = None, delegate: str | None = None,
    where: str | Path = "bundle",
) -> dict:
    """The manifest row for (format, role, precision, delegate). `precision` None prefers the
    unquantized artifact; `delegate` None prefers the format's default (first listed)."""
    rows = [
        a for a in manifest["artifacts"]
        if a["format"] == format and a["role"] == role and (delegate is None or a.get("delegate") == delegate)
        and (precision is None or a["precision"] == precision)
    ]
    if not rows:
        available = ", ".join(f"{a['format']}/{a['role']}/{a['precision']}" + (f"/{a['delegate']}" if a.get("delegate") else "") for a in manifest["artifacts"])
        wanted = "/".join(str(p) for p in (format, role, precision or "*", delegate or "*"))
        raise BundleError(f"{where}: no {wanted} artifact in the bundle (it has: {available or 'none'}); re-export with that format and --quant")
    if precision is None:
        rows.sort(key=lambda a: a["precision"] not in ("fp32", "fp16"))
    return rows[0]


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
        self.bundle_dir = Path(bundle_dir)
        self.manifest = load_manifest(self.bundle_dir, verify_files=verify_files)
        self.labels: list[str] = list(self.manifest["labels"])
        self.preprocessing: dict = self.manifest["preprocessing"]
        self.role = role
        self.artifact = select_artifact(self.manifest, format=format, role=role, precision=precision, delegate=delegate, where=self.bundle_dir)
        self.backbone: Runner = load_runner(self.bundle_dir / self.artifact["path"], format, threads)
        head = self.manifest["head"]
        self.head_weight, self.head_bias = head_from_bin(
            (self.bundle_dir / head["bin"]).read_bytes(), head["num_classes"], head["embedding_size"]
        )
        self.head_runner: Runner | None = None
        if head_source == "artifact":
            head_row = select_artifact(self.manifest, format=format, role="head", where=self.bundle_dir)
            self.head_runner = load_runner(self.bundle_dir / head_row["path"], format, threads)

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
    from signport.core.test_vectors import read_test_vectors, vector_agreement

    bundle_dir = Path(bundle_dir)
    manifest = load_manifest(bundle_dir)
    vectors = read_test_vectors(bundle_dir, manifest.get("test_vectors"))
    artifact = next((a for a in manifest["artifacts"] if a["id"] == artifact_id), None)
    if artifact is None:
        raise BundleError(f"{bundle_dir}: no artifact {artifact_id!r}; it has {', '.join(a['id'] for a in manifest['artifacts'])}")
    runner = load_runner(bundle_dir / artifact["path"], artifact["format"], threads)
    if artifact["role"] == "head":
        logits = runner.run(vectors.embeddings)
    elif artifact["role"] == "backbone":
        head = manifest["head"]
        weight, bias = head_from_bin((bundle_dir / head["bin"]).read_bytes(), head["num_classes"], head["embedding_size"])
        logits = runner.run(vectors.inputs) @ weight.T + bias
    else:
        logits = runner.run(vectors.inputs)
    return {"artifact_id": artifact_id, "precision": artifact["precision"], **vector_agreement(vectors.logits, logits)}
