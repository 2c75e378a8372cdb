"""Latency measurement, one fresh subprocess per stage so runtimes never share a heap,
a threadpool or a warm cache.

The parent writes a MeasureRequest as JSON and runs `python -m signport.device_bench.measure
REQUEST RESULT`; the child pins its CPUs, imports the runtime, records RSS, loads the model
(timed), warms up, then times single calls until `max_iterations` or `max_seconds`, and
writes the raw samples plus peak RSS (VmHWM) back as JSON.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np


@dataclass
class MeasureRequest:
    stage: str  # a key of STAGES
    threads: int
    inputs_path: str  # .npy: the one input every iteration sees
    cpu_affinity: list[int] | None = None
    warmup_iterations: int = 10
    min_iterations: int = 20
    max_iterations: int = 500
    max_seconds: float = 10.0
    options: dict = field(default_factory=dict)


@dataclass
class Stage:
    step: Callable[[], object]
    load_seconds: float
    threads: int | None = None
    info: dict = field(default_factory=dict)  # stage-specific facts worth reporting


def _runner_stage(request: MeasureRequest, x: np.ndarray) -> Stage:
    """One artifact (or the eager checkpoint) through signport.runtime, as the bench's parity check runs it."""
    from signport.runtime import RUNNERS, load_runner

    opts = request.options
    if opts.get("compute_units"):  # Core ML: one measurement per compute-unit setting
        runner = RUNNERS[opts["format"]](Path(opts["artifact_path"]), request.threads, compute_units=opts["compute_units"])
    else:
        runner = load_runner(opts["artifact_path"], opts["format"], request.threads)
    return Stage(lambda: runner.run(x), runner.load_seconds, threads_in_effect(opts["format"]))


def _executorch_threads() -> int:
    from executorch.extension.pybindings import portable_lib

    return portable_lib._threadpool_get_thread_count()


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


# format -> the thread count its runtime reports after loading (ExecuTorch's process-wide XNNPACK
# threadpool, torch's intra-op pool); ONNX Runtime and Core ML report none.
THREAD_PROBES: dict[str, Callable[[], int]] = {"executorch": _executorch_threads, "pytorch": _torch_threads}


def threads_in_effect(fmt: str) -> int | None:
    probe = THREAD_PROBES.get(fmt)
    return probe() if probe else None


def _preprocess_stage(request: MeasureRequest, frame: np.ndarray) -> Stage:
    """Camera frame (H, W, 3) uint8 RGB -> one model input, built by signport.live exactly as the
    live pipeline does it (hand crop, landmark vector or whole frame, per the model's input kind)."""
    import cv2

    from signport.core.preprocessing import Preprocessing
    from signport.hands.crop import hand_box
    from signport.hands.landmarker import HandDetection
    from signport.live.config import LiveConfig
    from signport.live.inputs import INPUT_STYLES, HandView, resolve_input_style

    cv2.setNumThreads(request.threads)
    prep = Preprocessing.from_dict(request.options["preprocessing"])
    build = INPUT_STYLES[resolve_input_style("auto", prep)].build
    landmarks = request.options.get("landmarks")
    hand = HandDetection(np.asarray(landmarks, np.float32) if landmarks else template_hand(), "Right", 1.0)
    view = HandView(frame, hand, hand_box(hand.pixel_points(frame.shape[:2]), margin=LiveConfig().crop_margin))
    return Stage(lambda: build(view, prep), 0.0, request.threads)


def template_hand(centre: tuple[float, float] = (0.5, 0.5), size: float = 0.35) -> np.ndarray:
    """(21, 3) landmarks of an open hand at `centre`, `size` of the frame tall: a stand-in for a
    detection when no hand model ran, so the crop has a realistic size."""
    cx, cy = centre
    points = [(cx, cy + size / 2, 0.0)]  # wrist
    for angle in np.radians([-60, -30, 0, 15, 35]):  # thumb .. little finger, 4 joints each
        points += [(cx + r * size * np.sin(angle), cy + size / 2 - r * size * np.cos(angle), 0.0) for r in (0.3, 0.55, 0.8, 1.0)]
    return np.asarray(points, np.float32)


def _hand_detection_stage(request: MeasureRequest, frame: np.ndarray) -> Stage:
    """signport.hands' HandLandmarker in image mode: palm detection + landmarks on every frame,
    the worst case of the live pipeline (video mode skips detection while it tracks a hand)."""
    from signport.hands.landmarker import HandLandmarker

    opts = request.options
    started = time.perf_counter()
    landmarker = HandLandmarker(opts["model_path"], mode=opts.get("mode", "image"),
                                min_detection_confidence=opts.get("min_detection_confidence", 0.5),
                                min_tracking_confidence=opts.get("min_tracking_confidence", 0.5))
    load_seconds = time.perf_counter() - started
    clock = iter(range(0, 1 << 62, 33))  # video mode needs increasing timestamps: 30 fps
    # Without a hand in the frame only palm detection runs, so the time is a lower bound.
    hands = landmarker.detect(frame, next(clock))
    info = {"hands_found": len(hands), "landmarks": hands[0].landmarks.tolist() if hands else None}
    return Stage(lambda: landmarker.detect(frame, next(clock)), load_seconds, None, info)


def _smoothing_stage(request: MeasureRequest, probabilities: np.ndarray) -> Stage:
    """signport.live's majority-vote smoother with `signport live`'s defaults, fed one prediction per call."""
    from signport.live.config import LiveConfig
    from signport.live.smoothing import MajorityVoteSmoother

    defaults = LiveConfig()
    smoother = MajorityVoteSmoother(defaults.window, defaults.min_confidence, defaults.min_support)
    labels = [str(i) for i in range(probabilities.shape[1])]
    frames = iter(range(1 << 62))

    def step():
        p = probabilities[next(frames) % len(probabilities)]
        best = int(p.argmax())
        return smoother.update(labels[best], float(p[best]))

    return Stage(step, 0.0, 1)


# stage name -> (modules to import before the RSS baseline, builder(request, input) -> Stage)
STAGES: dict[str, tuple[tuple[str, ...], Callable[[MeasureRequest, np.ndarray], Stage]]] = {
    "runner": ((), _runner_stage),
    "preprocess": (("cv2",), _preprocess_stage),
    "hand_detection": (("mediapipe",), _hand_detection_stage),
    "smoothing": ((), _smoothing_stage),
}


def read_rss_bytes() -> tuple[int, int]:
    """(current RSS, peak RSS) of this process. Linux: VmRSS/VmHWM; elsewhere ru_maxrss twice."""
    status = Path("/proc/self/status")
    if status.exists():
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        kib = lambda key: int(fields[key].split()[0]) * 1024  # noqa: E731
        return kib("VmRSS"), kib("VmHWM")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS
    return peak, peak


def time_stage(step: Callable[[], object], request: MeasureRequest) -> list[float]:
    """Warm up, then time single calls (ms) until max_iterations, or max_seconds once min_iterations ran."""
    for _ in range(request.warmup_iterations):
        step()
    samples: list[float] = []
    deadline = time.perf_counter() + request.max_seconds
    while len(samples) < request.max_iterations:
        start = time.perf_counter()
        step()
        samples.append((time.perf_counter() - start) * 1000.0)
        if len(samples) >= request.min_iterations and time.perf_counter() >= deadline:
            break
    return samples


def time_round_robin(steps: dict[str, Callable[[], object]], rounds: int, warmup: int = 2) -> dict[str, list[float]]:
    """Per-call timings (ms) of several steps in one process, one call of each per round, so a
    shared host's background load hits every step alike (for comparing runtimes side by side)."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            samples[name].append((time.perf_counter() - start) * 1000.0)
    return samples


def measure(request: MeasureRequest) -> dict:
    """Run one measurement in this process (the subprocess entry point calls this)."""
    if request.cpu_affinity and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, request.cpu_affinity)
    imports, builder = STAGES[request.stage]
    for module in imports + _runtime_imports(request):
        importlib.import_module(module)
    rss_before_load, _ = read_rss_bytes()
    x = np.load(request.inputs_path, allow_pickle=False)
    stage = builder(request, x)
    samples = time_stage(stage.step, request)
    _, peak = read_rss_bytes()
    return {
        "status": "ok",
        "samples_ms": samples,
        "load_ms": stage.load_seconds * 1000.0,
        "threads_used": stage.threads,
        "info": stage.info,
        "cpu_affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "rss_before_load_bytes": rss_before_load,
        "peak_rss_bytes": peak,
        "os_threads": _os_thread_count(),
    }


def _os_thread_count() -> int | None:
    """Threads alive in this process after timing (runtime pools included), where the OS says."""
    tasks = Path("/proc/self/task")
    return len(list(tasks.iterdir())) if tasks.exists() else None


def _runtime_imports(request: MeasureRequest) -> tuple[str, ...]:
    from signport.device_bench.runtimes import RUNTIME_MODULES

    fmt = request.options.get("format")
    return (RUNTIME_MODULES[fmt],) if request.stage == "runner" and fmt in RUNTIME_MODULES else ()


def measure_in_subprocess(request: MeasureRequest, workdir: Path, timeout_s: float = 600.0) -> dict:
    """Run `measure` in a fresh Python process. Failures come back as {"status": "failed", "error": ...}."""
    workdir.mkdir(parents=True, exist_ok=True)
    request_path = workdir / f"{request.stage}-{os.getpid()}-{time.monotonic_ns()}.request.json"
    result_path = request_path.with_suffix("").with_suffix(".result.json")
    request_path.write_text(json.dumps(asdict(request)))
    env = dict(os.environ)
    # OpenMP pools (torch, onnxruntime's MLAS) size themselves from these before any API call.
    env.update(OMP_NUM_THREADS=str(request.threads), MKL_NUM_THREADS=str(request.threads))
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "signport.device_bench.measure", str(request_path), str(result_path)],
            capture_output=True, text=True, timeout=timeout_s, env=env,
        )
    except subprocess.TimeoutExpired:
        return {"status": "failed", "error": f"measurement did not finish within {timeout_s:.0f} s"}
    if result_path.exists():
        return json.loads(result_path.read_text())
    tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
    return {"status": "failed", "error": f"measuring process exited {completed.returncode}: {' | '.join(tail)}"}


def _main(argv: list[str]) -> int:
    request_path, result_path = Path(argv[0]), Path(argv[1])
    request = MeasureRequest(**json.loads(request_path.read_text()))
    try:
        result = measure(request)
    except Exception as e:  # reported as a red row by the parent, never swallowed
        result = {"status": "failed", "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc(limit=5)}
    result_path.write_text(json.dumps(result))
    return 0 if result["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
