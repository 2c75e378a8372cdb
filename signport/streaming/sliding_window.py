"""A clip model over a live stream: a ring buffer of preprocessed frames, the model re-run every k frames.

Each frame is preprocessed once, written in place into a (C, T, H, W) ring in the model's own
layout, and reused by the T/k windows that contain it; a window is two slice copies into one
preallocated (1, C, T, H, W) input. Which camera frames become samples (the clip rate) is
`ClipRateSampler`'s time-based step, shared by the clip and the causal stream.

The latency budget is per frame: at 30 fps each frame has 33.3 ms for its own preprocessing
plus its share of the model (one run per k frames). `StreamCost` says whether a stride meets
the budget and `smallest_stride` finds the k that does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np


class ClipRateSampler:
    """Which camera frames become samples at the model's clip rate.

    Frames are taken every `frames_per_sample` source frames, the step training uses
    (signport.data.video.temporal_stride: 30 fps -> every 2nd), so the model sees motion at the
    speed it learned; the step is measured in time, so a dropped or undecodable frame shifts nothing.
    """

    def __init__(self, clip_fps: float = 15.0, source_fps: float = 30.0):
        from signport.data.video import temporal_stride

        if clip_fps <= 0 or source_fps <= 0:
            raise ValueError(f"invalid clip rate: {clip_fps} fps from {source_fps} fps")
        self.period_ms = temporal_stride(source_fps, clip_fps) * 1000.0 / source_fps
        # Half a source frame of slack: camera timestamps jitter, and a frame early by less than that
        # is still the frame that was due.
        self._slack_ms = 500.0 / source_fps
        self._next_due_ms: float | None = None

    def wants(self, timestamp_ms: float) -> bool:
        """Whether the frame at this time is a sample (prepare it only then)."""
        return self._next_due_ms is None or timestamp_ms >= self._next_due_ms - self._slack_ms

    def take(self, timestamp_ms: float) -> None:
        """Record that the frame at `timestamp_ms` was sampled (call only when `wants` said so)."""
        due = self._next_due_ms
        # After a gap (dropped frames) resume from now rather than bursting to catch up.
        late = due is None or timestamp_ms - due > self.period_ms
        self._next_due_ms = timestamp_ms + self.period_ms if late else due + self.period_ms


class FrameRing:
    """The last `clip_length` preprocessed frames (C, H, W), oldest overwritten first."""

    def __init__(self, clip_length: int, frame_shape: tuple[int, int, int], dtype=np.float32):
        if clip_length < 1:
            raise ValueError(f"clip_length must be >= 1, got {clip_length}")
        channels, height, width = frame_shape
        self.clip_length = clip_length
        self._ring = np.zeros((channels, clip_length, height, width), dtype)
        self._window = np.zeros((1, channels, clip_length, height, width), dtype)
        self._next = 0  # ring slot the next frame goes to (= the oldest frame once full)
        self.frames_pushed = 0

    @property
    def full(self) -> bool:
        return self.frames_pushed >= self.clip_length

    def push(self, frame: np.ndarray) -> None:
        self._ring[:, self._next] = frame
        self._next = (self._next + 1) % self.clip_length
        self.frames_pushed += 1

    def window(self) -> np.ndarray:
        """The frames oldest to newest as one (1, C, T, H, W) model input (a reused buffer: copy
        it to keep it past the next call)."""
        older = self.clip_length - self._next
        self._window[0, :, :older] = self._ring[:, self._next:]
        self._window[0, :, older:] = self._ring[:, :self._next]
        return self._window


class SlidingWindowRunner:
    """Run `run_clip` on the last `clip_length` frames once the ring is full, then every `stride` frames."""

    def __init__(self, run_clip: Callable[[np.ndarray], np.ndarray], clip_length: int, stride: int,
                 frame_shape: tuple[int, int, int]):
        if stride < 1:
            raise ValueError(f"stride must be >= 1, got {stride}")
        self.run_clip = run_clip
        self.stride = stride
        self.ring = FrameRing(clip_length, frame_shape)
        self._since_run = 0

    def push(self, frame: np.ndarray) -> np.ndarray | None:
        """Add a preprocessed frame; returns the model output when this frame completes a window."""
        self.ring.push(frame)
        self._since_run += 1
        if not self.ring.full or (self.ring.frames_pushed > self.ring.clip_length and self._since_run < self.stride):
            return None
        self._since_run = 0
        return self.run_clip(self.ring.window())


@dataclass(frozen=True)
class StreamCost:
    """Per-frame cost of sliding-window inference, in milliseconds."""

    preprocess_ms: float  # one frame: resize + normalize + ring write
    model_ms: float  # one clip
    stride: int  # the model runs every `stride` frames

    @property
    def amortized_ms(self) -> float:
        """Mean cost per frame: what must fit the frame interval for the stream to keep up."""
        return self.preprocess_ms + self.model_ms / self.stride

    @property
    def result_latency_ms(self) -> float:
        """From a window's last frame to its output (the model runs after that frame)."""
        return self.preprocess_ms + self.model_ms

    def fits(self, fps: float = 30.0) -> bool:
        """Keeps up at `fps`: the amortized cost fits a frame interval, and a run finishes before the
        next one is due (with the model on a worker thread, frames keep flowing meanwhile)."""
        interval = 1000.0 / fps
        return self.amortized_ms <= interval and self.model_ms <= self.stride * interval


def smallest_stride(preprocess_ms: float, model_ms: float, fps: float = 30.0) -> int | None:
    """The smallest k for which running the model every k frames keeps up at `fps`, or None when
    preprocessing alone uses up the frame interval."""
    interval = 1000.0 / fps
    if preprocess_ms >= interval:
        return None
    # Fitting the amortized cost also lets a run finish before the next is due (model <= k·interval).
    return max(1, math.ceil(model_ms / (interval - preprocess_ms)))
