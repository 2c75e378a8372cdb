"""Causal 3D-MobileNetV2: trained on clips like mobilenet_v2_3d, run frame by frame on a phone.

Same blocks, widths and parameter count as "mobilenet_v2_3d", with two changes so that a new
frame costs one frame's worth of compute in streaming (signport.streaming.causal):

- Every temporal kernel is causal: padded with k-1 zero frames before and none after, so output
  frame t depends only on input frames <= t, and a per-layer buffer of the last k-1 input
  frames (MoViNets' stream buffers) reproduces the clip forward exactly.
- No temporal strides (spatial strides stay). A causal net with temporal stride 2 emits a new
  output only every 2nd (4th, 8th, 16th) frame at depth, so a streaming step would either run
  every layer every frame (wasting the strided work) or change its graph with the frame's phase
  (one exported program per phase). Without strides every layer runs once per frame in one
  fixed graph: about the cost of a 2-D MobileNetV2 at 112 px plus two extra depthwise taps per
  block, well inside 33 ms on 2 cores. The price is ~2.5x the training FLOPs of the strided clip
  model at 32 frames, paid once.

The clip forward averages the last layer over all T frames and space; streaming keeps a window
of the last `clip_length` per-frame features and averages it, so after T frames from a zero
state both give the same embedding.
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from signport.models.mobilenet_v2_3d import MobileNetV2_3dBackbone, _clip_prep, build_mobilenet_v2_3d
from signport.models.registry import register_model


class CausalConv3d(nn.Conv3d):
    """A Conv3d padded with (kernel_t - 1) zero frames before the clip and none after."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride, groups: int = 1):
        kt, kh, kw = kernel_size
        super().__init__(in_channels, out_channels, kernel_size, stride, padding=(0, kh // 2, kw // 2), groups=groups, bias=False)
        # Read by the 3-D -> 2-D rewrite and the streaming step: (frames before, frames after).
        self.causal_padding = (kt - 1, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(nn.functional.pad(x, (0, 0, 0, 0, *self.causal_padding)))


def _make_causal(module: nn.Module) -> None:
    """Replace, in place, every Conv3d with a temporal kernel by a CausalConv3d of the same
    shape without temporal stride (fresh initialization, as for the clip model)."""
    for name, child in module.named_children():
        if isinstance(child, nn.Conv3d) and child.kernel_size[0] > 1:
            stride = (1, *child.stride[1:])
            setattr(module, name, CausalConv3d(child.in_channels, child.out_channels, child.kernel_size, stride, child.groups))
        else:
            _make_causal(child)


class CausalMobileNetV2_3dBackbone(MobileNetV2_3dBackbone):
    """clip (N, 3, T, H, W) -> embedding (N, 1280·max(1, width)), causal in time, no temporal stride."""

    def __init__(self, width: float = 1.0, last_channel: int = 1280):
        super().__init__(width, last_channel)
        _make_causal(self.features)


build_mobilenet_v2_3d_causal = register_model(
    "mobilenet_v2_3d_causal", family="mobilenet_v2_3d_causal", preprocessing=_clip_prep, head_dropout=0.2,
)(functools.partial(
    build_mobilenet_v2_3d, backbone_class=CausalMobileNetV2_3dBackbone, family="mobilenet_v2_3d_causal",
    weights_hint=" (a mobilenet_v2_3d checkpoint's weights have the same shapes and load as a starting point)",
))
