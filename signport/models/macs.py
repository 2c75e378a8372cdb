"""Multiply-accumulate count of one forward pass, from forward hooks on Conv and Linear layers.

Convolutions and fully connected layers are where a MobileNet spends its arithmetic; BatchNorm,
activations and pooling are not counted (as in the papers' MAC/FLOP tables).
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

CONVOLUTIONS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def _conv_macs(module: nn.Module, output: torch.Tensor) -> int:
    # Each output element is a dot product over (in_channels / groups) x kernel volume.
    per_output = (module.in_channels // module.groups) * math.prod(module.kernel_size)
    return output.numel() * per_output


def _linear_macs(module: nn.Linear, output: torch.Tensor) -> int:
    return output.numel() * module.in_features


def count_macs(model: nn.Module, example_input: torch.Tensor) -> int:
    """MACs of `model(example_input)` per sample of the batch.

    Runs a copy of the model on the meta device: shapes are propagated, nothing is computed,
    so even a 3-D network at full size is counted instantly.
    """
    model = copy.deepcopy(model).to("meta")
    example_input = example_input.to("meta")
    total = 0

    def hook(module, inputs, output):
        nonlocal total
        total += _conv_macs(module, output) if isinstance(module, CONVOLUTIONS) else _linear_macs(module, output)

    for module in model.modules():
        if isinstance(module, CONVOLUTIONS + (nn.Linear,)):
            module.register_forward_hook(hook)  # on the throw-away copy
    model.eval()
    with torch.no_grad():
        model(example_input)
    return total // example_input.shape[0]


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
