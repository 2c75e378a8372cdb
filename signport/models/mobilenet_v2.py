"""MobileNetV2 (2-D) for static letters: torchvision's network split into backbone + head,
with an optional squeeze-and-excitation ablation."""

from __future__ import annotations

import torch
from torch import nn

from signport.core.errors import InputError, OfflineError
from signport.core.preprocessing import image_preprocessing
from signport.models.registry import register_model

# Indices in torchvision's `features` after which each resolution stage ends; the default
# places for channel attention in the ablation.
STAGE_ENDS = (3, 6, 10, 13, 16)


class SqueezeExcitation(nn.Module):
    """Channel attention: global average pool -> 1x1 conv -> ReLU -> 1x1 conv -> sigmoid -> rescale."""

    def __init__(self, channels: int, reduction: int = 4):
        super().__init__()
        hidden = max(8, channels // reduction)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(channels, hidden, 1)
        self.relu = nn.ReLU(inplace=True)
        self.expand = nn.Conv2d(hidden, channels, 1)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(self.expand(self.relu(self.reduce(self.pool(x)))))


class MobileNetV2Backbone(nn.Module):
    """image (N, 3, H, W) -> embedding (N, 1280·max(1, width))."""

    def __init__(self, features: nn.Sequential):
        super().__init__()
        self.features = features
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.pool(self.features(x)), 1)


def _imagenet_features(width: float) -> nn.Sequential:
    from torchvision.models import MobileNet_V2_Weights, mobilenet_v2

    if width != 1.0:
        raise InputError(f"--weights imagenet exists only for width 1.0 (got {width}); use --width 1.0 or --weights none")
    try:
        return mobilenet_v2(weights=MobileNet_V2_Weights.IMAGENET1K_V2).features
    except (OSError, RuntimeError) as e:  # urllib errors are OSError subclasses
        raise OfflineError(
            f"could not download torchvision's ImageNet MobileNetV2 weights ({e}); this needs the internet: "
            "connect, pre-seed $TORCH_HOME/hub/checkpoints, or pass --weights none"
        ) from e


@register_model("mobilenet_v2", family="mobilenet_v2", preprocessing=lambda input_size=224, **_: image_preprocessing(input_size), head_dropout=0.2)
def build_mobilenet_v2(
    width: float = 1.0,
    input_size: int = 224,
    channel_attention: bool = False,
    attention_after: tuple[int, ...] = STAGE_ENDS,
    weights: str = "none",
) -> tuple[nn.Module, int]:
    from torchvision.models import mobilenet_v2

    if weights == "imagenet":
        features = _imagenet_features(width)
    elif weights == "none":
        features = mobilenet_v2(weights=None, width_mult=width).features
    else:
        raise InputError(f"unknown --weights {weights!r}; use 'imagenet' or 'none'")
    if channel_attention:
        blocks = []
        for index, block in enumerate(features):
            blocks.append(block)
            if index in attention_after:
                blocks.append(SqueezeExcitation(_out_channels(block)))
        features = nn.Sequential(*blocks)
    embedding_size = features[-1].out_channels if hasattr(features[-1], "out_channels") else _out_channels(features[-1])
    return MobileNetV2Backbone(features), embedding_size


def _out_channels(block: nn.Module) -> int:
    convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
    return convs[-1].out_channels
