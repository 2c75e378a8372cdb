"""Batch augmentation on the training device, one per input kind.

Images and clips get one random affine per sample (random resized crop, rotation, optional
horizontal flip) applied with a single grid_sample, then colour jitter; a clip's frames all
share their sample's parameters, so motion stays intact (temporal jitter happens when the
dataset picks frames). Landmarks get small rotation, anisotropic scale and jitter noise.
All randomness comes from torch's global generator, which the training state saves.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from signport.core.errors import InputError
from signport.core.preprocessing import MIDDLE_MCP, NUM_LANDMARKS, WRIST, Preprocessing


# RGB <-> YIQ: hue is a rotation of the (I, Q) plane.
_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
_YIQ_TO_RGB = torch.linalg.inv(_RGB_TO_YIQ)


@dataclass(frozen=True)
class AugmentSettings:
    crop_scale: tuple[float, float] = (0.65, 1.0)  # area fraction kept by the random resized crop
    crop_ratio: tuple[float, float] = (0.85, 1.18)
    rotation_degrees: float = 15.0
    hflip: bool = False
    brightness: float = 0.3
    contrast: float = 0.3
    saturation: float = 0.3
    hue: float = 0.05  # fraction of a full turn
    landmark_rotation_degrees: float = 10.0
    landmark_scale: float = 0.08
    landmark_jitter: float = 0.02  # standard deviation relative to the wrist-to-middle-MCP length
    # Signer differences (off at 0): hand proportions, finger bend, out-of-plane turn, depth scale.
    landmark_bone_scale: float = 0.0  # each finger's (and the palm's) length times U(1 -/+ this)
    landmark_bend: float = 0.0  # each finger's two distal segments shortened/lengthened by U(1 -/+ this): bend seen from the front
    landmark_tilt_degrees: float = 0.0  # rotation about the image's x and y axes (the hand turned toward/away)
    landmark_z_scale: float = 0.0  # relative depth times U(1 -/+ this): detectors and crops disagree on z's scale
    landmark_aspect: float = 0.0  # x/y stretch log-uniform in +/- this: normalized coordinates of a 4:3 frame vs a square crop

    def scaled(self, strength: float) -> "AugmentSettings":
        """Every range times `strength` (1 = these defaults, 0 = no change to the input); flips stay as set."""
        if strength < 0:
            raise InputError(f"--augment-strength must be >= 0 (got {strength})")
        return AugmentSettings(
            crop_scale=(1.0 - (1.0 - self.crop_scale[0]) * strength, self.crop_scale[1]),
            crop_ratio=(self.crop_ratio[0] ** strength, self.crop_ratio[1] ** strength),
            rotation_degrees=self.rotation_degrees * strength, hflip=self.hflip,
            brightness=self.brightness * strength, contrast=self.contrast * strength,
            saturation=self.saturation * strength, hue=self.hue * strength,
            landmark_rotation_degrees=self.landmark_rotation_degrees * strength,
            landmark_scale=self.landmark_scale * strength, landmark_jitter=self.landmark_jitter * strength,
            landmark_bone_scale=self.landmark_bone_scale * strength, landmark_bend=self.landmark_bend * strength,
            landmark_tilt_degrees=self.landmark_tilt_degrees * strength, landmark_z_scale=self.landmark_z_scale * strength,
            landmark_aspect=self.landmark_aspect * strength,
        )

    def with_signer_variation(self) -> "AugmentSettings":
        """These settings plus the augmentation that models other people's hands (--augment-signers)."""
        return dataclasses.replace(self, landmark_rotation_degrees=20.0, landmark_bone_scale=0.12, landmark_bend=0.2,
                                   landmark_tilt_degrees=20.0, landmark_z_scale=0.5, landmark_aspect=0.25)


def _uniform(n: int, low: float, high: float, device) -> torch.Tensor:
    return torch.empty(n, device=device).uniform_(low, high)


def random_affine_theta(n: int, settings: AugmentSettings, device) -> torch.Tensor:
    """(n, 2, 3) affine_grid matrices: output coordinates -> input coordinates in [-1, 1]."""
    area = _uniform(n, *settings.crop_scale, device)
    log_ratio = _uniform(n, math.log(settings.crop_ratio[0]), math.log(settings.crop_ratio[1]), device)
    ratio = torch.exp(log_ratio)
    crop_w = torch.sqrt(area * ratio).clamp(max=1.0)
    crop_h = torch.sqrt(area / ratio).clamp(max=1.0)
    center_x = (1 - crop_w) * _uniform(n, -1, 1, device)
    center_y = (1 - crop_h) * _uniform(n, -1, 1, device)
    angle = torch.deg2rad(_uniform(n, -settings.rotation_degrees, settings.rotation_degrees, device))
    flip = torch.ones(n, device=device)
    if settings.hflip:
        flip = torch.where(torch.rand(n, device=device) < 0.5, -flip, flip)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([
        torch.stack([cos * crop_w * flip, -sin * crop_h, center_x], dim=1),
        torch.stack([sin * crop_w * flip, cos * crop_h, center_y], dim=1),
    ], dim=1)
    return theta


def colour_jitter(images: torch.Tensor, settings: AugmentSettings) -> torch.Tensor:
    """images (N, 3, ...) in [0, 1]; one brightness/contrast/saturation/hue draw per sample."""
    n, device = images.shape[0], images.device
    shape = (n, 1) + (1,) * (images.dim() - 2)
    grey_weights = torch.tensor([0.299, 0.587, 0.114], device=device).view(1, 3, *([1] * (images.dim() - 2)))
    images = images * _uniform(n, 1 - settings.brightness, 1 + settings.brightness, device).view(shape)
    grey = (images * grey_weights).sum(dim=1, keepdim=True)
    mean_grey = grey.flatten(1).mean(dim=1).view(shape)
    images = (images - mean_grey) * _uniform(n, 1 - settings.contrast, 1 + settings.contrast, device).view(shape) + mean_grey
    grey = (images * grey_weights).sum(dim=1, keepdim=True)
    images = (images - grey) * _uniform(n, 1 - settings.saturation, 1 + settings.saturation, device).view(shape) + grey
    if settings.hue > 0:
        angle = 2 * math.pi * _uniform(n, -settings.hue, settings.hue, device)
        cos, sin = torch.cos(angle), torch.sin(angle)
        rotation = torch.zeros(n, 3, 3, device=device)
        rotation[:, 0, 0] = 1
        rotation[:, 1, 1], rotation[:, 1, 2], rotation[:, 2, 1], rotation[:, 2, 2] = cos, -sin, sin, cos
        colour = _YIQ_TO_RGB.to(device) @ rotation @ _RGB_TO_YIQ.to(device)  # (n, 3, 3)
        images = torch.einsum("nij,nj...->ni...", colour, images)
    return images.clamp(0, 1)


def normalize(images: torch.Tensor, prep: Preprocessing) -> torch.Tensor:
    shape = (1, 3) + (1,) * (images.dim() - 2)
    mean = torch.tensor(prep.mean, device=images.device, dtype=images.dtype).view(shape)
    std = torch.tensor(prep.std, device=images.device, dtype=images.dtype).view(shape)
    return (images - mean) / std


def _to_unit(batch: torch.Tensor) -> torch.Tensor:
    return batch.float() / 255.0 if batch.dtype == torch.uint8 else batch.float()


class ImageAugment:
    """uint8 (N, 3, H, W) at stored size -> normalized float (N, 3, S, S) at the model's input size."""

    def __init__(self, prep: Preprocessing, settings: AugmentSettings):
        self.prep, self.settings = prep, settings

    def __call__(self, batch: torch.Tensor, train: bool) -> torch.Tensor:
        images = _to_unit(batch)
        size = tuple(self.prep.input_size)
        if train:
            theta = random_affine_theta(images.shape[0], self.settings, images.device)
            grid = F.affine_grid(theta, [images.shape[0], 3, *size], align_corners=False)
            images = colour_jitter(F.grid_sample(images, grid, mode="bilinear", padding_mode="reflection", align_corners=False), self.settings)
        elif images.shape[-2:] != size:
            images = F.interpolate(images, size=size, mode="bilinear", antialias=True, align_corners=False)
        # Channels-last input makes the convolutions run channels-last (oneDNN on CPU, tensor cores on
        # CUDA): about 20-25 % less time per training step for MobileNetV2 on the 2-core host.
        return normalize(images, self.prep).contiguous(memory_format=torch.channels_last)


class ClipAugment:
    """uint8 (N, 3, T, H, W) -> normalized float (N, 3, T, S, S); every frame of a clip shares its draw."""

    def __init__(self, prep: Preprocessing, settings: AugmentSettings):
        self.prep, self.settings = prep, settings

    def __call__(self, batch: torch.Tensor, train: bool) -> torch.Tensor:
        clips = _to_unit(batch)
        n, c, t, h, w = clips.shape
        size = tuple(self.prep.input_size)
        frames = clips.permute(0, 2, 1, 3, 4).reshape(n * t, c, h, w)
        if train:
            theta = random_affine_theta(n, self.settings, clips.device).repeat_interleave(t, dim=0)
            grid = F.affine_grid(theta, [n * t, c, *size], align_corners=False)
            frames = F.grid_sample(frames, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
        elif (h, w) != size:
            frames = F.interpolate(frames, size=size, mode="bilinear", antialias=True, align_corners=False)
        clips = frames.reshape(n, t, c, *size).permute(0, 2, 1, 3, 4)
        if train:
            clips = colour_jitter(clips, self.settings)
        return normalize(clips, self.prep)


# MediaPipe's finger chains: the joint each finger starts from, then its four points base to tip.
FINGER_CHAINS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))


def _rotation_xy(angle_x: torch.Tensor, angle_y: torch.Tensor, angle_z: torch.Tensor) -> torch.Tensor:
    """(n, 3, 3) rotations about x, then y, then z (radians)."""
    n = angle_x.shape[0]
    cx, sx, cy, sy, cz, sz = (f(a) for a in (angle_x, angle_y, angle_z) for f in (torch.cos, torch.sin))
    one, zero = torch.ones(n, device=angle_x.device), torch.zeros(n, device=angle_x.device)
    rx = torch.stack([one, zero, zero, zero, cx, -sx, zero, sx, cx], 1).view(n, 3, 3)
    ry = torch.stack([cy, zero, sy, zero, one, zero, -sy, zero, cy], 1).view(n, 3, 3)
    rz = torch.stack([cz, -sz, zero, sz, cz, zero, zero, zero, one], 1).view(n, 3, 3)
    return rz @ ry @ rx


def vary_hand_shape(centred: torch.Tensor, bone_scale: float, bend: float) -> torch.Tensor:
    """(n, 21, 3) wrist-centred landmarks with each finger's length and distal bend redrawn per sample.

    Rebuilds every finger from its bones (differences between neighbouring joints), scaled per
    finger, so the hand stays connected: a longer ring finger moves all of its joints.
    """
    n, device = centred.shape[0], centred.device
    bones = centred.clone()
    for chain in FINGER_CHAINS:
        previous = (0,) + chain[:-1]
        bones[:, list(chain)] = centred[:, list(chain)] - centred[:, list(previous)]
    out = torch.zeros_like(centred)
    palm = _uniform(n, 1 - bone_scale, 1 + bone_scale, device)[:, None] if bone_scale else torch.ones(n, 1, device=device)
    for chain in FINGER_CHAINS:
        length = _uniform(n, 1 - bone_scale, 1 + bone_scale, device) if bone_scale else torch.ones(n, device=device)
        curl = _uniform(n, 1 - bend, 1 + bend, device) if bend else torch.ones(n, device=device)
        point = bones[:, chain[0]] * palm  # wrist -> finger base: the palm
        out[:, chain[0]] = point
        for k, joint in enumerate(chain[1:]):
            factor = length * (curl if k >= 1 else 1.0)
            point = point + bones[:, joint] * factor[:, None]
            out[:, joint] = point
    return out


class LandmarkAugment:
    """float (N, 63) raw landmarks -> same shape; when training: hand proportions and finger bend,
    a 3-D turn, depth scale, aspect stretch, in-plane rotation and scale about the wrist, jitter,
    and a random left-right mirror with --hflip."""

    def __init__(self, prep: Preprocessing, settings: AugmentSettings):
        self.settings = settings

    def __call__(self, batch: torch.Tensor, train: bool) -> torch.Tensor:
        if not train:
            return batch.float()
        s = self.settings
        points = batch.float().reshape(-1, NUM_LANDMARKS, 3)
        n, device = points.shape[0], points.device
        wrist = points[:, WRIST : WRIST + 1, :]
        centred = points - wrist
        if s.landmark_bone_scale or s.landmark_bend:
            centred = vary_hand_shape(centred, s.landmark_bone_scale, s.landmark_bend)
        if s.landmark_z_scale:
            centred = centred * torch.stack([torch.ones(n, device=device), torch.ones(n, device=device),
                                             _uniform(n, 1 - s.landmark_z_scale, 1 + s.landmark_z_scale, device)], 1)[:, None, :]
        tilt = math.radians(s.landmark_tilt_degrees)
        roll = math.radians(s.landmark_rotation_degrees)
        rotation = _rotation_xy(_uniform(n, -tilt, tilt, device), _uniform(n, -tilt, tilt, device), _uniform(n, -roll, roll, device))
        centred = centred @ rotation.transpose(1, 2)
        scale_x = _uniform(n, 1 - s.landmark_scale, 1 + s.landmark_scale, device)
        scale_y = _uniform(n, 1 - s.landmark_scale, 1 + s.landmark_scale, device)
        if s.landmark_aspect:
            stretch = torch.exp(_uniform(n, -s.landmark_aspect, s.landmark_aspect, device))
            scale_x, scale_y = scale_x * stretch.sqrt(), scale_y / stretch.sqrt()
        if s.hflip:
            scale_x = torch.where(torch.rand(n, device=device) < 0.5, -scale_x, scale_x)
        centred = centred * torch.stack([scale_x, scale_y, torch.ones(n, device=device)], 1)[:, None, :]
        hand_size = torch.linalg.vector_norm(centred[:, MIDDLE_MCP, :2], dim=-1).clamp_min(1e-6)[:, None, None]
        centred = centred + torch.randn_like(centred) * s.landmark_jitter * hand_size
        return (centred + wrist).reshape(n, -1)


AUGMENTATIONS: dict[str, type] = {
    "image": ImageAugment,
    "clip": ClipAugment,
    "landmarks": LandmarkAugment,
}


def build_augmentation(prep: Preprocessing, settings: AugmentSettings):
    return AUGMENTATIONS[prep.input_kind](prep, settings)
