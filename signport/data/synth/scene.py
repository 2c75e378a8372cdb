"""Pixels: backgrounds, the hand drawn as shaded capsules over a palm polygon, a simple body,
and the camera (white balance, light fall-off, blur, noise).

Everything draws with OpenCV primitives at the output resolution (anti-aliased, sub-pixel
coordinates), far parts first, so a frame costs a few milliseconds on one core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from signport.data.synth.hand import BONES, FINGERS, THUMB, WRIST, PosedHand
from signport.data.synth.signers import Signer

_SHIFT = 4  # OpenCV sub-pixel bits
_ONE = 1 << _SHIFT
PERSPECTIVE_DISTANCE = 6.0  # camera distance in palm lengths: mild foreshortening
# MediaPipe's z is compressed relative to true depth in x units: on real landmark sets its spread
# is ~0.25-0.4x what the hand's geometry gives, so ground truth is scaled to read like its output.
MEDIAPIPE_Z_SCALE = 0.35


def _fixed(points: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(points) * _ONE).astype(np.int32)


class Painter:
    """Draws into an RGB image and, when asked, the same shapes into a hand mask."""

    def __init__(self, image: np.ndarray, mask: np.ndarray | None = None):
        self.image, self.mask = image, mask

    def polygon(self, points: np.ndarray, colour) -> None:
        pts = [_fixed(points).reshape(-1, 1, 2)]
        cv2.fillPoly(self.image, pts, colour, cv2.LINE_AA, _SHIFT)
        if self.mask is not None:
            cv2.fillPoly(self.mask, pts, 255, cv2.LINE_8, _SHIFT)

    def rim(self, points: np.ndarray, thickness: float, colour) -> None:
        """A closed polyline of `thickness` pixels: rounds and pads a polygon's corners."""
        pts, t = [_fixed(points).reshape(-1, 1, 2)], max(1, int(round(thickness)))
        cv2.polylines(self.image, pts, True, colour, t, cv2.LINE_AA, _SHIFT)
        if self.mask is not None:
            cv2.polylines(self.mask, pts, True, 255, t, cv2.LINE_8, _SHIFT)

    def disc(self, centre: np.ndarray, radius: float, colour) -> None:
        c, r = tuple(_fixed(centre).tolist()), int(round(max(radius, 0.5) * _ONE))
        cv2.circle(self.image, c, r, colour, -1, cv2.LINE_AA, _SHIFT)
        if self.mask is not None:
            cv2.circle(self.mask, c, r, 255, -1, cv2.LINE_8, _SHIFT)

    def capsule(self, a: np.ndarray, b: np.ndarray, ra: float, rb: float, colour) -> None:
        """A tapered capsule: discs at both ends joined by their outer tangents (approximately)."""
        d = b - a
        length = float(np.hypot(*d))
        if length > 1e-3:
            perp = np.array([-d[1], d[0]]) / length
            self.polygon(np.array([a + ra * perp, b + rb * perp, b - rb * perp, a - ra * perp]), colour)
        self.disc(a, ra, colour)
        self.disc(b, rb, colour)


def _colour(rgb, intensity: float) -> tuple[float, float, float]:
    return tuple(float(min(255.0, c * intensity)) for c in rgb)


def _lit(normal: np.ndarray, signer: Signer) -> float:
    """Lambert shading of a surface whose normal is blended toward the camera (we see round parts)."""
    towards_camera = np.array([0.0, 0.0, -1.0])
    visible = normal if normal[2] <= 0 else -normal
    blended = visible + 0.6 * towards_camera
    blended /= np.linalg.norm(blended)
    diffuse = max(0.0, float(-blended @ np.asarray(signer.light_direction)))
    return signer.ambient + (1.0 - signer.ambient) * diffuse


@dataclass
class HandPlacement:
    """Where the hand lands in the image: pixels per palm length and the wrist's pixel position."""

    scale: float
    wrist_px: np.ndarray  # (2,)


def project(points: np.ndarray, placement: HandPlacement) -> np.ndarray:
    """Camera-oriented palm-length points (wrist at the origin) -> pixel (x, y), with mild perspective."""
    depth_factor = PERSPECTIVE_DISTANCE / (PERSPECTIVE_DISTANCE + points[:, 2])
    return placement.wrist_px + placement.scale * points[:, :2] * depth_factor[:, None]


def landmarks_of(hand: PosedHand, placement: HandPlacement, width: int, height: int) -> np.ndarray:
    """MediaPipe-style landmarks: x, y normalized by image width/height, z = depth relative to the
    wrist in x's units times MEDIAPIPE_Z_SCALE (smaller = closer to the camera)."""
    px = project(hand.joints, placement)
    z = MEDIAPIPE_Z_SCALE * placement.scale * (hand.joints[:, 2] - hand.joints[WRIST, 2]) / width
    return np.column_stack([px[:, 0] / width, px[:, 1] / height, z]).astype(np.float32)


def hand_extent(hand: PosedHand) -> float:
    """The longer side of the hand's 2-D box (joints plus their capsule radii) in palm-length units."""
    pad = 2.0 * hand.radii.max()
    return float((hand.joints[:, :2].max(axis=0) - hand.joints[:, :2].min(axis=0)).max() + pad)


def place_hand(hand: PosedHand, size: int, palm_fraction: float, rng: np.random.Generator) -> HandPlacement:
    """Scale the hand to `palm_fraction` of the image and put it anywhere it fits (centred if it can't)."""
    scale = palm_fraction * size
    reach = hand.joints[:, :2] * scale
    pad = hand.radii.max() * scale + 2
    low, high = reach.min(axis=0) - pad, reach.max(axis=0) + pad
    wrist = np.empty(2)
    for axis in range(2):
        lo, hi = -low[axis], size - high[axis]
        wrist[axis] = rng.uniform(lo, hi) if hi > lo else (lo + hi) / 2
    return HandPlacement(scale=scale, wrist_px=wrist)


def draw_hand(painter: Painter, hand: PosedHand, placement: HandPlacement, signer: Signer,
              forearm_length: float = 3.0) -> None:
    """Palm, finger bones and forearm, sorted far-to-near (painter's algorithm), each with a
    darker rim so overlapping fingers stay visible."""
    joints = hand.joints
    lateral = joints[FINGERS["pinky"][0]] - joints[FINGERS["index"][0]]
    lateral /= max(np.linalg.norm(lateral), 1e-6)
    wrist = joints[WRIST]
    half_wrist = 0.3 * lateral
    parts: list[tuple[float, Callable[[], None]]] = []
    edge = max(0.6, placement.scale * 0.018)

    def add_capsule(a3, b3, ra, rb, rgb, normal):
        a, b = project(np.array([a3, b3]), placement)
        ra_px, rb_px = ra * placement.scale, rb * placement.scale
        shade = _lit(normal, signer)
        fill, rim = _colour(rgb, shade), _colour(rgb, shade * 0.62)

        def draw():
            painter.capsule(a, b, ra_px + edge, rb_px + edge, rim)
            painter.capsule(a, b, ra_px, rb_px, fill)
            if ra_px > 2.5:  # a highlight stripe on the lit side gives the bone some volume
                towards_light = -np.asarray(signer.light_direction[:2]) * 0.4 * (ra_px + rb_px) / 2
                painter.capsule(a + towards_light, b + towards_light, ra_px * 0.35, rb_px * 0.35,
                                _colour(rgb, min(shade * 1.15, 1.3)))
        parts.append((float((a3[2] + b3[2]) / 2), draw))

    if forearm_length > 0:  # skin up to the cuff, then the sleeve
        axis = hand.forearm_axis
        cuff = min(1.0, forearm_length)
        add_capsule(wrist, wrist + cuff * axis, 0.3, 0.34, signer.skin_rgb, _side_normal(axis))
        add_capsule(wrist + cuff * axis, wrist + forearm_length * axis, 0.42, 0.48, signer.sleeve_rgb, _side_normal(axis))

    palm_ids = [THUMB[0], *(ids[0] for ids in FINGERS.values())]
    palm3 = np.vstack([wrist - half_wrist, joints[palm_ids], wrist + half_wrist])
    palm_facing = hand.palm_normal[2] < 0
    palm_rgb = signer.palm_rgb if palm_facing else signer.skin_rgb
    palm_shade = _lit(hand.palm_normal, signer)

    pad = 0.09 * placement.scale  # the palm's flesh reaches past the joint centres

    def draw_palm():
        outline = project(palm3, placement)
        fill = _colour(palm_rgb, palm_shade)
        painter.rim(outline, 2 * (pad + edge), _colour(palm_rgb, palm_shade * 0.62))
        painter.polygon(outline, fill)
        painter.rim(outline, 2 * pad, fill)
    parts.append((float(palm3[:, 2].mean()) + 0.02, draw_palm))

    for (a, b), normal in zip(BONES, hand.bone_normals):
        rgb = signer.palm_rgb if normal[2] < 0 else signer.skin_rgb
        add_capsule(joints[a], joints[b], hand.radii[a], hand.radii[b], rgb, normal)

    for _, draw in sorted(parts, key=lambda part: -part[0]):
        draw()


def _side_normal(axis: np.ndarray) -> np.ndarray:
    """A normal for a cylinder along `axis` seen from the camera."""
    towards_camera = np.array([0.0, 0.0, -1.0])
    n = towards_camera - axis * (towards_camera @ axis)
    norm = np.linalg.norm(n)
    return n / norm if norm > 1e-6 else towards_camera


# --- backgrounds -----------------------------------------------------------------------------

BackgroundPainter = Callable[[np.random.Generator, int, int], np.ndarray]


def _gradient(rng: np.random.Generator, height: int, width: int, c0: np.ndarray, c1: np.ndarray) -> np.ndarray:
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    t = (np.cos(angle) * xx / width + np.sin(angle) * yy / height)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    return (c0[None, None] * (1 - t[..., None]) + c1[None, None] * t[..., None]).astype(np.float32)


def _muted(rng: np.random.Generator) -> np.ndarray:
    grey = rng.uniform(60, 220)
    return np.clip(grey + rng.normal(0, 18, 3), 0, 255)


def indoor_background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A wall or desk: a muted gradient with a few soft-edged pieces of furniture and frames."""
    image = _gradient(rng, height, width, _muted(rng), _muted(rng))
    for _ in range(rng.integers(2, 7)):
        colour = tuple(float(c) for c in _muted(rng))
        x0, y0 = rng.uniform(-0.2, 1.0, 2) * (width, height)
        w, h = rng.uniform(0.1, 0.6, 2) * (width, height)
        if rng.random() < 0.7:
            cv2.rectangle(image, (int(x0), int(y0)), (int(x0 + w), int(y0 + h)), colour, -1)
        else:
            cv2.ellipse(image, (int(x0), int(y0)), (int(w / 2), int(h / 2)), float(rng.uniform(0, 180)), 0, 360, colour, -1)
    for _ in range(rng.integers(0, 3)):
        p0, p1 = (rng.uniform(0, 1, 2) * (width, height)).astype(int), (rng.uniform(0, 1, 2) * (width, height)).astype(int)
        cv2.line(image, tuple(p0.tolist()), tuple(p1.tolist()), tuple(float(c) for c in _muted(rng) * 0.7), int(rng.integers(1, 3)))
    return np.clip(cv2.GaussianBlur(image, (0, 0), 1.2), 0, 255).astype(np.uint8)


def textured_background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A busy room: coloured stripes or checkers (curtains, tiles, shelves) with bright clutter."""
    def saturated():
        return np.array(cv2.cvtColor(np.uint8([[[rng.integers(0, 180), rng.integers(80, 200), rng.integers(90, 240)]]]),
                                     cv2.COLOR_HSV2RGB)[0, 0], dtype=np.float32)

    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    period = rng.uniform(0.05, 0.2) * width
    u = (np.cos(angle) * xx + np.sin(angle) * yy) / period
    if rng.random() < 0.5:
        pattern = (np.sin(2 * np.pi * u) > 0).astype(np.float32)
    else:
        v = (-np.sin(angle) * xx + np.cos(angle) * yy) / period
        pattern = ((np.floor(u) + np.floor(v)) % 2).astype(np.float32)
    c0 = saturated()
    c1 = 0.75 * c0 + 0.25 * saturated()  # patterned, but not a high-contrast test chart
    image = c0[None, None] * (1 - pattern[..., None]) + c1[None, None] * pattern[..., None]
    for _ in range(rng.integers(2, 7)):
        centre = tuple((rng.uniform(0, 1, 2) * (width, height)).astype(int).tolist())
        radius = int(rng.uniform(0.02, 0.12) * width)
        cv2.circle(image, centre, max(radius, 1), tuple(float(c) for c in saturated()), -1)
    return np.clip(image, 0, 255).astype(np.uint8)


BACKGROUNDS: dict[str, BackgroundPainter] = {
    "indoor": indoor_background,
    "textured": textured_background,
}


# --- body (for word-sign clips) ----------------------------------------------------------------

@dataclass
class Body:
    """A signer's upper body in pixels: head centre/axes, shoulders, and landmarks the signs refer to."""

    head: np.ndarray
    head_axes: np.ndarray
    shoulders: np.ndarray  # (2, 2): the signer's right (image left), then left
    shirt_rgb: tuple[float, float, float]
    hair_rgb: tuple[float, float, float]

    def location(self, name: str) -> np.ndarray:
        """Named places signs start at, in pixels."""
        hx, hy = self.head
        ax, ay = self.head_axes
        chest = self.shoulders.mean(axis=0) + np.array([0.0, 0.9 * ay])
        places = {
            "forehead": (hx, hy - 0.55 * ay),
            "eyes": (hx, hy - 0.15 * ay),
            "mouth": (hx, hy + 0.5 * ay),
            "chin": (hx, hy + 0.85 * ay),
            "temple": (hx - 0.9 * ax, hy - 0.35 * ay),
            "cheek": (hx - 0.7 * ax, hy + 0.3 * ay),
            "chest": tuple(chest),
            "shoulder": tuple(self.shoulders[0] + np.array([0.3 * ax, 0.3 * ay])),
            "neutral": tuple(chest + np.array([-0.6 * ax, -0.2 * ay])),
            "side": tuple(chest + np.array([-1.8 * ax, -0.1 * ay])),
        }
        return np.array(places[name], dtype=np.float64)


def sample_body(rng: np.random.Generator, width: int, height: int) -> Body:
    head = np.array([rng.uniform(0.45, 0.55) * width, rng.uniform(0.25, 0.32) * height])
    axes = np.array([0.11, 0.14]) * width * rng.uniform(0.9, 1.1)
    shoulders = np.array([[head[0] - 2.6 * axes[0], head[1] + 2.2 * axes[1]], [head[0] + 2.6 * axes[0], head[1] + 2.2 * axes[1]]])
    return Body(head=head, head_axes=axes, shoulders=shoulders,
                shirt_rgb=tuple(float(c) for c in rng.uniform(20, 220, 3)),
                hair_rgb=tuple(float(c) for c in rng.uniform(10, 90) * np.array([1.0, 0.8, 0.6])))


def draw_body(image: np.ndarray, body: Body, signer: Signer) -> None:
    """Torso, neck and a face silhouette with hair, eyes and mouth marks."""
    ax, ay = body.head_axes
    (lx, ly), (rx, ry) = body.shoulders
    h, w = image.shape[:2]
    # Sloped shoulders: neck base, shoulder top, rounded outer edge, down to the frame.
    neck_y = body.head[1] + 1.6 * ay
    torso = np.array([[lx - 0.5 * ax, h + 5], [lx - 0.6 * ax, ly + 0.6 * ay], [lx - 0.2 * ax, ly - 0.1 * ay],
                      [body.head[0] - 0.6 * ax, neck_y], [body.head[0] + 0.6 * ax, neck_y],
                      [rx + 0.2 * ax, ry - 0.1 * ay], [rx + 0.6 * ax, ry + 0.6 * ay], [rx + 0.5 * ax, h + 5]])
    Painter(image).polygon(torso, body.shirt_rgb)
    neck = np.array([body.head + [-0.45 * ax, 0.5 * ay], body.head + [0.45 * ax, 0.5 * ay],
                     body.head + [0.5 * ax, 1.5 * ay], body.head + [-0.5 * ax, 1.5 * ay]])
    Painter(image).polygon(neck, _colour(signer.skin_rgb, 0.8))
    centre = tuple(_fixed(body.head).tolist())
    cv2.ellipse(image, tuple(_fixed(body.head - [0, 0.15 * ay]).tolist()), tuple(_fixed([ax * 1.08, ay * 0.95]).tolist()),
                0, 0, 360, body.hair_rgb, -1, cv2.LINE_AA, _SHIFT)
    cv2.ellipse(image, centre, tuple(_fixed([ax, ay]).tolist()), 0, 0, 360, _colour(signer.skin_rgb, 0.95), -1, cv2.LINE_AA, _SHIFT)
    for side in (-1, 1):
        Painter(image).disc(body.head + [side * 0.38 * ax, -0.1 * ay], max(0.8, 0.09 * ax), (30, 25, 25))
    cv2.line(image, tuple(_fixed(body.head + [-0.3 * ax, 0.5 * ay]).tolist()), tuple(_fixed(body.head + [0.3 * ax, 0.5 * ay]).tolist()),
             _colour(signer.skin_rgb, 0.55), 1, cv2.LINE_AA, _SHIFT)


def draw_arm(painter: Painter, body: Body, wrist_px: np.ndarray, signer: Signer, scale: float) -> None:
    """Upper arm and forearm from the signer's right shoulder to the wrist, through a plausible elbow."""
    shoulder = body.shoulders[0]
    elbow = np.array([shoulder[0] - 0.4 * body.head_axes[0], max(shoulder[1], wrist_px[1]) + 2.2 * body.head_axes[1]])
    width = 0.45 * scale
    painter.capsule(shoulder, elbow, width * 1.1, width, _colour(signer.sleeve_rgb, 0.9))
    painter.capsule(elbow, wrist_px, width, width * 0.75, signer.sleeve_rgb)


# --- camera ------------------------------------------------------------------------------------

def apply_camera(image: np.ndarray, signer: Signer, rng: np.random.Generator, gain_range: tuple[float, float]) -> np.ndarray:
    """uint8 RGB scene -> uint8 photo: white balance from the light's colour, exposure, a light
    fall-off across the frame from the light's side, lens blur and sensor noise."""
    h, w = image.shape[:2]
    light = np.asarray(signer.light_rgb, dtype=np.float32) * np.float32(rng.uniform(*gain_range))
    falloff_strength = (1.0 - signer.ambient) * 0.8
    xs = np.linspace(-0.5, 0.5, w, dtype=np.float32)
    falloff = 1.0 - falloff_strength * xs * np.float32(signer.light_direction[0])
    out = image.astype(np.float32) * light[None, None, :] * falloff[None, :, None]
    if signer.blur_sigma > 0:
        out = cv2.GaussianBlur(out, (0, 0), signer.blur_sigma)
    if signer.noise_sigma > 0:
        out = out + rng.normal(0, signer.noise_sigma, out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)
