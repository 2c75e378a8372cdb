"""Drawing one frame's result onto the frame: landmarks, crop box, prediction, transcript, fps."""

from __future__ import annotations

import cv2
import numpy as np

from signport.hands.crop import HAND_CONNECTIONS

BONE_BGR = (255, 255, 255)
JOINT_BGR = (0, 0, 255)
BOX_BGR = (0, 255, 0)
TEXT_BGR = (255, 255, 255)
SHADE_ALPHA = 0.55
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _shade(image: np.ndarray, y0: int, y1: int) -> None:
    """Darken a full-width band so text on it is readable on any background."""
    band = image[max(y0, 0) : max(y1, 0)]
    band[:] = (band * (1.0 - SHADE_ALPHA)).astype(np.uint8)


def annotate_frame(bgr: np.ndarray, result, fps: float | None) -> np.ndarray:
    """A copy of the frame with the recognizer's state drawn on it (`result` is a FrameResult)."""
    image = bgr.copy()
    h, w = image.shape[:2]
    scale = max(h, w) / 640.0
    thickness = max(1, round(2 * scale))
    if result.hand is not None:
        points = np.round(result.hand.pixel_points((h, w))).astype(np.int32)
        # Drawn to the hand's scale, so a small hand stays visible under its skeleton.
        extent = float(np.ptp(points, axis=0).max())
        bone, joint = max(1, round(extent / 80)), max(2, round(extent / 45))
        for a, b in HAND_CONNECTIONS:
            cv2.line(image, tuple(map(int, points[a])), tuple(map(int, points[b])), BONE_BGR, bone, cv2.LINE_AA)
        for point in points:
            cv2.circle(image, tuple(map(int, point)), joint, JOINT_BGR, -1, cv2.LINE_AA)
    if result.box is not None:
        box = result.box
        cv2.rectangle(image, (box.x0, box.y0), (box.x1 - 1, box.y1 - 1), BOX_BGR, thickness)

    line = round(28 * scale)
    font_scale = 0.7 * scale
    _shade(image, 0, line + round(10 * scale))
    smoothed = result.smoothed
    if result.hand is None:
        status = "no hand"
    else:
        status = f"{smoothed.label} {smoothed.confidence:.2f}" if smoothed.label else "?"
    if result.vote is not None:
        status += f"  (frame: {result.vote.label} {result.vote.confidence:.2f})"
    cv2.putText(image, status, (round(8 * scale), line), FONT, font_scale, TEXT_BGR, thickness, cv2.LINE_AA)
    if fps is not None:
        label = f"{fps:.0f} fps"
        (text_w, _), _ = cv2.getTextSize(label, FONT, font_scale, thickness)
        cv2.putText(image, label, (w - text_w - round(8 * scale), line), FONT, font_scale, TEXT_BGR, thickness, cv2.LINE_AA)

    _shade(image, h - line - round(14 * scale), h)
    text = result.text[-max(8, int(w / (14 * scale))):]  # the tail that fits on one line
    cv2.putText(image, text + "_", (round(8 * scale), h - round(10 * scale)), FONT, font_scale, TEXT_BGR, thickness, cv2.LINE_AA)
    return image
