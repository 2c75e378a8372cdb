"""Pure geometry from landmarks to model input: the hand box, the crop, and the landmark mask.

These are the three input styles of the research besides the raw landmark vector: a square
crop of the frame around the hand, or the hand's skeleton drawn on black at the same framing.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# MediaPipe's 21-point hand topology (mediapipe HandLandmarksConnections.HAND_CONNECTIONS).
HAND_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (0, 5), (9, 13), (13, 17), (5, 9), (0, 17),  # palm
    (1, 2), (2, 3), (3, 4),  # thumb
    (5, 6), (6, 7), (7, 8),  # index
    (9, 10), (10, 11), (11, 12),  # middle
    (13, 14), (14, 15), (15, 16),  # ring
    (17, 18), (18, 19), (19, 20),  # pinky
)


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in pixels, x0/y0 inclusive, x1/y1 exclusive; may reach outside the image."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def contains(self, points_xy: np.ndarray) -> np.ndarray:
        """(N,) bool: which (N, 2) pixel points lie inside."""
        x, y = points_xy[:, 0], points_xy[:, 1]
        return (x >= self.x0) & (x < self.x1) & (y >= self.y0) & (y < self.y1)

    def to_list(self) -> list[int]:
        return [self.x0, self.y0, self.x1, self.y1]


def hand_box(points_xy: np.ndarray, margin: float = 0.25, min_size: int = 16) -> Box:
    """The square box centred on the hand's extent, grown by `margin` of its longer side on each side.

    Square so the crop is not distorted when resized to the model's square input.
    """
    lo, hi = points_xy.min(axis=0), points_xy.max(axis=0)
    centre = (lo + hi) / 2.0
    side = max(float((hi - lo).max()) * (1.0 + 2.0 * margin), float(min_size))
    x0, y0 = np.floor(centre - side / 2.0).astype(int)
    size = int(np.ceil(side))
    return Box(int(x0), int(y0), int(x0) + size, int(y0) + size)


def crop_square(rgb: np.ndarray, box: Box, size: int) -> np.ndarray:
    """The box's pixels resized to (size, size, 3); parts of the box outside the frame are black."""
    h, w = rgb.shape[:2]
    canvas = np.zeros((box.height, box.width, 3), np.uint8)
    sx0, sy0, sx1, sy1 = max(box.x0, 0), max(box.y0, 0), min(box.x1, w), min(box.y1, h)
    if sx1 > sx0 and sy1 > sy0:
        canvas[sy0 - box.y0 : sy1 - box.y0, sx0 - box.x0 : sx1 - box.x0] = rgb[sy0:sy1, sx0:sx1]
    interpolation = cv2.INTER_AREA if box.width > size else cv2.INTER_LINEAR
    return cv2.resize(canvas, (size, size), interpolation=interpolation)


def landmark_mask(points_xy: np.ndarray, box: Box, size: int) -> np.ndarray:
    """The hand skeleton drawn white on black, framed by `box`, as a (size, size, 3) uint8 image.

    Bones are lines and joints filled circles, thickness relative to `size`, so the mask looks
    the same at every input resolution.
    """
    scale = size / float(box.width)
    local = (points_xy - np.array([box.x0, box.y0], np.float32)) * scale
    # Draw with 4 bits of sub-pixel precision so small masks stay faithful to the landmarks.
    shift = 4
    fixed = np.round(local * (1 << shift)).astype(np.int32)
    mask = np.zeros((size, size, 3), np.uint8)
    thickness = max(1, round(size / 56))
    for a, b in HAND_CONNECTIONS:
        cv2.line(mask, tuple(map(int, fixed[a])), tuple(map(int, fixed[b])), (255, 255, 255), thickness, cv2.LINE_AA, shift)
    for point in fixed:
        cv2.circle(mask, tuple(map(int, point)), (thickness + 1) << shift, (255, 255, 255), -1, cv2.LINE_AA, shift)
    return mask
