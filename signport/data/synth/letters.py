"""Still images of ASL-alphabet letters (29 classes) with their ground-truth landmarks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signport.core.errors import InputError
from signport.core.labels import ASL_LETTERS, NOTHING
from signport.data.synth.hand import (
    FINGER_SLOTS, NUM_JOINTS, ORIENTATION_SLOT, POSE_SIZE, THUMB_SLOT, PosedHand, pose_hand,
)
from signport.data.synth.handshapes import HANDSHAPES
from signport.data.synth.scene import (
    BACKGROUNDS, HandPlacement, Painter, apply_camera, draw_hand, hand_extent, landmarks_of, place_hand,
)
from signport.data.synth.signers import DEFAULT_HAND_FILL, Signer

# Per-image pose noise (degrees, standard deviation) on top of shape + signer style.
_POSE_NOISE = np.zeros(POSE_SIZE)
for _slot in FINGER_SLOTS.values():
    _POSE_NOISE[_slot] = (6.0, 6.0, 5.0, 3.0)
_POSE_NOISE[THUMB_SLOT] = (5.0, 6.0, 6.0, 6.0)
_POSE_NOISE[ORIENTATION_SLOT] = (12.0, 12.0, 8.0)
_FLEXION_LIMITS = (-15.0, 115.0)
# Letters are framed by the hand's extent (v4), not its palm length (v3): the hand's box spans this
# fraction of the image side, as in a hand-detector crop with the live pipeline's 25 % margin
# (1 / 1.5 = 0.67) and in the ASL Alphabet photos. Framed by palm length, a fist spanned ~40 % of
# the image and the thumb positions that tell A/E/M/N/S/T apart were a few pixels wide at 96 px
# (measured: those six letters were 46 of the 83 test errors of the quickstart's v3 model).
LETTER_HAND_EXTENT = (0.58, 0.76)


def shape_pose(shape: str, signer: Signer, rng: np.random.Generator, noise_scale: float = 1.0) -> np.ndarray:
    """The pose vector for `shape` as `signer` makes it: shape + personal style + jitter + camera roll."""
    pose = HANDSHAPES[shape] + signer.style_vector() + rng.normal(0.0, 1.0, POSE_SIZE) * _POSE_NOISE * noise_scale
    for slot in FINGER_SLOTS.values():
        pose[slot.start : slot.start + 3] = np.clip(pose[slot.start : slot.start + 3], *_FLEXION_LIMITS)
    pose[ORIENTATION_SLOT.start + 2] += signer.camera_roll
    return pose


@dataclass
class LetterGeometry:
    """Everything about one letter image that is decided before any pixel is drawn."""

    hand: PosedHand | None  # None for "nothing"
    placement: HandPlacement | None
    landmarks: np.ndarray  # (21, 3) float32, NaN for "nothing"


def sample_letter_geometry(label: str, signer: Signer, rng: np.random.Generator, size: int) -> LetterGeometry:
    """Pose and place the hand for one image; consumes `rng` exactly as render_letter does first."""
    if label not in ASL_LETTERS:
        raise InputError(f"unknown letter {label!r}; choose one of: {', '.join(ASL_LETTERS)}")
    if label == NOTHING:
        return LetterGeometry(None, None, np.full((NUM_JOINTS, 3), np.nan, dtype=np.float32))
    hand = pose_hand(shape_pose(label, signer, rng), signer.geometry, signer.left_hand)
    # A signer who frames smaller (the new signer holds the phone farther away) keeps that ratio.
    framing = float(np.mean(signer.hand_fill) / np.mean(DEFAULT_HAND_FILL))
    palm_fraction = rng.uniform(*LETTER_HAND_EXTENT) * framing / hand_extent(hand)
    placement = place_hand(hand, size, palm_fraction, rng)
    return LetterGeometry(hand, placement, landmarks_of(hand, placement, size, size))


def render_letter_with_mask(label: str, signer: Signer, rng: np.random.Generator, size: int = 128
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(RGB uint8 (size, size, 3), landmarks (21, 3) float32, hand mask uint8 (size, size))."""
    geometry = sample_letter_geometry(label, signer, rng, size)
    image = BACKGROUNDS[signer.background](rng, size, size)
    mask = np.zeros((size, size), np.uint8)
    if geometry.hand is not None:
        draw_hand(Painter(image, mask), geometry.hand, geometry.placement, signer)
    return apply_camera(image, signer, rng, (0.85, 1.15)), geometry.landmarks, mask


def render_letter(label: str, signer: Signer, rng: np.random.Generator, size: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """One ASL-alphabet image: (RGB uint8 (size, size, 3), MediaPipe-style landmarks (21, 3) float32).

    Landmarks are NaN for "nothing" (no hand in the picture).
    """
    image, landmarks, _ = render_letter_with_mask(label, signer, rng, size)
    return image, landmarks


def letter_landmarks(label: str, signer: Signer, rng: np.random.Generator, size: int = 128) -> np.ndarray:
    """Only the landmarks render_letter would return for the same rng state (no drawing)."""
    return sample_letter_geometry(label, signer, rng, size).landmarks


def letter_template(label: str) -> np.ndarray:
    """The canonical (no signer style, no noise) 3-D joints of a letter shape, palm-length units."""
    return pose_hand(HANDSHAPES[label]).joints


def letter_landmark_set(seed: int = 0, per_class: int = 200, signers: int = 40, population: str = "default"):
    """Landmarks of `per_class` synthetic A-Z letters per class from `signers` people, without drawing a pixel.

    Cheap (no rendering), so the landmark model can see far more synthetic people than the image
    model's letters folder holds. Returns a signport.data.types.LandmarkSet; signer ids 'synth/dNN'.
    """
    from signport.core.labels import canonical_label
    from signport.data.synth.signers import signer_for_index
    from signport.data.types import LandmarkSet

    letters = [label for label in ASL_LETTERS if len(canonical_label(label)) == 1]
    people = [signer_for_index(seed, population, i) for i in range(signers)]
    landmarks, labels, signer_ids = [], [], []
    for class_index, label in enumerate(letters):
        for n in range(per_class):
            signer = people[n % signers]
            rng = np.random.default_rng([seed, 4, class_index, n])
            landmarks.append(letter_landmarks(label, signer, rng))
            labels.append(label)
            signer_ids.append(f"synth/{signer.signer_id}")
    return LandmarkSet(landmarks=np.stack(landmarks).astype(np.float32), labels=labels, classes=letters,
                       is_left_hand=np.zeros(len(labels), dtype=bool), signers=signer_ids)
