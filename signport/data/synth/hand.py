"""A 3-D hand skeleton in MediaPipe's 21-landmark topology, posed from joint angles.

A pose is one flat vector of angles in degrees (POSE_SIZE values, layout below) so shapes,
signer styles and jitter add up and interpolate as plain arrays. Forward kinematics works in
units of the palm length (wrist to middle-finger MCP) and returns camera-oriented points:
x right, y down (image axes), z away from the camera, wrist at the origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NUM_JOINTS = 21
WRIST = 0
THUMB = (1, 2, 3, 4)  # CMC, MCP, IP, tip
FINGERS = {"index": (5, 6, 7, 8), "middle": (9, 10, 11, 12), "ring": (13, 14, 15, 16), "pinky": (17, 18, 19, 20)}
FINGERTIPS = (4, 8, 12, 16, 20)
# Bones drawn as capsules (the palm is a polygon over wrist and MCPs).
BONES = ((1, 2), (2, 3), (3, 4)) + tuple((j, j + 1) for base in (5, 9, 13, 17) for j in range(base, base + 3))

# Pose vector layout: per finger (index, middle, ring, pinky) MCP/PIP/DIP flexion and abduction,
# thumb (abduction from the index side, palmar swing across the palm, MCP and IP flexion),
# then the whole hand's orientation (yaw about the finger axis, pitch about the knuckle line,
# roll in the image plane), all in degrees.
FINGER_SLOTS = {name: slice(4 * i, 4 * i + 4) for i, name in enumerate(FINGERS)}
THUMB_SLOT = slice(16, 20)
ORIENTATION_SLOT = slice(20, 23)
POSE_SIZE = 23

# Rest geometry in palm-length units, from typical adult hand proportions: MCP positions in the
# palm plane (lateral toward the pinky, along the fingers) and bone lengths per digit.
# MCP spacing follows where MediaPipe puts the knuckle landmarks (joint centres, narrower than the
# palm's skin outline).
_MCP_PALM = {"index": (-0.20, 0.96), "middle": (-0.06, 1.0), "ring": (0.07, 0.95), "pinky": (0.18, 0.86)}
_THUMB_CMC_PALM = (-0.26, 0.22)
_BONE_LENGTHS = {
    "thumb": (0.40, 0.31, 0.26),
    "index": (0.46, 0.27, 0.21),
    "middle": (0.51, 0.31, 0.23),
    "ring": (0.48, 0.29, 0.22),
    "pinky": (0.38, 0.22, 0.20),
}
_REST_SPLAY = {"index": -5.0, "middle": 0.0, "ring": 5.0, "pinky": 11.0}
# Capsule radii (palm-length units) at each joint, thumb and fingers taper toward the tip.
_JOINT_RADIUS = np.array(
    [0.0, 0.13, 0.11, 0.10, 0.09]
    + [0.095, 0.085, 0.078, 0.07]
    + [0.10, 0.09, 0.082, 0.073]
    + [0.094, 0.085, 0.077, 0.069]
    + [0.082, 0.073, 0.066, 0.06]
)
DIGITS = ("thumb", "index", "middle", "ring", "pinky")


@dataclass(frozen=True)
class HandGeometry:
    """A signer's hand: length multipliers per digit (thumb..pinky), palm width and finger thickness."""

    digit_lengths: tuple[float, float, float, float, float] = (1.0, 1.0, 1.0, 1.0, 1.0)
    palm_width: float = 1.0
    thickness: float = 1.0


@dataclass
class PosedHand:
    """Joints in camera-oriented palm-length units plus what the renderer needs to shade them."""

    joints: np.ndarray  # (21, 3)
    radii: np.ndarray  # (21,) capsule radius per joint
    palm_normal: np.ndarray  # (3,) unit, pointing out of the palm
    bone_normals: np.ndarray  # (len(BONES), 3) unit, pointing out of each bone's palmar side
    forearm_axis: np.ndarray  # (3,) unit, from the wrist toward the elbow


def rotation_matrix(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Camera-frame rotation: yaw about the image y axis (the finger axis at rest), then pitch about
    the image x axis (the knuckle line at rest), then roll in the image plane. Degrees."""
    y, p, r = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ rx @ ry


def pose_hand(pose: np.ndarray, geometry: HandGeometry = HandGeometry(), left_hand: bool = False) -> PosedHand:
    """Forward kinematics: pose vector -> 21 joints (wrist at the origin, camera-oriented).

    At zero angles a right hand stands upright with the palm facing the camera and the thumb on
    the image's left, the way the ASL Alphabet photos and MediaPipe's output show it.
    """
    pose = np.asarray(pose, dtype=np.float64)
    # Hand-local basis at rest, in camera coordinates: up the fingers, toward the pinky, out of the palm.
    up, lateral, palmar = np.array([0.0, -1.0, 0.0]), np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, -1.0])
    joints = np.zeros((NUM_JOINTS, 3))
    bone_normals = {}

    def palm_point(lat: float, along: float) -> np.ndarray:
        return lat * geometry.palm_width * lateral + along * up

    for digit_index, (name, ids) in enumerate(FINGERS.items(), start=1):
        mcp, pip, dip, abduction = pose[FINGER_SLOTS[name]]
        lengths = np.array(_BONE_LENGTHS[name]) * geometry.digit_lengths[digit_index]
        splay = np.radians(_REST_SPLAY[name] + abduction)
        base = np.cos(splay) * up + np.sin(splay) * lateral
        joints[ids[0]] = palm_point(*_MCP_PALM[name])
        bent = 0.0
        for k, flexion in enumerate((mcp, pip, dip)):
            bent += np.radians(flexion)
            joints[ids[k + 1]] = joints[ids[k]] + lengths[k] * (np.cos(bent) * base + np.sin(bent) * palmar)
            bone_normals[(ids[k], ids[k + 1])] = -np.sin(bent) * base + np.cos(bent) * palmar

    abduction, swing, mcp, ip = np.radians(pose[THUMB_SLOT])
    lengths = np.array(_BONE_LENGTHS["thumb"]) * geometry.digit_lengths[0]
    joints[THUMB[0]] = palm_point(*_THUMB_CMC_PALM)
    # The thumb leaves the palm toward the index side, swings in front of the palm (opposition)
    # and curls toward the pinky side of the palm.
    direction = np.cos(abduction) * up - np.sin(abduction) * lateral
    direction = np.cos(swing) * direction + np.sin(swing) * palmar
    curl_toward = lateral + 0.5 * palmar
    curl_toward = curl_toward - direction * (curl_toward @ direction)
    curl_toward /= np.linalg.norm(curl_toward)
    bent = 0.0
    for k, flexion in enumerate((0.0, mcp, ip)):
        bent += flexion
        joints[THUMB[k + 1]] = joints[THUMB[k]] + lengths[k] * (np.cos(bent) * direction + np.sin(bent) * curl_toward)
        normal = -np.sin(bent) * direction + np.cos(bent) * curl_toward
        bone_normals[(THUMB[k], THUMB[k + 1])] = normal

    rotation = rotation_matrix(*pose[ORIENTATION_SLOT])
    mirror = np.diag([-1.0, 1.0, 1.0]) if left_hand else np.eye(3)
    transform = rotation @ mirror
    normals = np.array([bone_normals[b] for b in BONES]) @ transform.T
    return PosedHand(
        joints=joints @ transform.T,
        radii=_JOINT_RADIUS * geometry.thickness,
        palm_normal=transform @ palmar,
        bone_normals=normals,
        forearm_axis=transform @ -up,
    )


def normalized_landmarks(landmarks: np.ndarray) -> np.ndarray:
    """(..., 21, 3) -> wrist at the origin, wrist-to-middle-MCP length 1 in x/y (the landmark model's view)."""
    centred = landmarks - landmarks[..., WRIST : WRIST + 1, :]
    scale = np.linalg.norm(centred[..., 9, :2], axis=-1)[..., None, None]
    return centred / np.maximum(scale, 1e-6)
