"""The video model's input window over a live stream: frames subsampled to the clip rate, the
last `clip_length` of them, handed out every `stride` new samples.

As in continuous sign recognition (16 frames at 15 fps), the window slides over the stream and
the 3-D model runs on each full window. Frames are taken every `frames_per_sample` source
frames, the step training uses (signport.data.video.temporal_stride: 30 fps -> every 2nd), so
the model sees motion at the speed it learned; the step is measured in time, so a dropped or
undecodable frame shifts nothing.
"""

from __future__ import annotations

from collections import deque

import numpy as np


class ClipWindow:
    def __init__(self, clip_length: int = 16, clip_fps: float = 15.0, stride: int = 4, source_fps: float = 30.0):
        from signport.data.video import temporal_stride

        if clip_length < 1 or clip_fps <= 0 or stride < 1 or source_fps <= 0:
            raise ValueError(f"invalid clip window: length {clip_length}, {clip_fps} fps from {source_fps} fps, stride {stride}")
        self.clip_length, self.stride = clip_length, stride
        self.period_ms = temporal_stride(source_fps, clip_fps) * 1000.0 / source_fps
        # Half a source frame of slack: camera timestamps jitter, and a frame early by less than that
        # is still the frame that was due.
        self._slack_ms = 500.0 / source_fps
        self._samples: deque[np.ndarray] = deque(maxlen=clip_length)
        self._next_due_ms: float | None = None
        self._since_last_clip = 0

    def wants(self, timestamp_ms: float) -> bool:
        """Whether the frame at this time is one of the clip-rate samples (prepare it only then)."""
        return self._next_due_ms is None or timestamp_ms >= self._next_due_ms - self._slack_ms

    def push(self, timestamp_ms: float, sample: np.ndarray) -> np.ndarray | None:
        """Add a sample taken at `timestamp_ms` (call only when `wants` said so). Returns the window
        stacked on a new time axis 1 ((C, T, H, W) for (C, H, W) samples) when a clip is due."""
        due = self._next_due_ms
        # After a gap (dropped frames) resume from now rather than bursting to catch up.
        self._next_due_ms = timestamp_ms + self.period_ms if due is None or timestamp_ms - due > self.period_ms else due + self.period_ms
        self._samples.append(sample)
        self._since_last_clip += 1
        if len(self._samples) < self.clip_length or self._since_last_clip < self.stride:
            return None
        self._since_last_clip = 0
        return np.stack(self._samples, axis=1)
