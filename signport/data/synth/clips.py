"""Short clips of dynamic signs: the J and Z traces and word-like signs, each a hand shape (or
a change of shape) moving along a path from a place on a simple body.

Sign timing varies per clip (start offset, duration, easing, amplitude) so a clip model has to
find the movement, not memorize a frame index; the frames of the sign itself are reported
(1-based, inclusive) like WLASL's `action` field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from signport.core.errors import InputError
from signport.data.synth.hand import NUM_JOINTS, ORIENTATION_SLOT, pose_hand
from signport.data.synth.handshapes import HANDSHAPES
from signport.data.synth.letters import shape_pose
from signport.data.synth.scene import (
    BACKGROUNDS, HandPlacement, Painter, apply_camera, draw_arm, draw_body, draw_hand, landmarks_of, sample_body,
)
from signport.data.synth.signers import DEFAULT_HAND_FILL, Signer

# Paths: progress t in [0, 1] -> (dx, dy) offset in head half-widths (image axes: x right, y down).
Path = Callable[[np.ndarray, int], np.ndarray]


def _polyline(points: list[tuple[float, float]], t: np.ndarray) -> np.ndarray:
    """Constant-speed travel along a polyline."""
    pts = np.asarray(points, dtype=np.float64)
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    cum = np.concatenate([[0.0], np.cumsum(seg)]) / seg.sum()
    return np.column_stack([np.interp(t, cum, pts[:, 0]), np.interp(t, cum, pts[:, 1])])


def _hold(t, repeats):
    return np.zeros((len(t), 2))


def _j_hook(t, repeats):
    """Down, then hook toward the signer's body (image right) and up."""
    angles = np.linspace(np.pi, 0, 7)
    hook = [(0.6 + 0.6 * np.cos(a), 1.8 + 0.6 * np.sin(a)) for a in angles]
    return _polyline([(0.0, 0.0), *hook], t)


def _zigzag(t, repeats):
    return _polyline([(-0.9, 0.0), (0.9, 0.0), (-0.9, 1.5), (0.9, 1.5)], t)


def _circle(t, repeats):
    a = 2 * np.pi * repeats * t
    return np.column_stack([0.8 * np.sin(a), 0.8 * (1 - np.cos(a))])


def _outward(t, repeats):
    return np.column_stack([-2.2 * t, -0.3 * t])


def _forward_down(t, repeats):
    return np.column_stack([-0.6 * t, 1.8 * t])


def _tap(t, repeats):
    return np.column_stack([np.zeros_like(t), -0.5 * np.sin(np.pi * repeats * t) ** 2])


def _nod(t, repeats):
    return np.column_stack([np.zeros_like(t), 0.4 * np.sin(np.pi * repeats * t) ** 2])


def _shake(t, repeats):
    return np.column_stack([0.8 * np.sin(2 * np.pi * repeats * t), np.zeros_like(t)])


def _toward_body(t, repeats):
    return np.column_stack([0.8 * t, 0.6 * t])


def _up(t, repeats):
    return np.column_stack([0.1 * t, -0.8 * t])


PATHS: dict[str, Path] = {
    "hold": _hold,
    "j_hook": _j_hook,
    "zigzag": _zigzag,
    "circle": _circle,
    "outward": _outward,
    "forward_down": _forward_down,
    "tap": _tap,
    "nod": _nod,
    "shake": _shake,
    "toward_body": _toward_body,
    "up": _up,
}


# How a sign's orientation change and shape change unfold: once (ramp) or back and forth.
_WAVES = {
    "ramp": lambda t, repeats: t,
    "back_and_forth": lambda t, repeats: np.sin(np.pi * repeats * t) ** 2,
}


@dataclass(frozen=True)
class DynamicSign:
    gloss: str
    shapes: tuple[str, str]  # start and end hand shape (the same for a fixed shape)
    location: str  # scene.Body.location name where the sign starts
    path: str  # key of PATHS
    turn: tuple[float, float, float] = (0, 0, 0)  # yaw/pitch/roll added over the sign (degrees)
    facing: tuple[float, float, float] = (0, 0, 0)  # yaw/pitch/roll added to the shapes' own orientation
    repeats: int = 1
    wave: str = "ramp"  # how `turn` and the shape change unfold


DYNAMIC_SIGNS: dict[str, DynamicSign] = {}


def register_sign(sign: DynamicSign) -> DynamicSign:
    DYNAMIC_SIGNS[sign.gloss] = sign
    return sign


register_sign(DynamicSign("J", ("I", "I"), "shoulder", "j_hook", turn=(-80, 0, 0)))
register_sign(DynamicSign("Z", ("Z", "Z"), "neutral", "zigzag"))
register_sign(DynamicSign("hello", ("B", "B"), "temple", "outward", turn=(0, 0, -25)))
register_sign(DynamicSign("thank_you", ("B", "B"), "chin", "forward_down", turn=(0, 45, 0)))
register_sign(DynamicSign("please", ("B", "B"), "chest", "circle", facing=(180, 0, 0)))
register_sign(DynamicSign("sorry", ("A", "A"), "chest", "circle", facing=(180, 0, 0)))
register_sign(DynamicSign("yes", ("S", "S"), "neutral", "nod", turn=(0, 40, 0), repeats=2, wave="back_and_forth"))
register_sign(DynamicSign("no", ("U", "bent_B"), "neutral", "hold", repeats=2, wave="back_and_forth", facing=(-40, 0, 0)))
register_sign(DynamicSign("eat", ("flat_O", "flat_O"), "mouth", "tap", repeats=2, facing=(-60, 60, 0)))
register_sign(DynamicSign("drink", ("C", "C"), "chin", "up", turn=(0, 0, -50)))
register_sign(DynamicSign("mother", ("5", "5"), "chin", "tap", repeats=2))
register_sign(DynamicSign("father", ("5", "5"), "forehead", "tap", repeats=2))
register_sign(DynamicSign("water", ("W", "W"), "chin", "tap", repeats=2, facing=(-70, 0, 0)))
register_sign(DynamicSign("want", ("5", "claw"), "neutral", "toward_body", facing=(0, -40, 0)))
register_sign(DynamicSign("where", ("D", "D"), "neutral", "shake", repeats=2))

CLIP_GLOSSES: tuple[str, ...] = tuple(DYNAMIC_SIGNS)


@dataclass
class ClipTiming:
    """When the sign happens inside the clip (0-based frames, inclusive) and how big it is."""

    start: int
    end: int
    amplitude: float
    easing: float


def sample_timing(rng: np.random.Generator, frames: int) -> ClipTiming:
    duration = int(round(rng.uniform(0.5, 0.85) * frames))
    duration = min(max(duration, 2), frames)
    start = int(rng.integers(0, frames - duration + 1))
    return ClipTiming(start, start + duration - 1, float(rng.uniform(0.75, 1.25)), float(rng.uniform(1.5, 3.0)))


def _progress(timing: ClipTiming, frames: int) -> np.ndarray:
    """Per-frame progress of the sign in [0, 1]: still before and after, eased in between."""
    t = (np.arange(frames) - timing.start) / max(timing.end - timing.start, 1)
    t = np.clip(t, 0.0, 1.0)
    # Symmetric ease-in-out; larger exponent = slower start and end.
    a = t ** timing.easing
    return a / (a + (1 - t) ** timing.easing)


def render_clip(gloss: str, signer: Signer, rng: np.random.Generator, frames: int = 32, size: int = 112
                ) -> tuple[np.ndarray, np.ndarray, ClipTiming]:
    """One clip of a dynamic sign: (RGB uint8 (frames, size, size, 3), landmarks (frames, 21, 3)
    float32, timing). The signer's right hand signs; the body stands still."""
    if gloss not in DYNAMIC_SIGNS:
        raise InputError(f"unknown dynamic sign {gloss!r}; choose one of: {', '.join(CLIP_GLOSSES)}")
    sign = DYNAMIC_SIGNS[gloss]
    timing = sample_timing(rng, frames)
    body = sample_body(rng, size, size)
    base_noise = rng.normal(0.0, 1.0, 2) * 0.3
    start_pose = shape_pose(sign.shapes[0], signer, rng, noise_scale=0.5)
    end_pose = start_pose + (HANDSHAPES[sign.shapes[1]] - HANDSHAPES[sign.shapes[0]])
    facing = np.zeros_like(start_pose)
    facing[ORIENTATION_SLOT] = sign.facing
    turn = np.zeros_like(start_pose)
    turn[ORIENTATION_SLOT] = sign.turn
    scene = BACKGROUNDS[signer.background](rng, size, size)
    draw_body(scene, body, signer)
    gain = float(rng.uniform(0.85, 1.15))

    progress = _progress(timing, frames)
    wave = _WAVES[sign.wave](progress, sign.repeats)
    unit = body.head_axes[0]
    offsets = PATHS[sign.path](progress, sign.repeats) * unit * timing.amplitude
    anchor = body.location(sign.location) + base_noise * unit
    tremor = np.cumsum(rng.normal(0.0, 0.15, (frames, 2)), axis=0) * 0.3
    # The body sets the hand's size in a clip; a signer's hand_fill only scales it relative to the default population.
    palm_px = 1.0 * unit * np.mean(signer.hand_fill) / np.mean(DEFAULT_HAND_FILL)

    video = np.empty((frames, size, size, 3), np.uint8)
    landmarks = np.empty((frames, NUM_JOINTS, 3), np.float32)
    for f in range(frames):
        pose = start_pose + facing + wave[f] * ((end_pose - start_pose) + turn * timing.amplitude)
        hand = pose_hand(pose, signer.geometry, signer.left_hand)
        centre = anchor + offsets[f] + tremor[f]
        wrist = centre - palm_px * hand.joints[:, :2].mean(axis=0)
        placement = HandPlacement(scale=palm_px, wrist_px=wrist)
        frame = scene.copy()
        painter = Painter(frame)
        draw_arm(painter, body, wrist, signer, palm_px)
        draw_hand(painter, hand, placement, signer, forearm_length=0.0)
        video[f] = apply_camera(frame, signer, rng, (gain, gain))
        landmarks[f] = landmarks_of(hand, placement, size, size)
    return video, landmarks, timing
