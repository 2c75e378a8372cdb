"""The model registry: families by name, one factory, and checkpoint -> module."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from torch import nn

from signport.core.checkpoint import CheckpointMeta, load_checkpoint
from signport.core.errors import CheckpointError
from signport.core.fingerprint import tensors_fingerprint
from signport.core.registry import Registry
from signport.core.preprocessing import Preprocessing
from signport.models.base import ClassifierHead, SignModel


@dataclass(frozen=True)
class ModelSpec:
    name: str
    family: str
    # builder(**arch_args) -> (backbone, embedding_size); the head is always ClassifierHead.
    build_backbone: Callable[..., tuple[nn.Module, int]]
    # preprocessing(**arch_args) -> the Preprocessing this backbone expects.
    preprocessing: Callable[..., Preprocessing]
    head_dropout: float = 0.0


MODEL_REGISTRY: Registry[ModelSpec] = Registry("model")


def register_model(name: str, family: str, preprocessing: Callable[..., Preprocessing], head_dropout: float = 0.0):
    """Decorator on a backbone builder: registers the family under `name` with its preprocessing."""

    def decorator(build_backbone):
        MODEL_REGISTRY[name] = ModelSpec(name, family, build_backbone, preprocessing, head_dropout)
        return build_backbone

    return decorator


def get_spec(name: str) -> ModelSpec:
    return MODEL_REGISTRY.get_or_fail(name)


def build_model(name: str, num_classes: int, **arch_args) -> SignModel:
    """Build a registered family. Every builder accepts `weights` ("none" or a pretrained name)."""
    spec = get_spec(name)
    backbone_args = dict(arch_args)
    head_dropout = backbone_args.pop("head_dropout", spec.head_dropout)
    backbone, embedding_size = spec.build_backbone(**backbone_args)
    head = ClassifierHead(embedding_size, num_classes, dropout=head_dropout)
    return SignModel(backbone, head, embedding_size, spec.family)


def model_preprocessing(name: str, **arch_args) -> Preprocessing:
    args = {k: v for k, v in arch_args.items() if k not in ("head_dropout", "weights")}
    return get_spec(name).preprocessing(**args)


def backbone_fingerprint(model: SignModel) -> str:
    """Hash of the backbone's weights and buffers: what a head is tied to."""
    return tensors_fingerprint(model.backbone.state_dict())


def model_from_checkpoint(path: str | Path) -> tuple[SignModel, CheckpointMeta]:
    """Rebuild the exact module a checkpoint was saved from, in eval mode."""
    state_dict, meta = load_checkpoint(path)
    model = build_model(meta.architecture, len(meta.labels), **{**meta.arch_args, "weights": "none"})
    try:
        model.load_state_dict(state_dict, strict=True)
    except RuntimeError as e:
        raise CheckpointError(f"{path}: weights do not fit architecture {meta.architecture} {meta.arch_args} ({str(e).splitlines()[0]})") from e
    model.eval()
    actual = backbone_fingerprint(model)
    if actual != meta.backbone_fingerprint:
        raise CheckpointError(f"{path}: backbone weights do not match the fingerprint in its checkpoint.json; the files were mixed up or modified")
    return model, meta
