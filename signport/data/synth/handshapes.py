"""Hand shapes by name: the 28 ASL-alphabet hand classes plus the shapes word signs use.

Each shape is a pose vector (see hand.py) built from a few finger and thumb presets, so a
letter reads like its description in an ASL fingerspelling chart. Orientation is part of the
shape where the letter is told apart by it (G/H sideways, P/Q pointing down, J/Z mid-trace).
Thumb presets and letter orientations were then calibrated by eye against median poses of
real MediaPipe landmarks per letter (the shared asl_letters_mediapipe set), so the landmark
ground truth sits where MediaPipe's output does.
"""

from __future__ import annotations

import numpy as np

from signport.data.synth.hand import FINGER_SLOTS, ORIENTATION_SLOT, POSE_SIZE, THUMB_SLOT

# Finger presets: MCP, PIP, DIP flexion (degrees).
STRAIGHT = (0, 0, 0)
FIST = (88, 105, 55)  # curled into the palm
DRAPED = (62, 75, 20)  # folded over the thumb, tips pointing down (M, N)
HOOK = (0, 50, 40)  # X
CURVED = (28, 38, 22)  # C
ROUND = (45, 60, 32)  # O: tips meet the thumb
BENT_TIPS = (22, 105, 75)  # E: tips rest on the thumb
KNUCKLE_BENT = (85, 5, 5)  # flat fingers bent at the knuckles
PINCH = (38, 60, 35)  # F: index meets the thumb
CLAW = (30, 55, 35)  # bent "5"

# Thumb presets: abduction from the index, swing in front of the palm, MCP and IP flexion.
THUMB_SIDE = (16, 20, 0, 5)  # A: beside the index, pointing up
THUMB_ACROSS = (0, 25, 20, 20)  # B, U, V...: folded across the palm
THUMB_OUT = (45, 15, 5, 0)  # L, Y: out to the side
THUMB_OPEN = (55, 20, 5, 5)  # 5-hand
THUMB_FRONT = (10, 35, 30, 25)  # S: across the front of the fist
THUMB_UNDER = (5, 30, 35, 40)  # E: under the fingertips
THUMB_CURVED = (45, 45, 15, 15)  # C
THUMB_ROUND = (38, 65, 25, 30)  # O: meets the fingertips
THUMB_UP_BETWEEN = (15, 35, 0, 0)  # K, P: up between index and middle
THUMB_BETWEEN_T = (5, 27, 10, 5)  # T: tip between index and middle
THUMB_UNDER_M = (0, 27, 30, 15)  # M: tip out between ring and pinky
THUMB_UNDER_N = (5, 10, 20, 15)  # N: tip out between middle and ring
THUMB_PARALLEL = (40, 10, 0, 0)  # G, Q: parallel to the index
THUMB_TO_MIDDLE = (10, 30, 20, 25)  # D: meets the middle finger
THUMB_HOLDS_PINKY = (0, 36, 25, 20)  # W
THUMB_TO_INDEX = (35, 50, 20, 20)  # F: meets the index

HANDSHAPES: dict[str, np.ndarray] = {}


def register_shape(name: str, *, index=FIST, middle=FIST, ring=FIST, pinky=FIST, thumb=THUMB_ACROSS,
                   spread: tuple[float, float, float, float] = (0, 0, 0, 0),
                   orientation: tuple[float, float, float] = (0, 0, 0)) -> np.ndarray:
    """Add a shape to HANDSHAPES. `spread` is extra abduction per finger (+ toward the pinky),
    `orientation` (yaw, pitch, roll) turns the whole hand away from upright-palm-to-camera."""
    pose = np.zeros(POSE_SIZE)
    for (name_, flexion), abduction in zip(
        {"index": index, "middle": middle, "ring": ring, "pinky": pinky}.items(), spread
    ):
        pose[FINGER_SLOTS[name_]] = (*flexion, abduction)
    pose[THUMB_SLOT] = thumb
    pose[ORIENTATION_SLOT] = orientation
    HANDSHAPES[name] = pose
    return pose


# --- the ASL alphabet (viewer's side of a right hand) ---
register_shape("A", thumb=THUMB_SIDE, orientation=(0, -20, 0))
register_shape("B", index=STRAIGHT, middle=STRAIGHT, ring=STRAIGHT, pinky=STRAIGHT, thumb=THUMB_ACROSS, spread=(3, 0, -3, -6))
register_shape("C", index=CURVED, middle=CURVED, ring=CURVED, pinky=CURVED, thumb=THUMB_CURVED, orientation=(20, -3, -13))
register_shape("D", index=STRAIGHT, middle=ROUND, ring=ROUND, pinky=ROUND, thumb=THUMB_TO_MIDDLE, orientation=(39, -8, 0))
register_shape("E", index=BENT_TIPS, middle=BENT_TIPS, ring=BENT_TIPS, pinky=BENT_TIPS, thumb=THUMB_UNDER)
register_shape("F", index=PINCH, middle=STRAIGHT, ring=STRAIGHT, pinky=STRAIGHT, thumb=THUMB_TO_INDEX, spread=(0, -4, 4, 10))
register_shape("G", index=(38, 22, 7), thumb=THUMB_PARALLEL, orientation=(51, 41, 14))
register_shape("H", index=(33, 19, 5), middle=(46, 7, 0), thumb=THUMB_ACROSS, spread=(4, -2, 0, 0), orientation=(61, 49, -3))
register_shape("I", pinky=STRAIGHT, thumb=THUMB_FRONT, orientation=(8, -24, 8))
register_shape("J", pinky=(60, 2, 0), thumb=THUMB_FRONT, orientation=(27, 30, 28))
register_shape("K", index=STRAIGHT, middle=(45, 0, 0), thumb=THUMB_UP_BETWEEN, spread=(-8, 10, 0, 0), orientation=(-8, -31, 2))
register_shape("L", index=STRAIGHT, thumb=THUMB_OUT)
register_shape("M", index=DRAPED, middle=DRAPED, ring=DRAPED, thumb=THUMB_UNDER_M)
register_shape("N", index=DRAPED, middle=DRAPED, thumb=THUMB_UNDER_N)
register_shape("O", index=ROUND, middle=ROUND, ring=ROUND, pinky=ROUND, thumb=THUMB_ROUND, orientation=(31, -15, -5))
register_shape("P", index=STRAIGHT, middle=(45, 0, 0), thumb=THUMB_UP_BETWEEN, spread=(-8, 10, 0, 0), orientation=(-172, 65, 178))
register_shape("Q", index=(80, 3, 0), thumb=THUMB_PARALLEL, orientation=(14, 75, -17))
register_shape("R", index=STRAIGHT, middle=(12, 0, 0), thumb=THUMB_ACROSS, spread=(16, -20, 0, 0))  # middle crosses in front
register_shape("S", thumb=THUMB_FRONT, orientation=(0, -16, 0))
register_shape("T", index=(70, 95, 45), thumb=THUMB_BETWEEN_T, orientation=(0, -20, 0))
register_shape("U", index=STRAIGHT, middle=STRAIGHT, thumb=THUMB_ACROSS, spread=(4, -2, 0, 0))
register_shape("V", index=STRAIGHT, middle=STRAIGHT, thumb=THUMB_ACROSS, spread=(-12, 12, 0, 0))
register_shape("W", index=STRAIGHT, middle=STRAIGHT, ring=STRAIGHT, thumb=THUMB_HOLDS_PINKY, spread=(-12, 0, 10, 0))
register_shape("X", index=HOOK, thumb=THUMB_FRONT)
register_shape("Y", pinky=STRAIGHT, thumb=THUMB_OUT, spread=(0, 0, 0, 15))
register_shape("Z", index=(0, 0, 0), thumb=THUMB_TO_MIDDLE, orientation=(-7, 21, 16))
# Keyboard keys of the ASL Alphabet dataset, as their own shapes: a flat hand lying palm-down
# sideways for "space", a V pointing down for "del".
register_shape("space", index=STRAIGHT, middle=STRAIGHT, ring=STRAIGHT, pinky=STRAIGHT, thumb=THUMB_OUT, orientation=(75, 0, 90))
register_shape("del", index=STRAIGHT, middle=STRAIGHT, thumb=THUMB_ACROSS, spread=(-14, 14, 0, 0), orientation=(0, 20, 180))

# --- extra shapes for word signs ---
register_shape("5", index=STRAIGHT, middle=STRAIGHT, ring=STRAIGHT, pinky=STRAIGHT, thumb=THUMB_OPEN, spread=(-12, -2, 8, 16))
register_shape("claw", index=CLAW, middle=CLAW, ring=CLAW, pinky=CLAW, thumb=THUMB_CURVED, spread=(-10, -2, 6, 12))
register_shape("flat_O", index=KNUCKLE_BENT, middle=KNUCKLE_BENT, ring=KNUCKLE_BENT, pinky=KNUCKLE_BENT, thumb=THUMB_ROUND)
register_shape("bent_B", index=KNUCKLE_BENT, middle=KNUCKLE_BENT, ring=KNUCKLE_BENT, pinky=KNUCKLE_BENT, thumb=THUMB_ACROSS)
