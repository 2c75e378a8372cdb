"""The one configuration of a live run, built from `signport live` flags and passed down unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from signport.core.config import field_
from signport.hands.model_file import DEFAULT_MODEL_DIR

# Model input styles (signport.live.inputs); "auto" follows the model's input kind.
InputStyle = Literal["auto", "landmarks", "crop", "mask", "frame"]


@dataclass(frozen=True)
class LiveConfig:
    source: str = field_("webcam", help="webcam, webcam:N (camera index N) or a video file")
    checkpoint: Path | None = field_(None, help="signport checkpoint folder to run (PyTorch)", path="in")
    bundle: Path | None = field_(None, help="exported bundle folder to run (its runtimes)", path="in")
    out: Path | None = field_(None, help="write an annotated video (landmarks, crop box, prediction, transcript, fps) here, e.g. annotated.mp4", path="out")
    transcript: Path | None = field_(None, help="write the text here, with per-frame records (.frames.jsonl) and timings (.timings.json) beside it", path="out")
    hand_model: Path | None = field_(None, help="MediaPipe hand_landmarker.task to use (default: the cached one, built on first use)", path="in")
    hand_model_dir: Path = field_(DEFAULT_MODEL_DIR, help="where `signport models fetch` caches the hand model")
    input_style: InputStyle = field_("auto", help="model input: landmarks vector, hand crop, landmark mask on black, or whole frame; "
                                                  "auto = what the model's input kind implies (landmarks / crop / frame for clips)")
    crop_margin: float = field_(0.25, help="hand box margin on each side, as a fraction of the hand's size", ge=0)
    window: int = field_(9, help="majority vote over this many frames", ge=1)
    min_confidence: float = field_(0.6, help="predictions below this probability abstain from the vote", ge=0, le=1)
    min_support: float = field_(0.5, help="the winner needs more than this fraction of the window", ge=0, lt=1)
    repeat_after: int | None = field_(None, help="type a held letter again after this many more frames (default: only after a break)", ge=1)
    clip_stride: int = field_(4, help="video models: run on the sliding window every this many sampled frames", ge=1)
    min_hand_confidence: float = field_(0.5, help="MediaPipe hand detection/presence/tracking threshold", ge=0, le=1)
    max_frames: int | None = field_(None, help="stop after this many frames", ge=1)
    threads: int = field_(2, help="CPU threads for the model runtime", ge=1)
    show: bool = field_(False, help="show the annotated stream in a window (needs a display; q quits)")
