"""Landmark classifier: an MLP over 21x3 MediaPipe hand landmarks.

Translation and scale normalization are part of the network (first layer), so every
runtime, phones included, feeds raw MediaPipe coordinates and cannot normalize differently.
"""

from __future__ import annotations

import torch
from torch import nn

from signport.core.errors import InputError
from signport.core.preprocessing import LANDMARK_DIMS, MIDDLE_MCP, NUM_LANDMARKS, WRIST, landmark_preprocessing
from signport.models.registry import register_model


INDEX_MCP, PINKY_MCP = 5, 17
MIRROR_MODES = ("none", "canonical")


class LandmarkNormalize(nn.Module):
    """(N, 63) raw landmarks -> (N, 63) with the wrist at the origin and unit wrist-to-middle-MCP length.

    mirror='canonical' also mirrors x whenever the palm's winding (wrist -> index MCP -> pinky MCP,
    in the image plane) runs the other way, so a hand and its mirror image (a left hand, a selfie
    camera) give the same input and handedness need not be known.
    """

    def __init__(self, mirror: str = "none"):
        super().__init__()
        if mirror not in MIRROR_MODES:
            raise InputError(f"unknown landmark mirror mode {mirror!r}; choose one of: {', '.join(MIRROR_MODES)}")
        self.mirror = mirror

    def forward(self, flat: torch.Tensor) -> torch.Tensor:
        pts = flat.reshape(-1, NUM_LANDMARKS, LANDMARK_DIMS)
        pts = pts - pts[:, WRIST : WRIST + 1, :]
        scale = torch.linalg.vector_norm(pts[:, MIDDLE_MCP, :2], dim=-1).clamp_min(1e-6)
        pts = pts / scale[:, None, None]
        if self.mirror == "canonical":
            index, pinky = pts[:, INDEX_MCP], pts[:, PINKY_MCP]
            winding = index[:, 0] * pinky[:, 1] - index[:, 1] * pinky[:, 0]
            sign = torch.where(winding > 0, -torch.ones_like(winding), torch.ones_like(winding))
            pts = pts * torch.stack([sign, torch.ones_like(sign), torch.ones_like(sign)], dim=-1)[:, None, :]
        return pts.reshape(-1, NUM_LANDMARKS * LANDMARK_DIMS)


# Bones as (from, to) joints, each finger base to tip; consecutive pairs within a finger bend at a joint.
_FINGERS = ((0, 1, 2, 3, 4), (0, 5, 6, 7, 8), (0, 9, 10, 11, 12), (0, 13, 14, 15, 16), (0, 17, 18, 19, 20))
_BENDS = tuple((f[k], f[k + 1], f[k + 2]) for f in _FINGERS for k in range(3))
_TIPS = (4, 8, 12, 16, 20)
_TIP_PAIRS = tuple((a, b) for i, a in enumerate(_TIPS) for b in _TIPS[i + 1 :])
FEATURE_MODES = ("coords", "coords+shape")


class HandShapeFeatures(nn.Module):
    """(N, 63) normalized landmarks -> (N, 63 + 15 + 10): plus the cosine of each finger joint's bend
    and the fingertip-to-fingertip distances. Both stay the same under rotation and mirroring and
    depend little on a person's hand proportions, which coordinates alone do not."""

    def __init__(self):
        super().__init__()
        for name, indices in zip(("bend_a", "bend_b", "bend_c"), zip(*_BENDS)):
            self.register_buffer(name, torch.tensor(indices), persistent=False)
        for name, indices in zip(("tip_i", "tip_j"), zip(*_TIP_PAIRS)):
            self.register_buffer(name, torch.tensor(indices), persistent=False)

    def forward(self, flat: torch.Tensor) -> torch.Tensor:
        pts = flat.reshape(-1, NUM_LANDMARKS, LANDMARK_DIMS)
        first, second = pts[:, self.bend_b] - pts[:, self.bend_a], pts[:, self.bend_c] - pts[:, self.bend_b]
        bend = (first * second).sum(-1) / (torch.linalg.vector_norm(first, dim=-1) * torch.linalg.vector_norm(second, dim=-1)).clamp_min(1e-6)
        spread = torch.linalg.vector_norm(pts[:, self.tip_i] - pts[:, self.tip_j], dim=-1)
        return torch.cat([flat, bend, spread], dim=1)


class LandmarkBackbone(nn.Module):
    def __init__(self, hidden: tuple[int, ...], dropout: float, mirror: str = "none", features: str = "coords"):
        super().__init__()
        if features not in FEATURE_MODES:
            raise InputError(f"unknown landmark features {features!r}; choose one of: {', '.join(FEATURE_MODES)}")
        layers: list[nn.Module] = [LandmarkNormalize(mirror)]
        width = NUM_LANDMARKS * LANDMARK_DIMS
        if features == "coords+shape":
            layers.append(HandShapeFeatures())
            width += len(_BENDS) + len(_TIP_PAIRS)
        for size in hidden:
            layers += [nn.Linear(width, size), nn.BatchNorm1d(size), nn.ReLU(inplace=True), nn.Dropout(dropout)]
            width = size
        self.mlp = nn.Sequential(*layers)
        self.embedding_size = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(x)


@register_model("landmarks", family="landmarks", preprocessing=lambda **_: landmark_preprocessing())
def build_landmark_mlp(hidden: tuple[int, ...] = (256, 128), dropout: float = 0.2, weights: str = "none",
                       mirror: str = "none", features: str = "coords") -> tuple[nn.Module, int]:
    if weights != "none":
        raise InputError(f"--weights {weights!r} is not available for the landmark model; use --weights none")
    backbone = LandmarkBackbone(tuple(hidden), dropout, mirror, features)
    return backbone, backbone.embedding_size
