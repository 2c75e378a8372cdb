"""A user's personalisation recordings: one signer holding each letter for a few seconds in
front of a phone, with the hand drifting, turning and fidgeting continuously the way a held
sign does (smooth, not frame-independent noise)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from signport.core.labels import NOTHING
from signport.data.synth.hand import NUM_JOINTS, ORIENTATION_SLOT, POSE_SIZE, pose_hand
from signport.data.synth.letters import shape_pose
from signport.data.synth.scene import BACKGROUNDS, HandPlacement, Painter, apply_camera, draw_hand, landmarks_of, place_hand
from signport.data.synth.signers import Signer


def _smooth_wobble(rng: np.random.Generator, times: np.ndarray, dims: int, low_hz: float = 0.1, high_hz: float = 1.2) -> np.ndarray:
    """(len(times), dims) smooth random motion in [-1, 1]: three sinusoids per dimension."""
    freqs = rng.uniform(low_hz, high_hz, (3, dims))
    phases = rng.uniform(0, 2 * np.pi, (3, dims))
    weights = rng.dirichlet(np.ones(3), dims).T
    return np.sum(weights[:, None, :] * np.sin(2 * np.pi * freqs[:, None, :] * times[None, :, None] + phases[:, None, :]), axis=0)


def session_background(signer: Signer, rng: np.random.Generator, size: int) -> np.ndarray:
    """The room one recording session happens in: shared by every letter, so a model cannot
    tell letters apart by their background."""
    return BACKGROUNDS[signer.background](rng, size, size)


def iter_recording_frames(label: str, signer: Signer, rng: np.random.Generator, seconds: float = 10.0,
                          fps: int = 30, size: int = 128, background: np.ndarray | None = None
                          ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (RGB uint8 (size, size, 3), landmarks (21, 3) float32) per frame of one held letter.

    Pass the session's `background` (session_background) to record several letters in one room.
    """
    frames = max(1, int(round(seconds * fps)))
    times = np.arange(frames) / fps
    if background is None:
        background = session_background(signer, rng, size)
    gain = rng.uniform(0.85, 1.15)
    exposure = 1.0 + 0.05 * _smooth_wobble(rng, times, 1)[:, 0]  # auto-exposure breathing
    if label == NOTHING:
        for f in range(frames):
            yield apply_camera(background, signer, rng, (gain * exposure[f],) * 2), np.full((NUM_JOINTS, 3), np.nan, np.float32)
        return
    base_pose = shape_pose(label, signer, rng, noise_scale=0.5)
    pose_wobble = _smooth_wobble(rng, times, POSE_SIZE, 0.2, 1.5)
    wobble_degrees = np.full(POSE_SIZE, 4.0)
    wobble_degrees[ORIENTATION_SLOT] = (10.0, 8.0, 6.0)
    drift = _smooth_wobble(rng, times, 3, 0.05, 0.6)  # x, y, distance to the camera
    anchor = place_hand(pose_hand(base_pose, signer.geometry, signer.left_hand), size, float(np.mean(signer.hand_fill)), rng)
    for f in range(frames):
        hand = pose_hand(base_pose + pose_wobble[f] * wobble_degrees, signer.geometry, signer.left_hand)
        placement = HandPlacement(scale=anchor.scale * (1.0 + 0.08 * drift[f, 2]), wrist_px=anchor.wrist_px + 0.06 * size * drift[f, :2])
        frame = background.copy()
        draw_hand(Painter(frame), hand, placement, signer)
        yield apply_camera(frame, signer, rng, (gain * exposure[f],) * 2), landmarks_of(hand, placement, size, size)


def render_recording(label: str, signer: Signer, rng: np.random.Generator, seconds: float = 10.0,
                     fps: int = 30, size: int = 128, background: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All frames at once: (RGB uint8 (T, size, size, 3), landmarks (T, 21, 3) float32)."""
    frames, landmarks = zip(*iter_recording_frames(label, signer, rng, seconds, fps, size, background))
    return np.stack(frames), np.stack(landmarks)


def render_signing_video(letters: str, seed: int = 0, seconds_per_letter: float = 1.5, fps: int = 30,
                         frame_hw: tuple[int, int] = (480, 640), hand_size: int = 240) -> np.ndarray:
    """A fingerspelling video: one signer in one room holding each letter in turn, with a short
    break (no hand) between letters. RGB uint8 (T, H, W, 3).

    The recording is pasted at `hand_size` px into a camera-sized frame on its own background
    colour: MediaPipe's palm detector finds drawn hands far more often at arm's length.
    """
    from signport.data.synth.signers import sample_signer

    rng = np.random.default_rng(seed)
    signer = sample_signer(rng)
    background = session_background(signer, rng, hand_size)
    height, width = frame_hw
    top, left = (height - hand_size) // 2, (width - hand_size) // 2
    frames = []
    for label in [part for letter in letters for part in (letter, NOTHING)]:
        seconds = seconds_per_letter if label != NOTHING else seconds_per_letter / 3
        for image, _ in iter_recording_frames(label, signer, rng, seconds, fps, hand_size, background):
            frame = np.empty((height, width, 3), np.uint8)
            frame[:] = image[0, 0]
            frame[top:top + hand_size, left:left + hand_size] = image
            frames.append(frame)
    return np.stack(frames)
