"""Inflating a trained 2-D MobileNetV2 into the 3-D network (Carreira & Zisserman, 2017, "Quo Vadis").

The 3-D backbones share torchvision's module names and channel counts, so every 2-D tensor has a
3-D counterpart: BatchNorm and 1x1 weights copy as they are, and each k x k kernel becomes a
k_t x k x k one. Two ways to spread it over time:

- "center": the whole 2-D kernel on the tap that reads the current frame, zeros on the others.
  Every frame then goes through exactly the 2-D network and the clip embedding is the mean of
  the per-frame 2-D embeddings, for any clip, whatever the temporal padding (zeros only ever
  meet zero taps). Training grows the motion taps from there.
- "mean": I3D's recipe, the kernel repeated over the k_t taps and divided by k_t. On a static
  clip each window sums back to the 2-D kernel, except at the clip's first and last frames where
  zero temporal padding removes a tap (those frames come out dimmer): exact only inside the clip.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from signport.core.errors import InputError

INFLATION_MODES = ("center", "mean")


def current_frame_tap(conv: nn.Conv3d) -> int:
    """Index of the temporal tap that reads input frame t for output frame t (stride 1)."""
    causal = getattr(conv, "causal_padding", None)
    return causal[0] if causal is not None else conv.padding[0]


@torch.no_grad()
def inflate_kernel(weight_2d: torch.Tensor, conv: nn.Conv3d, mode: str) -> torch.Tensor:
    """(O, I, kh, kw) -> (O, I, kt, kh, kw) for `conv`, spread over time as `mode` says."""
    taps = conv.kernel_size[0]
    if mode == "mean":
        return weight_2d.unsqueeze(2).repeat(1, 1, taps, 1, 1) / taps
    if mode != "center":
        raise InputError(f"unknown inflation {mode!r}; choose one of: {', '.join(INFLATION_MODES)}")
    weight = weight_2d.new_zeros(*weight_2d.shape[:2], taps, *weight_2d.shape[2:])
    weight[:, :, current_frame_tap(conv)] = weight_2d
    return weight


@torch.no_grad()
def inflate_backbone(backbone_3d: nn.Module, state_2d: dict[str, torch.Tensor], mode: str = "center") -> None:
    """Load a 2-D MobileNetV2 backbone's state (keys `features.…`) into a 3-D backbone, in place."""
    convs = {name: m for name, m in backbone_3d.named_modules() if isinstance(m, nn.Conv3d)}
    target = backbone_3d.state_dict()
    missing = sorted(set(target) - set(state_2d))
    if missing:
        raise InputError(f"the 2-D checkpoint lacks {len(missing)} of the 3-D network's tensors (e.g. {missing[0]}); "
                         "inflate a plain mobilenet_v2 (no --channel-attention) trained at the same --width")
    for key, tensor_3d in target.items():
        source = state_2d[key]
        module_name = key.rsplit(".", 1)[0]
        if module_name in convs and key.endswith(".weight"):
            source = inflate_kernel(source, convs[module_name], mode)
        if source.shape != tensor_3d.shape:
            raise InputError(f"cannot inflate {key}: 2-D {tuple(state_2d[key].shape)} does not fit 3-D {tuple(tensor_3d.shape)}; "
                             "train the 3-D model at the 2-D checkpoint's --width")
        tensor_3d.copy_(source)


def inflate_from_checkpoint(model: nn.Module, checkpoint: Path, mode: str = "center") -> dict:
    """Inflate a `signport train --model mobilenet_v2` checkpoint's backbone into `model`'s 3-D
    backbone; returns what the log and checkpoint record about it."""
    from signport.models.registry import model_from_checkpoint

    if not any(isinstance(m, nn.Conv3d) for m in model.modules()):
        raise InputError(f"--inflate-from {checkpoint}: inflation starts a 3-D model (mobilenet_v2_3d, mobilenet_v2_3d_causal); drop it")
    model_2d, meta = model_from_checkpoint(Path(checkpoint))
    if meta.architecture != "mobilenet_v2":
        raise InputError(f"--inflate-from {checkpoint}: a {meta.architecture} checkpoint; inflation takes a mobilenet_v2 one")
    state = model_2d.backbone.state_dict()
    inflate_backbone(model.backbone, state, mode)
    return {"checkpoint": str(checkpoint), "mode": mode, "backbone_fingerprint": meta.backbone_fingerprint,
            "width": meta.arch_args.get("width", 1.0)}
