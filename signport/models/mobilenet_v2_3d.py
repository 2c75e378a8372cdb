"""3D-MobileNetV2 for dynamic signs (Kopuklu et al., 2019, "Resource Efficient 3D CNNs").

MobileNetV2 inflated to 3-D: 3x3x3 stem with stride (1,2,2), inverted residual stages with
strides on all three axes on each stage's first block, depthwise 3x3x3, 1x1x1 to 1280,
global average pool. Width 1.0 with 600 classes has 3,122,648 parameters.
"""

from __future__ import annotations

import torch
from torch import nn

from signport.core.errors import InputError
from signport.core.preprocessing import clip_preprocessing
from signport.models.registry import register_model

# (expansion t, channels c, repeats n, first-block stride s) as in the paper.
INVERTED_RESIDUAL_SETTING = (
    (1, 16, 1, (1, 1, 1)),
    (6, 24, 2, (2, 2, 2)),
    (6, 32, 3, (2, 2, 2)),
    (6, 64, 4, (2, 2, 2)),
    (6, 96, 3, (1, 1, 1)),
    (6, 160, 3, (2, 2, 2)),
    (6, 320, 1, (1, 1, 1)),
)


def conv_bn_relu(inp: int, oup: int, kernel: int, stride=1, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv3d(inp, oup, kernel, stride, padding=kernel // 2, groups=groups, bias=False),
        nn.BatchNorm3d(oup),
        nn.ReLU6(inplace=True),
    )


class InvertedResidual3d(nn.Module):
    def __init__(self, inp: int, oup: int, stride: tuple[int, int, int], expand_ratio: int):
        super().__init__()
        hidden = round(inp * expand_ratio)
        self.use_residual = tuple(stride) == (1, 1, 1) and inp == oup
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(conv_bn_relu(inp, hidden, 1))
        layers += [
            conv_bn_relu(hidden, hidden, 3, stride, groups=hidden),
            nn.Conv3d(hidden, oup, 1, bias=False),
            nn.BatchNorm3d(oup),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_residual else self.conv(x)


class MobileNetV2_3dBackbone(nn.Module):
    """clip (N, 3, T, H, W) -> embedding (N, 1280·max(1, width))."""

    def __init__(self, width: float = 1.0, last_channel: int = 1280):
        super().__init__()
        channels = int(32 * width)
        self.last_channel = int(last_channel * width) if width > 1.0 else last_channel
        blocks: list[nn.Module] = [conv_bn_relu(3, channels, 3, (1, 2, 2))]
        for t, c, n, s in INVERTED_RESIDUAL_SETTING:
            out = int(c * width)
            for i in range(n):
                blocks.append(InvertedResidual3d(channels, out, s if i == 0 else (1, 1, 1), t))
                channels = out
        blocks.append(conv_bn_relu(channels, self.last_channel, 1))
        self.features = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x).mean(dim=(2, 3, 4))


def _clip_prep(input_size: int = 112, clip_length: int = 32, clip_fps: float = 25.0, **_):
    return clip_preprocessing(input_size, clip_length, clip_fps)


@register_model("mobilenet_v2_3d", family="mobilenet_v2_3d", preprocessing=_clip_prep, head_dropout=0.2)
def build_mobilenet_v2_3d(
    width: float = 1.0,
    input_size: int = 112,
    clip_length: int = 32,
    clip_fps: float = 25.0,
    weights: str = "none",
    *,
    backbone_class: type[MobileNetV2_3dBackbone] = MobileNetV2_3dBackbone,
    family: str = "mobilenet_v2_3d",
    weights_hint: str = " or inflate a 2-D checkpoint",
) -> tuple[nn.Module, int]:
    """The 3-D families' builder (the causal family binds its backbone class): random init only."""
    if weights != "none":
        raise InputError(f"--weights {weights!r} is not available for {family}; use --weights none{weights_hint}")
    backbone = backbone_class(width)
    return backbone, backbone.last_channel
