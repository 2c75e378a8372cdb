"""Continuous recognition with a video model: split the stream into signs at pauses, classify each
sign once, and score the gloss sequence against the truth.

Signers rest their hands between signs, so a sign is a run of movement and a pause is a stretch
of stillness longer than any hold inside a sign. `MotionSegmenter` finds those runs from frame
differences on a small grey image (no hand detector: a frame costs well under a millisecond);
`GlossSpotter` keeps the frames of the current run and, when a pause ends it, samples the run
the way training samples a sign's frames (signport.data.video.sample_frame_indices, centred) and
runs the clip model once. The model therefore sees one whole sign, as in training, instead of
windows that straddle two signs, and costs one call per sign rather than one per window.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from signport.core.errors import InputError
from signport.core.preprocessing import Preprocessing, normalize_image
from signport.data.video import sample_frame_indices, temporal_stride
from signport.live.classifier import Classifier, softmax

# Motion is measured on a grey image this many pixels wide: enough for a hand, cheap per frame.
MOTION_SIZE = 64
# A pixel "moves" when its grey level changes by more than this (camera noise stays well below).
MOTION_PIXEL_DELTA = 24
# A frame moves when more than this share of its pixels do.
MOTION_FRACTION = 0.002


@dataclass
class Segment:
    first: int  # frame indices in the stream, inclusive
    last: int


class MotionSegmenter:
    """Frames in, finished signs out: a sign is a run of moving frames that ends once `pause_frames`
    still frames follow it; runs shorter than `min_sign_frames` (a twitch) are dropped."""

    def __init__(self, pause_frames: int, min_sign_frames: int = 3):
        if pause_frames < 1 or min_sign_frames < 1:
            raise ValueError(f"pause_frames and min_sign_frames must be >= 1 (got {pause_frames}, {min_sign_frames})")
        self.pause_frames, self.min_sign_frames = pause_frames, min_sign_frames
        self._previous: np.ndarray | None = None
        self._frame = -1
        self._first: int | None = None
        self._last_moving = -1

    @staticmethod
    def motion(previous: np.ndarray, grey: np.ndarray) -> float:
        """Share of pixels whose grey level changed by more than MOTION_PIXEL_DELTA."""
        return float((cv2.absdiff(previous, grey) > MOTION_PIXEL_DELTA).mean())

    def update(self, rgb: np.ndarray) -> Segment | None:
        self._frame += 1
        grey = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), (MOTION_SIZE, MOTION_SIZE), interpolation=cv2.INTER_AREA)
        moving = self._previous is not None and self.motion(self._previous, grey) > MOTION_FRACTION
        self._previous = grey
        if moving:
            if self._first is None:
                # The frame before the first change is where the movement starts from.
                self._first = max(self._frame - 1, 0)
            self._last_moving = self._frame
            return None
        if self._first is not None and self._frame - self._last_moving >= self.pause_frames:
            return self._close()
        return None

    def flush(self) -> Segment | None:
        """The sign still open when the stream ends."""
        return self._close() if self._first is not None else None

    @property
    def open_since(self) -> int | None:
        return self._first

    def _close(self) -> Segment | None:
        segment = Segment(self._first, self._last_moving)
        self._first = None
        return segment if segment.last - segment.first + 1 >= self.min_sign_frames else None


@dataclass
class Gloss:
    gloss: str
    confidence: float
    segment: Segment


@dataclass
class GlossSpotter:
    """Per frame: the segmenter, a buffer of the open sign's model-ready frames, and one model call per sign."""

    classifier: Classifier
    source_fps: float
    pause_ms: float = 320.0
    min_confidence: float = 0.0
    max_sign_seconds: float = 10.0
    glosses: list[Gloss] = field(default_factory=list)

    def __post_init__(self):
        self.prep: Preprocessing = self.classifier.preprocessing
        if self.prep.input_kind != "clip":
            raise InputError(f"gloss recognition needs a video model; this one takes {self.prep.input_kind} input")
        self.segmenter = MotionSegmenter(max(1, round(self.pause_ms * self.source_fps / 1000.0)))
        self._stride = temporal_stride(self.source_fps, self.prep.clip_fps)
        self._frames: dict[int, np.ndarray] = {}  # stream index -> normalized (3, H, W) of the open sign
        self._index = -1

    def process(self, rgb: np.ndarray) -> Gloss | None:
        self._index += 1
        height, width = self.prep.input_size
        small = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
        self._frames[self._index] = normalize_image(small, self.prep)
        segment = self.segmenter.update(rgb)
        gloss = self._classify(segment) if segment is not None else None
        # Keep the open sign's frames (and this one, which may be the frame a next sign starts from).
        keep_from = self.segmenter.open_since if self.segmenter.open_since is not None else self._index
        keep_from = max(keep_from, self._index - int(self.max_sign_seconds * self.source_fps))
        for index in [i for i in self._frames if i < keep_from]:
            del self._frames[index]
        return gloss

    def finish(self) -> Gloss | None:
        segment = self.segmenter.flush()
        return self._classify(segment) if segment is not None else None

    def _classify(self, segment: Segment) -> Gloss | None:
        available = [i for i in range(segment.first, segment.last + 1) if i in self._frames]
        if not available:
            return None
        indices = sample_frame_indices(len(available), int(self.prep.clip_length), "center", stride=self._stride)
        clip = np.stack([self._frames[available[i]] for i in indices], axis=1)[None]
        probabilities = softmax(np.asarray(self.classifier.predict(clip), np.float32))[0]
        best = int(probabilities.argmax())
        if probabilities[best] < self.min_confidence:
            return None
        gloss = Gloss(self.classifier.labels[best], float(probabilities[best]), segment)
        self.glosses.append(gloss)
        return gloss


def edit_distance(predicted: list[str], truth: list[str]) -> int:
    """Levenshtein distance between two gloss sequences (substitutions, insertions, deletions)."""
    row = list(range(len(truth) + 1))
    for i, p in enumerate(predicted, start=1):
        previous, row[0] = row[0], i
        for j, t in enumerate(truth, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (p != t))
    return row[-1]


def sequence_accuracy(predicted: list[str], truth: list[str]) -> float:
    """Share of the true glosses recognised in order: 1 - edit distance / length (at least 0), as WER's complement."""
    if not truth:
        raise ValueError("the true gloss sequence is empty")
    return max(0.0, 1.0 - edit_distance(predicted, truth) / len(truth))


def read_truth(spec: str, source: str) -> list[str]:
    """The true glosses: comma-separated, or a sequences.json (`signport data synth --kinds sequences`)
    holding the source video's id."""
    path = Path(spec)
    if not path.suffix == ".json":
        glosses = [g.strip() for g in spec.split(",") if g.strip()]
        if not glosses:
            raise InputError(f"--truth {spec!r}: give the true glosses comma-separated, or a sequences.json")
        return glosses
    try:
        videos = json.loads(path.read_text(encoding="utf-8"))["videos"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(f"--truth {path}: not a readable sequences.json ({e}); write one with `signport data synth --kinds sequences`") from None
    video_id = Path(source).stem
    if video_id not in videos:
        raise InputError(f"--truth {path} has no entry for {video_id} (it lists {', '.join(sorted(videos)[:5])}...)")
    return list(videos[video_id]["glosses"])


def _videos(source: str) -> list[str]:
    """A video file, a camera, or every video of a folder (sorted), as --source names them."""
    from signport.data.video import VIDEO_SUFFIXES

    path = Path(source)
    if not path.is_dir():
        return [source]
    videos = sorted(str(p) for p in path.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    if not videos:
        raise InputError(f"--source {path} is a folder without videos ({', '.join(VIDEO_SUFFIXES)})")
    return videos


def recognise_video(spotter: GlossSpotter, source, max_frames: int | None = None) -> list[float]:
    """Feed one opened source through `spotter`; returns each frame's end-to-end milliseconds
    (decoding excluded: a camera delivers decoded frames)."""
    import time

    frame_ms = []
    for frame in source:
        if frame.rgb is None:
            continue
        started = time.perf_counter()
        spotter.process(frame.rgb)
        frame_ms.append((time.perf_counter() - started) * 1000.0)
        if max_frames is not None and len(frame_ms) >= max_frames:
            break
    started = time.perf_counter()
    spotter.finish()
    if frame_ms:
        frame_ms[-1] += (time.perf_counter() - started) * 1000.0
    return frame_ms


def run_glosses(config, classifier: Classifier | None = None) -> dict:
    """`signport live --glosses`: recognise the sequence of signs in each source video and time each
    frame end to end; with --truth, score every video and all of them together."""
    from signport.core import atomic
    from signport.live.classifier import load_classifier
    from signport.live.sources import open_source

    classifier = classifier or load_classifier(config.checkpoint, config.bundle, config.threads)
    # Loaded and warmed before the stream starts, as an app does: first calls build kernels (seconds).
    for _ in range(2):
        classifier.predict(np.zeros(classifier.preprocessing.input_shape(1), np.float32))
    videos, all_ms, total_errors, total_truth = [], [], 0, 0
    for video in _videos(config.source):
        truth = read_truth(config.truth, video) if config.truth else None
        source = open_source(video)
        spotter = GlossSpotter(classifier, source.info.fps, config.pause_ms)
        try:
            frame_ms = recognise_video(spotter, source, config.max_frames)
        finally:
            source.close()
        if not frame_ms:
            raise InputError(f"no frame of {source.info.name} could be decoded; check the file plays, or re-encode it as H.264 mp4")
        all_ms += frame_ms
        entry = {"source": source.info.name, "frames": len(frame_ms), "glosses": [g.gloss for g in spotter.glosses],
                 "signs": [{"gloss": g.gloss, "confidence": round(g.confidence, 4), "frames": [g.segment.first, g.segment.last]}
                           for g in spotter.glosses]}
        if truth is not None:
            entry.update(truth=truth, edit_distance=edit_distance(entry["glosses"], truth))
            total_errors += entry["edit_distance"]
            total_truth += len(truth)
        videos.append(entry)
    summary = {
        "model": getattr(classifier, "name", type(classifier).__name__), "videos": videos, "frames": len(all_ms),
        "model_calls": sum(len(v["glosses"]) for v in videos),
        "ms_per_frame": {"mean": float(np.mean(all_ms)), "p50": float(np.median(all_ms)), "p95": float(np.percentile(all_ms, 95)),
                         "max": float(np.max(all_ms))},
    }
    if total_truth:
        summary.update(edit_distance=total_errors, true_glosses=total_truth, accuracy=max(0.0, 1.0 - total_errors / total_truth))
    if config.transcript:
        atomic.write_json(Path(config.transcript), summary)
    return summary
