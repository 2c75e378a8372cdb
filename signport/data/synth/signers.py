"""Signers and the populations they are drawn from.

A signer fixes everything that stays the same across one person's recordings: hand geometry,
skin tone, a personal handshape style, their room (background family), lighting and how they
hold the camera. Per-image jitter (pose noise, placement) is sampled at render time.

Populations (POPULATIONS) are the appearance domains. "default" is what models train on;
"new" is a deliberate domain shift for the personalisation story. Compared with "default",
a "new" signer has:
  - darker skin (tones outside the default range) with lighter palms,
  - longer, thinner fingers and a narrower palm,
  - a looser handshape style: straight fingers bend ~10-20 deg, fists open ~20-30 deg, wider spread,
  - busy, coloured, striped/checkered rooms instead of muted indoor clutter,
  - slightly warm or cool side lighting with less ambient light,
  - a tilted, more distant phone camera (roll bias 10-20 deg, hand ~15 % smaller in frame),
  - a softer, noisier camera (blur, sensor noise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from signport.core.errors import InputError
from signport.data.synth.hand import FINGER_SLOTS, POSE_SIZE, THUMB_SLOT, HandGeometry


@dataclass(frozen=True)
class Signer:
    """One person as the generator sees them (all colours RGB in 0..255)."""

    signer_id: str
    population: str
    geometry: HandGeometry
    skin_rgb: tuple[float, float, float]
    palm_rgb: tuple[float, float, float]  # palms are lighter than the back of the hand
    sleeve_rgb: tuple[float, float, float]
    style: tuple[float, ...]  # (POSE_SIZE,) degrees added to every hand shape this signer makes
    background: str  # key of scene.BACKGROUNDS
    light_rgb: tuple[float, float, float]  # colour cast of the light (white balance)
    light_direction: tuple[float, float, float]  # camera frame, from the light toward the scene
    ambient: float  # share of light that does not depend on the surface normal
    camera_roll: float  # degrees, how this person tilts the camera
    hand_fill: tuple[float, float]  # palm length as a fraction of the image side, range
    blur_sigma: float
    noise_sigma: float
    left_hand: bool = False
    description: dict = field(default_factory=dict, compare=False)

    def style_vector(self) -> np.ndarray:
        return np.asarray(self.style, dtype=np.float64)


PopulationSampler = Callable[[np.random.Generator, str], Signer]


def sample_signer(rng: np.random.Generator, population: str = "default", signer_id: str | None = None) -> Signer:
    """Draw one signer from a population ("default" or "new")."""
    if population not in POPULATIONS:
        raise InputError(f"unknown signer population {population!r}; choose one of: {', '.join(POPULATIONS)}")
    return POPULATIONS[population](rng, signer_id or f"{population[0]}00")


def signer_for_index(seed: int, population: str, index: int) -> Signer:
    """The index-th signer of a population for a seed: the same person in every output kind."""
    rng = np.random.default_rng([seed, _POPULATION_STREAM[population], index])
    return sample_signer(rng, population, f"{population[0]}{index:02d}")


_POPULATION_STREAM = {"default": 11, "new": 12}


def _mix(rng: np.random.Generator, palette: list[tuple[float, float, float]], jitter: float) -> np.ndarray:
    """A colour on the polyline through `palette`, plus per-channel jitter."""
    t = rng.uniform(0, len(palette) - 1)
    i = min(int(t), len(palette) - 2)
    colour = (1 - (t - i)) * np.array(palette[i]) + (t - i) * np.array(palette[i + 1])
    return np.clip(colour + rng.normal(0, jitter, 3), 0, 255)


def _palm_of(skin: np.ndarray, lift: float) -> tuple[float, float, float]:
    pinkish = np.array([235.0, 190.0, 170.0])
    return tuple(float(c) for c in skin + lift * (pinkish - skin))


def _unit(v) -> tuple[float, float, float]:
    v = np.asarray(v, dtype=np.float64)
    return tuple(float(c) for c in v / np.linalg.norm(v))


def _geometry(rng: np.random.Generator, length_mean: float, palm_width: float, thickness: float) -> HandGeometry:
    digits = rng.normal(length_mean, 0.04, 5)
    return HandGeometry(
        digit_lengths=tuple(float(d) for d in digits),
        palm_width=float(rng.normal(palm_width, 0.04)),
        thickness=float(rng.normal(thickness, 0.05)),
    )


# Palm length (wrist to middle knuckle) as a fraction of the image side. The default signers frame
# their hand the way the ASL Alphabet photos do (an upright hand spans ~70-85 % of the frame, a fist
# ~40 %), so the thumb and fingertips that tell A/E/M/N/S/T apart are several pixels wide even at a
# 96 px model input. The new signer holds the phone farther away (~15 % smaller).
DEFAULT_HAND_FILL = (0.34, 0.42)
NEW_HAND_FILL = (0.29, 0.36)

DEFAULT_SKIN = [(241, 206, 182), (224, 178, 148), (198, 146, 112), (170, 120, 86)]
NEW_SKIN = [(122, 82, 58), (98, 64, 44), (78, 52, 38), (60, 40, 30)]


def sample_default_signer(rng: np.random.Generator, signer_id: str) -> Signer:
    skin = _mix(rng, DEFAULT_SKIN, 6)
    sleeve = rng.uniform(30, 200, 3)
    return Signer(
        signer_id=signer_id, population="default",
        geometry=_geometry(rng, 1.0, 1.0, 1.0),
        skin_rgb=tuple(float(c) for c in skin), palm_rgb=_palm_of(skin, 0.15),
        sleeve_rgb=tuple(float(c) for c in sleeve),
        style=tuple(float(a) for a in rng.normal(0, 3.0, POSE_SIZE)),
        background="indoor",
        light_rgb=tuple(float(c) for c in np.clip(rng.normal(1.0, 0.03, 3), 0.9, 1.1)),
        light_direction=_unit([rng.uniform(-0.6, 0.6), rng.uniform(0.4, 1.0), 0.8]),
        ambient=float(rng.uniform(0.55, 0.7)),
        camera_roll=float(rng.normal(0, 3)),
        hand_fill=DEFAULT_HAND_FILL,
        blur_sigma=0.0, noise_sigma=2.0,
        description={"skin": "light to medium", "background": "muted indoor clutter", "lighting": "neutral, from above"},
    )


def sample_new_signer(rng: np.random.Generator, signer_id: str) -> Signer:
    skin = _mix(rng, NEW_SKIN, 5)
    style = rng.normal(0, 3.0, POSE_SIZE)
    # A looser signing style: straight fingers never fully straight, fists never fully closed.
    for slot in FINGER_SLOTS.values():
        style[slot.start] += rng.uniform(8, 18)  # MCP
        style[slot.start + 3] += rng.uniform(-2, 6)  # spread
    style[THUMB_SLOT.start] += rng.uniform(5, 15)  # thumb further out
    style[THUMB_SLOT.start + 1] -= rng.uniform(10, 20)  # less opposition
    warm = rng.random() < 0.5
    light = np.array([1.08, 1.0, 0.9]) if warm else np.array([0.92, 0.98, 1.08])
    return Signer(
        signer_id=signer_id, population="new",
        geometry=_geometry(rng, 1.12, 0.88, 0.78),
        skin_rgb=tuple(float(c) for c in skin), palm_rgb=_palm_of(skin, 0.35),
        sleeve_rgb=tuple(float(c) for c in rng.uniform(0, 255, 3)),
        style=tuple(float(a) for a in style),
        background="textured",
        light_rgb=tuple(float(c) for c in light * rng.normal(1.0, 0.03, 3)),
        light_direction=_unit([rng.choice([-1, 1]) * rng.uniform(0.8, 1.0), rng.uniform(-0.3, 0.3), 0.5]),
        ambient=float(rng.uniform(0.45, 0.55)),
        camera_roll=float(rng.choice([-1, 1]) * rng.uniform(10, 20)),
        hand_fill=NEW_HAND_FILL,
        blur_sigma=float(rng.uniform(0.3, 0.5)), noise_sigma=float(rng.uniform(2.5, 4)),
        description={
            "skin": "dark, lighter palms", "hands": "longer thinner fingers, narrower palm",
            "style": "looser handshapes", "background": "busy saturated stripes/checkers",
            "lighting": "warm" if warm else "cool", "camera": "tilted, farther, softer and noisier",
        },
    )


POPULATIONS: dict[str, PopulationSampler] = {
    "default": sample_default_signer,
    "new": sample_new_signer,
}
