"""Configuration of one `signport bench` run, built once from the CLI and passed down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from signport.core.config import field_
from signport.export.config import threshold_flags
from signport.hands.model_file import DEFAULT_MODEL_DIR


@dataclass
class BenchConfig(threshold_flags(optional=True, frozen=False, default_note="default: the manifest's verification thresholds")):
    bundle: Path | None = field_(None, help="bundle folder written by `signport export --out`", path="in")
    device: str = field_("local", help="where to measure: local | macos | android:SERIAL | ios:UDID (ios alone prints the manual steps)")
    profile: str = field_("local", help="device profile for desktop emulation (see docs/bench.md): local, pixel-7-emulated, iphone-12-emulated, low-end-android-emulated")
    threads: int | None = field_(None, help="threads for every runtime (default: the profile's, else up to 4 available cores)", ge=1)
    data: Path | None = field_(None, help="real held-out data: any dataset signport.data.loaders reads (image class folders, landmark .npz/.csv, WLASL videos; default: signport.data.synth)", path="in")
    samples: int = field_(256, help="held-out samples for parity", ge=1)
    seed: int = field_(0, help="seed for the synthetic held-out set and sampling")
    checkpoint: Path | None = field_(None, help="source checkpoint: the eager PyTorch reference and latency baseline (default: manifest source_checkpoint.path when recorded; else an fp32 artifact is the reference)", path="in")
    hand_model: Path | None = field_(None, help="MediaPipe hand_landmarker.task for the hand stage of the 30 fps budget (default: the cached one, if `signport models fetch` built it)", path="in")
    hand_model: Path | None = field_(None, help="MediaPipe hand_landmarker.task for the hand stage of the 30 fps budget (default: the cached one, if `signport models fetch` built it)")
    hand_variant: Literal["full", "lite"] = field_("full", help="hand model variant for the frame budget when --hand-model is not given: full or lite (`signport models fetch --variant lite`)")
    hand_mode: Literal["image", "video"] = field_("image", help="hand stage timing: image (palm detection + landmarks every frame, the worst case) or video (tracking: palm detection only when the hand is lost)")
    hand_detection_confidence: float = field_(0.5, help="MediaPipe min hand detection confidence (lower: more recall, more false hands)")
    hand_tracking_confidence: float = field_(0.5, help="MediaPipe min tracking confidence in video mode (lower: re-detects less often, cheaper, may drift)")
    hand_model_dir: Path = field_(DEFAULT_MODEL_DIR, help="where `signport models fetch` caches the hand model")
    hand_model_dir: Path = field_(DEFAULT_MODEL_DIR, help="where `signport models fetch` caches the hand model")
    hand_frame: Path | None = field_(None, help="an image with one hand, to time the hand stage on a real detection (default: first --data image, else a synthetic frame)", path="in")
    warmup: int = field_(10, help="warm-up iterations per runtime", ge=0)
    min_iterations: int = field_(30, help="timed iterations at least", ge=1)
    iterations: int = field_(300, help="timed iterations at most", ge=1)
    max_seconds: float = field_(10.0, help="stop timing a runtime after this many seconds (once --min-iterations ran)", gt=0)
    profile_ops: bool = field_(False, help="add per-operator profiles: ExecuTorch Inspector (ETDump + the export's ETRecord) and ONNX Runtime's profiler, fp32 vs int8 per layer; with --data also int8's per-layer error vs fp32")
    profile_iterations: int = field_(20, help="runs per artifact under the per-operator profiler")
    sqnr_threshold_db: float = field_(20.0, help="--profile-ops: name the first int8 layer whose SQNR vs fp32 falls below this (dB)")
    parity: bool = field_(True, help="measure parity")
    latency: bool = field_(True, help="measure latency and the 30 fps budget")
    out: Path | None = field_(None, help="folder for results.json, report.md/html and report_assets/ (default: BUNDLE/bench)", path="out")
    device_name: str | None = field_(None, help="name this device in the results (default: host description)")
    adb: str = field_("adb", help="adb executable for --device android:SERIAL")
    device_timeout: float = field_(900.0, help="seconds to wait for a phone's benchmark result", gt=0)


@dataclass
class ReportConfig:
    results: Path | None = field_(None, help="results.json to report on (default: BUNDLE/bench/results.json with --bundle)", path="in")
    bundle: Path | None = field_(None, help="bundle whose bench/results.json to report on", path="in")
    out: Path | None = field_(None, help="folder for report.md/html and plots (default: beside the results file)", path="out")


@dataclass
class ImportConfig:
    result: Path | None = field_(None, help="a phone's benchmark JSON (pulled from the demo app)", required=True, path="in")
    results: Path | None = field_(None, help="results.json to add it to (default: BUNDLE/bench/results.json)")
    bundle: Path | None = field_(None, help="bundle the phone ran", path="in")
