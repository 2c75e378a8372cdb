"""The head file format: the small, hot-swappable classifier on top of a frozen backbone.

A head is a pair of files sharing a stem:
  NAME.safetensors  tensors "weight" (C, D) and "bias" (C,), float32
  NAME.json         the head manifest (labels, embedding size, backbone fingerprint, ...)
and, inside bundles, NAME.bin: little-endian float32, weight row-major (C*D values) followed
by bias (C values), described by the manifest's "bin_layout", so a phone app can apply a new
head with one small matrix multiply and no parser beyond JSON.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from signport.core import atomic
from signport.core.checkpoint import from_known_fields
from signport.core.errors import CheckpointError, HeadMismatchError

HEAD_FORMAT = "signport-head"
HEAD_FORMAT_VERSION = 1


@dataclass
class HeadManifest:
    labels: list[str]
    embedding_size: int
    backbone_fingerprint: str
    model_family: str
    dropout: float = 0.0
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    metrics: dict = field(default_factory=dict)
    source: dict = field(default_factory=dict)  # e.g. {"kind": "finetune", "data": ..., "optimizer": ...}
    format: str = HEAD_FORMAT
    format_version: int = HEAD_FORMAT_VERSION

    @property
    def num_classes(self) -> int:
        return len(self.labels)

    def bin_layout(self) -> dict:
        c, d = self.num_classes, self.embedding_size
        return {
            "dtype": "float32",
            "byte_order": "little",
            "weight": {"offset": 0, "shape": [c, d], "order": "row-major"},
            "bias": {"offset": c * d * 4, "shape": [c]},
            "total_bytes": (c * d + c) * 4,
        }

    def to_dict(self) -> dict:
        data = asdict(self)
        data["num_classes"] = self.num_classes
        data["bin_layout"] = self.bin_layout()
        return data

    @classmethod
    def from_dict(cls, data: dict, source_path: Path | None = None) -> "HeadManifest":
        where = f" in {source_path}" if source_path else ""
        if data.get("format") != HEAD_FORMAT:
            raise CheckpointError(f"not a signport head manifest{where} (format={data.get('format')!r}); pass a head written by `signport finetune`")
        return from_known_fields(cls, data, lambda e: f"head manifest{where} is incomplete ({e}); re-export the head")


@dataclass
class Head:
    weight: np.ndarray  # (C, D) float32
    bias: np.ndarray  # (C,) float32
    manifest: HeadManifest


def head_paths(path: str | Path) -> tuple[Path, Path]:
    """(safetensors, json) for a head given by either file or by its stem."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in (".safetensors", ".json", ".bin") else path
    return stem.with_suffix(".safetensors"), stem.with_suffix(".json")


def save_head(path: str | Path, head: Head, write_bin: bool = False) -> Path:
    """Write NAME.safetensors + NAME.json (and NAME.bin if asked). Returns the safetensors path."""
    from safetensors.numpy import save as st_save

    weights_path, manifest_path = head_paths(path)
    weight = np.ascontiguousarray(head.weight, dtype=np.float32)
    bias = np.ascontiguousarray(head.bias, dtype=np.float32)
    _check_shapes(weight, bias, head.manifest, weights_path)
    atomic.write_bytes(weights_path, st_save({"weight": weight, "bias": bias}, metadata={"format": HEAD_FORMAT}))
    if write_bin:
        atomic.write_bytes(weights_path.with_suffix(".bin"), head_to_bin(weight, bias))
    atomic.write_json(manifest_path, head.manifest.to_dict())
    return weights_path


def load_head(path: str | Path) -> Head:
    from safetensors.numpy import load_file

    weights_path, manifest_path = head_paths(path)
    for p in (weights_path, manifest_path):
        if not p.is_file():
            raise CheckpointError(f"head file {p} not found; a head is NAME.safetensors + NAME.json as written by `signport finetune`")
    try:
        manifest = HeadManifest.from_dict(json.loads(manifest_path.read_text()), manifest_path)
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{manifest_path} is not valid JSON ({e}); re-create the head") from e
    try:
        tensors = load_file(str(weights_path))
        weight, bias = tensors["weight"], tensors["bias"]
    except Exception as e:  # safetensors raises its own error types
        raise CheckpointError(f"{weights_path} is not a valid head safetensors file ({e}); re-create the head") from e
    _check_shapes(weight, bias, manifest, weights_path)
    return Head(weight=weight, bias=bias, manifest=manifest)


def head_to_bin(weight: np.ndarray, bias: np.ndarray) -> bytes:
    """The raw layout phone apps read: little-endian float32 weight (row-major) then bias."""
    return np.concatenate([np.asarray(weight, "<f4").ravel(), np.asarray(bias, "<f4").ravel()]).tobytes()


def head_from_bin(data: bytes, num_classes: int, embedding_size: int) -> tuple[np.ndarray, np.ndarray]:
    expected = num_classes * embedding_size + num_classes
    if len(data) != 4 * expected:
        raise CheckpointError(f"head .bin holds {len(data)} bytes, expected {4 * expected} (float32) for {num_classes}x{embedding_size}")
    values = np.frombuffer(data, dtype="<f4")
    return values[: num_classes * embedding_size].reshape(num_classes, embedding_size), values[num_classes * embedding_size :]


def check_head_compatible(
    head: HeadManifest,
    *,
    backbone_fingerprint: str,
    embedding_size: int,
    labels: list[str] | None = None,
    force: bool = False,
    head_path: str | Path = "head",
) -> list[str]:
    """Raise HeadMismatchError if `head` cannot sit on this backbone. Returns the differences
    that `force` let through (empty when fully compatible)."""
    problems = []
    if head.embedding_size != embedding_size:
        # Never forceable: the matrix multiply itself would fail.
        raise HeadMismatchError(
            f"{head_path}: head expects {head.embedding_size}-d embeddings but the backbone gives {embedding_size}-d; train the head on this backbone"
        )
    if head.backbone_fingerprint != backbone_fingerprint:
        problems.append(f"backbone fingerprint {head.backbone_fingerprint[:19]}… != {backbone_fingerprint[:19]}…")
    if labels is not None and list(head.labels) != list(labels):
        added = [label for label in head.labels if label not in labels]
        removed = [label for label in labels if label not in head.labels]
        changes = []
        if added:
            changes.append("adds " + " ".join(added))
        if removed:
            changes.append("drops " + " ".join(removed))
        problems.append(f"labels differ ({len(head.labels)} vs {len(labels)} classes: {', '.join(changes) or 'same labels, other order'})")
    if problems and not force:
        raise HeadMismatchError(
            f"{head_path}: head was trained for another backbone or label set ({'; '.join(problems)}); fine-tune on this backbone or pass --force"
        )
    return problems


def _check_shapes(weight: np.ndarray, bias: np.ndarray, manifest: HeadManifest, where: Path) -> None:
    if weight.shape != (manifest.num_classes, manifest.embedding_size) or bias.shape != (manifest.num_classes,):
        raise CheckpointError(
            f"{where}: head tensors {tuple(weight.shape)}/{tuple(bias.shape)} do not match its manifest "
            f"({manifest.num_classes} labels x {manifest.embedding_size}-d); re-create the head"
        )
