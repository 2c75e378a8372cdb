"""Bundle contents: head files and the manifest rows that describe every artifact."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import shutil
from pathlib import Path

from signport import __version__
from signport.core.bundle import user_entries
from signport.core.heads import Head, save_head
from signport.core.manifest import BUNDLE_FORMAT, SCHEMA_VERSION, artifact_sha256, artifact_size
from signport.export.formats.base import ArtifactRequest, ExportedArtifact

HEAD_STEM = "head"
TOOLCHAIN_PACKAGES = ("torch", "executorch", "torchao", "coremltools", "onnx", "onnxruntime", "onnxscript", "numpy")
# ExportConfig fields that shape the artifacts; recorded so swap-head rebuilds heads the same way.
ARTIFACT_OPTIONS = ("opset", "dynamic_batch", "coreml_compute_precision", "coreml_target", "coreml_image_input", "quantize_head")


def write_head_files(directory: Path, head: Head) -> dict:
    """head.safetensors + head.json + head.bin; returns the manifest's `head` block."""
    save_head(directory / HEAD_STEM, head, write_bin=True)
    files = {kind: f"{HEAD_STEM}.{kind}" for kind in ("safetensors", "json", "bin")}
    manifest = head.manifest
    return {
        **files,
        "num_classes": manifest.num_classes,
        "embedding_size": manifest.embedding_size,
        "labels": list(manifest.labels),
        "backbone_fingerprint": manifest.backbone_fingerprint,
        "sha256": {kind: artifact_sha256(directory / name) for kind, name in files.items()},
        "bin_layout": manifest.bin_layout(),
        "created": manifest.created,
        "source": manifest.source,
        "metrics": manifest.metrics,
    }


def artifact_row(bundle_dir: Path, artifact: ExportedArtifact, parity: dict | None) -> dict:
    request = artifact.request
    target = bundle_dir / request.relative_path
    return {
        "id": request.id,
        "path": request.relative_path,
        "format": request.format,
        "role": request.role,
        "precision": request.precision,
        "delegate": request.delegate,
        "sha256": artifact_sha256(target),
        "size_bytes": artifact_size(target),
        "inputs": artifact.inputs,
        "outputs": artifact.outputs,
        "parity": parity,
        **({"quantization": artifact.quantization} if artifact.quantization else {}),
        "notes": "; ".join(artifact.notes),
        "export_seconds": round(artifact.export_seconds, 3),
        **artifact.extra,
    }


def skipped_row(request: ArtifactRequest, status: str, reason: str) -> dict:
    return {
        "id": request.id, "format": request.format, "role": request.role, "precision": request.precision,
        "delegate": request.delegate, "status": status, "reason": reason,
    }


def toolchain_versions() -> dict:
    versions = {"signport": __version__}
    for package in TOOLCHAIN_PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def base_manifest(*, name: str, meta, model_family: str, head_block: dict, options: dict, checkpoint_path=None) -> dict:
    """The manifest minus artifacts; `meta` is the source checkpoint's CheckpointMeta.

    The checkpoint's absolute path is recorded so `signport bench` finds its eager reference
    (it checks the backbone fingerprint before trusting it)."""
    return {
        "format": BUNDLE_FORMAT,
        "schema_version": SCHEMA_VERSION,
        "name": name,
        "model_family": model_family,
        "architecture": {"name": meta.architecture, "args": meta.arch_args},
        "labels": list(head_block["labels"]),
        "preprocessing": meta.preprocessing,
        "backbone_fingerprint": meta.backbone_fingerprint,
        "embedding_size": meta.embedding_size,
        "head": head_block,
        "artifacts": [],
        "skipped": [],
        "toolchain": toolchain_versions(),
        "created": now_iso(),
        "source_checkpoint": {
            **({"path": str(Path(checkpoint_path).resolve())} if checkpoint_path else {}),
            "architecture": meta.architecture, "created": meta.created, "metrics": meta.metrics,
            "data_fingerprint": meta.data_fingerprint,
        },
        "export_options": options,
    }


def link_or_copy_tree(source: Path, target: Path) -> None:
    """Hard-link a file or folder tree into a staging bundle (copy when links are impossible),
    so swap-head stages a whole new bundle without copying the backbone's bytes."""
    if source.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for child in source.iterdir():
            link_or_copy_tree(child, target / child.name)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def carry_over(old_bundle: Path, stage: Path, manifest: dict | None) -> list[str]:
    """Hard-link what the old bundle's manifest does not own (bench/ results, imported phone
    runs, a user's notes) into the staging bundle, so swap-head and re-export never lose it.
    A path the new bundle writes itself wins. Without a readable manifest only bench/ is kept."""
    if manifest is None:
        entries = ["bench"] if (old_bundle / "bench").is_dir() else []
    else:
        entries = user_entries(old_bundle, manifest)
    carried = []
    for relative in entries:
        if not (stage / relative).exists():
            link_or_copy_tree(old_bundle / relative, stage / relative)
            carried.append(relative)
    return carried
