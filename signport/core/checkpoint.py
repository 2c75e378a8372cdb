"""The checkpoint format: a folder with weights in safetensors and a JSON sidecar.

  CKPT/weights.safetensors   the full state dict ("backbone.*" and "head.*" keys)
  CKPT/checkpoint.json       architecture + args, labels, preprocessing, fingerprints, metrics

Building a module from it is the model registry's job (signport.models); this module
only reads and writes the files, so export and bench can inspect a checkpoint without
training code.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from signport.core import atomic
from signport.core.errors import CheckpointError


def from_known_fields(cls, data: dict, incomplete: Callable[[TypeError], str]):
    """`cls` from a JSON sidecar's fields (unknown keys from newer writers ignored); a missing
    field is a CheckpointError whose message `incomplete(cause)` writes."""
    known = set(cls.__dataclass_fields__)
    try:
        return cls(**{k: v for k, v in data.items() if k in known})
    except TypeError as e:
        raise CheckpointError(incomplete(e)) from e

CHECKPOINT_FORMAT = "signport-checkpoint"
CHECKPOINT_FORMAT_VERSION = 1
WEIGHTS_FILE = "weights.safetensors"
META_FILE = "checkpoint.json"


@dataclass
class CheckpointMeta:
    architecture: str  # a name in the model registry, e.g. "mobilenet_v2"
    arch_args: dict  # keyword arguments of the registry builder
    labels: list[str]
    preprocessing: dict  # Preprocessing.to_dict()
    backbone_fingerprint: str
    embedding_size: int
    data_fingerprint: str | None = None
    metrics: dict = field(default_factory=dict)
    train_config: dict = field(default_factory=dict)
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    format: str = CHECKPOINT_FORMAT
    format_version: int = CHECKPOINT_FORMAT_VERSION

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, where: Path) -> "CheckpointMeta":
        if data.get("format") != CHECKPOINT_FORMAT:
            raise CheckpointError(f"{where} is not a signport checkpoint (format={data.get('format')!r}); pass a folder written by `signport train`")
        return from_known_fields(cls, data, lambda e: f"{where} is incomplete ({e}); re-train or re-save the checkpoint")


def save_checkpoint(directory: str | Path, state_dict: dict, meta: CheckpointMeta) -> Path:
    """Write weights then sidecar, each atomically; the sidecar last so a reader never sees
    metadata that describes weights which are not there yet."""
    from safetensors.torch import save as st_save

    directory = Path(directory)
    tensors = {k: v.detach().cpu().contiguous() for k, v in state_dict.items()}
    atomic.write_bytes(directory / WEIGHTS_FILE, st_save(tensors, metadata={"format": CHECKPOINT_FORMAT}))
    atomic.write_json(directory / META_FILE, meta.to_dict())
    return directory


def read_checkpoint_meta(directory: str | Path) -> CheckpointMeta:
    directory = Path(directory)
    meta_path = directory / META_FILE
    if not directory.exists():
        raise CheckpointError(f"checkpoint {directory} does not exist; pass the folder written by `signport train --out`")
    if not meta_path.is_file():
        raise CheckpointError(f"{meta_path} is missing; {directory} is not a signport checkpoint folder")
    try:
        return CheckpointMeta.from_dict(json.loads(meta_path.read_text()), meta_path)
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{meta_path} is not valid JSON ({e}); re-save the checkpoint") from e


def load_checkpoint(directory: str | Path) -> tuple[dict, CheckpointMeta]:
    """(state_dict of torch tensors, meta). Never unpickles: safetensors only."""
    from safetensors.torch import load_file

    meta = read_checkpoint_meta(directory)
    weights_path = Path(directory) / WEIGHTS_FILE
    if not weights_path.is_file():
        raise CheckpointError(f"{weights_path} is missing; re-train or copy the whole checkpoint folder")
    try:
        state_dict = load_file(str(weights_path))
    except Exception as e:  # safetensors' own error types
        raise CheckpointError(f"{weights_path} is not a valid safetensors file ({e}); re-train or re-copy it") from e
    return state_dict, meta
