"""Multiply-accumulate count of a model, from forward hooks on its Conv and Linear layers."""

from __future__ import annotations

import math


def count_macs(module, example_input) -> int:
    """MACs of one forward pass on `example_input` (batch included): every Conv{1,2,3}d and
    Linear contributes output elements x (input channels / groups) x kernel volume. Pooling,
    activations and normalization are not counted (they are not multiply-accumulates)."""
    import torch
    from torch import nn

    total = 0

    def conv_hook(layer, _inputs, output):
        nonlocal total
        total += output.numel() * (layer.in_channels // layer.groups) * math.prod(layer.kernel_size)

    def linear_hook(layer, _inputs, output):
        nonlocal total
        total += output.numel() * layer.in_features

    handles = []
    for layer in module.modules():
        if isinstance(layer, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            handles.append(layer.register_forward_hook(conv_hook))
        elif isinstance(layer, nn.Linear):
            handles.append(layer.register_forward_hook(linear_hook))
    try:
        with torch.inference_mode():
            module(example_input)
    finally:
        for handle in handles:
            handle.remove()
    return total
