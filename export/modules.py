"""What gets exported: a checkpoint's model cut into backbone, head and fused model, each
with its example input, tensor names and per-format module transforms."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import torch
from torch import nn

from signport.models import SignModel

# Tensor names seen by apps (manifest "inputs"/"outputs"); one per input kind.
INPUT_NAMES = {"image": "image", "clip": "clip", "landmarks": "landmarks"}
EMBEDDING, LOGITS = "embedding", "logits"


@dataclass
class PreExportTransform:
    """A module rewrite applied before torch.export (e.g. Conv3d -> Conv2d for ExecuTorch).
    It must keep outputs numerically equivalent: parity is measured against the original."""

    fn: Callable[[nn.Module], nn.Module]
    formats: tuple[str, ...] | None  # None: every format


# family -> transforms, applied in registration order to backbone and fused model.
PRE_EXPORT_TRANSFORMS: dict[str, list[PreExportTransform]] = {}
# Modules that register transforms when imported, like COMMAND_MODULES in signport/cli.py:
# a transform module adds its name here and calls
# register_pre_export_transform(family, formats=[...]) on its function (see export/transforms.py).
TRANSFORM_MODULES: tuple[str, ...] = ("signport.export.transforms",)


def register_pre_export_transform(family: str, formats: Iterable[str] | None = None):
    """Decorator: `@register_pre_export_transform("mobilenet_v2_3d", formats=["executorch"])`."""

    def decorator(fn: Callable[[nn.Module], nn.Module]):
        PRE_EXPORT_TRANSFORMS.setdefault(family, []).append(PreExportTransform(fn, None if formats is None else tuple(formats)))
        return fn

    return decorator


def apply_pre_export_transforms(module: nn.Module, family: str, format_name: str) -> nn.Module:
    for name in TRANSFORM_MODULES:
        importlib.import_module(name)
    for transform in PRE_EXPORT_TRANSFORMS.get(family, []):
        if transform.formats is None or format_name in transform.formats:
            module = transform.fn(module).eval()
    return module


@dataclass
class ExportPart:
    """One exportable module. `role` is the manifest's: backbone (input -> embedding),
    head (embedding -> logits) or model (input -> logits)."""

    role: str
    module: nn.Module
    input_name: str
    output_name: str
    sample_shape: tuple[int, ...]  # one sample, batch dimension excluded

    def example_input(self) -> torch.Tensor:
        return torch.zeros((1, *self.sample_shape))

    def for_format(self, family: str, format_name: str) -> nn.Module:
        if self.role == "head":
            return self.module
        return apply_pre_export_transforms(self.module, family, format_name)


def export_parts(model: SignModel, input_kind: str, input_shape: tuple[int, ...], fused: bool) -> list[ExportPart]:
    input_name = INPUT_NAMES[input_kind]
    parts = [
        ExportPart("backbone", model.backbone.eval(), input_name, EMBEDDING, tuple(input_shape[1:])),
        ExportPart("head", model.head.eval(), EMBEDDING, LOGITS, (model.embedding_size,)),
    ]
    if fused:
        parts.append(ExportPart("model", model.eval(), input_name, LOGITS, tuple(input_shape[1:])))
    return parts


class ChannelScale(nn.Module):
    """Divides each channel by its std. Core ML's ImageType applies one scale for all channels
    plus per-channel biases, so (x/255 - mean) comes from ImageType and /std from here."""

    def __init__(self, std: Iterable[float]):
        super().__init__()
        self.register_buffer("inv_std", torch.tensor([1.0 / s for s in std], dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.inv_std


class WithSoftmax(nn.Module):
    """Logits -> probabilities, for Core ML classifiers (Vision reports these as confidences)."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.module(x), dim=1)


@torch.inference_mode()
def run_module(module: nn.Module, inputs: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Eager outputs for a batch of numpy inputs (the parity reference)."""
    outputs = [module(torch.from_numpy(np.ascontiguousarray(inputs[i : i + batch_size]))).numpy() for i in range(0, len(inputs), batch_size)]
    return np.concatenate(outputs).astype(np.float32)
