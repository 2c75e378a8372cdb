"""One bench run on this host: parity of every artifact, latency of every runtime, the 30 fps budget.

Stages, in order: held-out set -> reference outputs -> parity per artifact -> latency per
runtime (each in a fresh subprocess) -> per-frame pipeline budget -> one run record. Nothing
here prints or writes files; the CLI does that with the record.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from signport.core.host import host_description
from signport.core.bundle import Bundle
from signport.device_bench.config import BenchConfig
from signport.device_bench.heldout import HeldoutSet, real_heldout, synthetic_heldout
from signport.device_bench.measure import MeasureRequest, measure_in_subprocess
from signport.device_bench.parity import ParityThresholds, artifact_parity_metrics, parity_verdict, verdict_kind
from signport.device_bench.frame_budget import frame_budget, overall_gate, stage
from signport.device_bench.profiles import DeviceProfile, available_cores, resolve_threads
from signport.device_bench.reference import (
    BenchReference,
    artifact_outputs,
    artifact_reference,
    eager_reference,
    resolve_checkpoint,
)
from signport.device_bench.results import utc_now
from signport.device_bench.runtimes import COREML_COMPUTE_UNITS, runtime_name, unavailable_reason
from signport.device_bench.stats import latency_stats, macs_per_second
from signport.device_bench.verdicts import host_verdicts
from signport.hands.model_file import find_hand_model

EAGER_BASELINE_ID = "pytorch-eager-fp32"
SAMPLES_KEPT = 2000  # raw latency samples stored per row, for plots re-drawn by `bench report`
CAMERA_FRAME_SHAPE = (480, 640, 3)


# ---------------------------------------------------------------- host facts

# ---------------------------------------------------------------- held-out set and reference

def heldout_for(bundle: Bundle, config: BenchConfig) -> HeldoutSet:
    if config.data is not None:
        return real_heldout(Path(config.data), bundle.preprocessing, bundle.labels, config.samples, config.seed)
    return synthetic_heldout(bundle.preprocessing, bundle.labels, config.samples, config.seed)


# ---------------------------------------------------------------- parity

def parity_thresholds(bundle: Bundle, config: BenchConfig) -> tuple[ParityThresholds, str]:
    """(thresholds, where they came from): command-line flags over the ones the bundle was
    verified with at export (manifest "verification") over export's defaults."""
    values, source = vars(ParityThresholds()).copy(), "default"
    recorded = (bundle.manifest.get("verification") or {}).get("thresholds") or {}
    if recorded:
        values.update({k: v for k, v in recorded.items() if k in values})
        source = "manifest"
    given = {name: getattr(config, name) for name in ParityThresholds.names() if getattr(config, name) is not None}
    if given:
        values.update(given)
        source = "command line" if not recorded else "command line over manifest"
    return ParityThresholds(**values), source


def artifact_parity(bundle: Bundle, artifact: dict, heldout: HeldoutSet, reference: BenchReference, threads: int,
                    thresholds: ParityThresholds) -> dict:
    row = {"artifact_id": artifact["id"], "format": artifact["format"], "precision": artifact["precision"],
           "role": artifact["role"], "delegate": artifact.get("delegate"), "runtime": runtime_name(artifact["format"])}
    unavailable = unavailable_reason(artifact["format"], artifact.get("delegate"))
    if unavailable:
        return {**row, "status": "unavailable", "reasons": [unavailable]}
    if artifact["id"] == reference.artifact_id:
        return {**row, "status": "reference", "reasons": ["this artifact is the parity reference"]}
    problems = [p for p in [bundle.integrity_problem(artifact)] if p]
    try:
        logits, embeddings = artifact_outputs(bundle, artifact, heldout.inputs, threads, reference.embeddings)
    except Exception as e:  # a broken artifact is a red row with its error, never a crash of the run
        return {**row, "status": "error", "reasons": problems + [f"failed to load or run: {e}"]}
    metrics = artifact_parity_metrics(reference.logits, logits, heldout.labels, reference.embeddings, embeddings)
    kind = verdict_kind(artifact["precision"])
    if kind is None:
        verdict = {"passed": False, "thresholds": {}, "failures": [f"no parity rule for precision {artifact['precision']!r}"]}
    else:
        verdict = parity_verdict(metrics, kind, thresholds)
    return {**row, "status": "pass" if verdict["passed"] and not problems else "fail",
            "reasons": problems + verdict["failures"], "metrics": metrics, "thresholds": verdict["thresholds"]}


def not_built_row(skipped: dict) -> dict:
    """An artifact export listed as not built (e.g. a 3-D model for XNNPACK): shown, never run."""
    return {"artifact_id": skipped["id"], "format": skipped["format"], "precision": skipped["precision"], "role": skipped["role"],
            "delegate": skipped.get("delegate"), "runtime": runtime_name(skipped["format"]), "status": "unavailable",
            "reasons": [f"not built at export: {skipped['reason']}"]}


# ---------------------------------------------------------------- latency

@dataclass
class LatencyTarget:
    artifact_id: str
    fmt: str
    path: Path
    role: str
    precision: str
    compute_units: str | None = None
    baseline: bool = False
    delegate: str | None = None


def latency_targets(bundle: Bundle, checkpoint: Path | None) -> list[LatencyTarget]:
    targets = [LatencyTarget(EAGER_BASELINE_ID, "pytorch", checkpoint, "model", "fp32", baseline=True)] if checkpoint else []
    for a in bundle.artifacts:
        units = COREML_COMPUTE_UNITS if a["format"] == "coreml" and unavailable_reason("coreml") is None else (None,)
        targets += [LatencyTarget(a["id"], a["format"], bundle.artifact_path(a), a["role"], a["precision"], u,
                                  delegate=a.get("delegate")) for u in units]
    return targets


def latency_row(target: LatencyTarget, measurement: dict, request_base: dict, label: str, macs: int | None) -> dict:
    """A bench result row (schema keys: artifact_id, runtime, compute_units, threads, latency_ms,
    fps, load_ms, iterations, warmup) plus host-only facts (status, RSS, affinity, raw samples)."""
    coreml = target.fmt == "coreml"
    row = {
        "artifact_id": target.artifact_id, "runtime": runtime_name(target.fmt),
        # Core ML has compute units and schedules its own threads; the CPU runtimes are the reverse.
        "compute_units": target.compute_units or (", ".join(COREML_COMPUTE_UNITS) if coreml else None),
        "threads": None if coreml else request_base["threads"], "format": target.fmt, "precision": target.precision,
        "delegate": target.delegate,
        "role": target.role, "baseline": target.baseline, "label": label, "status": measurement["status"],
    }
    if measurement["status"] != "ok":
        return {**row, "error": measurement["error"]}
    stats = latency_stats(measurement["samples_ms"])
    row.update(
        latency_ms={k: stats[k] for k in ("p50", "p90", "p99", "mean")},
        spread_ms={k: stats[k] for k in ("min", "max", "std")},
        fps=stats["fps"], load_ms=measurement["load_ms"], iterations=stats["iterations"],
        warmup=request_base["warmup_iterations"],
        threads_used=measurement.get("threads_used"), os_threads=measurement.get("os_threads"),
        cpu_affinity=measurement.get("cpu_affinity"),
        peak_rss_mb=measurement["peak_rss_bytes"] / 2**20,
        model_rss_mb=(measurement["peak_rss_bytes"] - measurement["rss_before_load_bytes"]) / 2**20,
        samples_ms=[round(s, 6) for s in measurement["samples_ms"][:SAMPLES_KEPT]],
    )
    if macs:
        row.update(macs=macs, macs_per_second=macs_per_second(macs, stats["p50"]))
    return row


def measure_latency(
    targets: list[LatencyTarget], inputs: dict[str, Path], request_base: dict, workdir: Path, label: str, macs: dict
) -> list[dict]:
    rows = []
    for target in tqdm(targets, desc="latency", unit="runtime", leave=False):
        unavailable = unavailable_reason(target.fmt, target.delegate)
        if unavailable:
            measurement = {"status": "unavailable", "error": unavailable}
        else:
            request = MeasureRequest(
                stage="runner", inputs_path=str(inputs["embedding" if target.role == "head" else "model"]),
                options={"artifact_path": str(target.path), "format": target.fmt, "compute_units": target.compute_units},
                **request_base,
            )
            measurement = measure_in_subprocess(request, workdir)
        rows.append(latency_row(target, measurement, request_base, label, macs.get(target.role)))
    return rows


# ---------------------------------------------------------------- 30 fps budget

def pipeline_stages(bundle: Bundle, config: BenchConfig, frame: np.ndarray, frame_source: str, request_base: dict,
                    workdir: Path) -> tuple[list[dict], list[dict]]:
    """Measured per-frame stages around the model, as (before the model, after it):
    hand_detection where the model's input style needs a hand, preprocess; then smoothing."""
    from signport.live.inputs import INPUT_STYLES, resolve_input_style

    frame_path = workdir / "frame.npy"
    np.save(frame_path, frame)
    style = resolve_input_style("auto", bundle.preprocessing)
    before, landmarks = [], None
    if INPUT_STYLES[style].needs_hand:
        model_path, where = find_hand_model(config.hand_model, config.hand_model_dir, config.hand_variant)
        if model_path is None:
            before.append(stage("hand_detection", None, note=f"not measured ({style} input needs a hand): {where}"))
        else:
            measurement = measure_in_subprocess(MeasureRequest(
                stage="hand_detection", inputs_path=str(frame_path),
                options={"model_path": str(model_path), "mode": config.hand_mode,
                         "min_detection_confidence": config.hand_detection_confidence,
                         "min_tracking_confidence": config.hand_tracking_confidence},
                **request_base), workdir)
            info = measurement.get("info", {})
            mode = ("image mode (palm detection + landmarks every frame)" if config.hand_mode == "image" else
                    "video mode (tracking: palm detection only when the hand is lost; the same frame repeated, so the "
                    "tracked steady state)")
            note = (f"MediaPipe HandLandmarker ({where}), {mode}, detection confidence {config.hand_detection_confidence:g}, "
                    f"tracking confidence {config.hand_tracking_confidence:g}, on {frame_source}")
            if measurement["status"] == "ok" and not info.get("hands_found"):
                note += "; no hand found, so only palm detection ran: a lower bound"
            before.append(_measured_stage("hand_detection", measurement, note, complete=bool(info.get("hands_found"))))
            landmarks = info.get("landmarks")
    before.append(_measured_stage("preprocess", measure_in_subprocess(MeasureRequest(
        stage="preprocess", inputs_path=str(frame_path),
        options={"preprocessing": bundle.preprocessing.to_dict(), "landmarks": landmarks}, **request_base), workdir),
        f"signport.live '{style}' input from {frame_source}" + ("" if landmarks or not INPUT_STYLES[style].needs_hand
                                                               else " with a template hand box")))
    probabilities = np.random.default_rng(config.seed).dirichlet(np.ones(len(bundle.labels)) * 0.3, 64).astype(np.float32)
    np.save(workdir / "probabilities.npy", probabilities)
    after = [_measured_stage("smoothing", measure_in_subprocess(MeasureRequest(
        stage="smoothing", inputs_path=str(workdir / "probabilities.npy"), **request_base), workdir),
        "signport.live majority vote with `signport live`'s defaults")]
    return before, after


def _measured_stage(name: str, measurement: dict, note: str, complete: bool = True) -> dict:
    if measurement["status"] != "ok":
        return stage(name, None, note=f"failed to measure: {measurement['error']}")
    return stage(name, measurement["samples_ms"], note=note, complete=complete)


def model_stage_note(bundle: Bundle) -> str:
    if bundle.preprocessing.input_kind == "clip":
        return "whole clip model counted on every frame (conservative: live runs it every few frames)"
    return ""


def artifact_budgets(latency: list[dict], before: list[dict], after: list[dict], note: str) -> list[dict]:
    """One per-frame budget per runnable pipeline: each backbone (its head.bin multiply is
    negligible) and each fused model; a head artifact alone is not a pipeline."""
    budgets = []
    for row in (r for r in latency if r["role"] != "head"):
        keys = {"artifact_id": row["artifact_id"], "runtime": row["runtime"], "compute_units": row["compute_units"],
                "baseline": row["baseline"]}
        if row["status"] != "ok":
            budgets.append({**keys, "verdict": "not measured", "reason": row.get("error", "")})
            continue
        model = stage("model", row["samples_ms"], note=note)
        budgets.append({**keys, **frame_budget([*before, model, *after])})
    return budgets


def timing_frame(config: BenchConfig) -> tuple[np.ndarray, str]:
    """A camera-sized RGB frame to time preprocessing and hand detection on, and what it is."""
    from signport.data.loaders import read_image

    candidates = [Path(config.hand_frame)] if config.hand_frame else []
    if config.data and Path(config.data).is_dir():
        candidates += sorted(p for p in Path(config.data).rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[:1]
    height, width = CAMERA_FRAME_SHAPE[:2]
    if candidates:
        return read_image(candidates[0], (height, width)), f"{candidates[0].name} resized to {width}x{height}"
    model_path, _ = find_hand_model(config.hand_model, config.hand_model_dir, config.hand_variant)
    found = synthetic_hand_frame(model_path, config.seed) if model_path is not None else None
    if found is not None:
        return found
    frame = np.random.default_rng(config.seed).integers(0, 256, CAMERA_FRAME_SHAPE, dtype=np.uint8)
    return frame, f"a synthetic {width}x{height} noise frame"


def synthetic_hand_frame(model_path: Path, seed: int, tries: int = 64) -> tuple[np.ndarray, str] | None:
    """The first synthetic letter image in which MediaPipe finds a hand, at camera size.

    MediaPipe recognises a fraction of the generator's drawn hands; timing the hand stage on one
    of them measures the full detection + landmark path (a frame without a hand would time the
    palm detector alone), so the 30 fps gate can be complete without any real photo.
    """
    from signport.core.labels import ASL_LETTERS
    from signport.data.synth import render_letter, sample_signer
    from signport.hands.landmarker import HandLandmarker

    height, width = CAMERA_FRAME_SHAPE[:2]
    # The generator frames a hand like the ASL Alphabet photos (palm ~0.4 of the image); MediaPipe's
    # palm detector finds drawn hands far more often at arm's length, so the letter image is
    # pasted at a third of the frame height on its own background colour.
    size = height // 3
    top, left = (height - size) // 2, (width - size) // 2
    rng = np.random.default_rng(seed)
    landmarker = HandLandmarker(model_path, mode="image")
    try:
        for attempt in range(tries):
            label = ASL_LETTERS[attempt % 26]  # letters only: "nothing" has no hand
            image, _ = render_letter(label, sample_signer(rng), rng, size=size)
            frame = np.empty(CAMERA_FRAME_SHAPE, np.uint8)
            frame[:] = image[0, 0]
            frame[top:top + size, left:left + size] = image
            if landmarker.detect(frame):
                return frame, f"a synthetic {width}x{height} frame of the letter {label} in which MediaPipe finds a hand"
    finally:
        landmarker.close()
    return None


# ---------------------------------------------------------------- MACs

def model_macs(bundle: Bundle) -> dict:
    """MACs per inference of the bundle's architecture (weights do not change the count)."""
    import torch

    from signport.models.macs import count_macs
    from signport.models import build_model

    arch = bundle.manifest["architecture"]
    model = build_model(arch["name"], len(bundle.labels), **{**arch["args"], "weights": "none"}).eval()
    backbone = count_macs(model.backbone, torch.zeros(bundle.preprocessing.input_shape(1)))
    head = count_macs(model.head, torch.zeros(1, model.embedding_size))
    return {"backbone": backbone, "head": head, "model": backbone + head}


# ---------------------------------------------------------------- the run

def bench_on_host(bundle: Bundle, config: BenchConfig, profile: DeviceProfile, device: dict) -> dict:
    """Everything one `signport bench` measures on this machine, as one run record."""
    threads, affinity = resolve_threads(profile, config.threads, available_cores())
    checkpoint, checkpoint_why = resolve_checkpoint(bundle, config.checkpoint)
    heldout = heldout_for(bundle, config)
    run = {
        "device": device, "bundle": bundle.name, "profile": profile.name, "label": profile.label, "labels": bundle.labels,
        "created": utc_now(), "host": {**host_description(), "load_average_before": _load_average()},
        "settings": {"threads": threads, "cpu_affinity": affinity, "warmup": config.warmup,
                     "min_iterations": config.min_iterations, "max_iterations": config.iterations,
                     "max_seconds": config.max_seconds, "samples": len(heldout.inputs), "seed": config.seed,
                     "profile_description": profile.description},
        "macs": model_macs(bundle),
        "results": [], "parity": None, "budget": None,
    }
    reference = None
    if config.parity or config.latency:
        # Latency alone needs one reference embedding (the input of head artifacts), not the whole set.
        inputs = heldout.inputs if config.parity else heldout.inputs[:1]
        reference = (eager_reference(bundle, checkpoint, checkpoint_why, inputs, threads) if checkpoint
                     else artifact_reference(bundle, inputs, threads, checkpoint_why))
    if config.parity:
        thresholds, thresholds_source = parity_thresholds(bundle, config)
        rows = [artifact_parity(bundle, a, heldout, reference, threads, thresholds)
                for a in tqdm(bundle.artifacts, desc="parity", unit="artifact", leave=False)]
        rows += [not_built_row(skipped) for skipped in bundle.manifest.get("skipped", [])]
        run["parity"] = {"reference": reference.to_dict(), "heldout": heldout.source, "labelled": heldout.labels is not None,
                         "thresholds": {**vars(thresholds), "source": thresholds_source}, "artifacts": rows}
    if config.latency:
        with tempfile.TemporaryDirectory(prefix="signport-bench-") as tmp:
            workdir = Path(tmp)
            inputs = {"model": workdir / "model_input.npy", "embedding": workdir / "embedding_input.npy"}
            np.save(inputs["model"], np.ascontiguousarray(heldout.inputs[:1]))
            embedding = (reference.embeddings[:1] if reference.embeddings is not None
                         else np.random.default_rng(config.seed).standard_normal((1, bundle.manifest["embedding_size"])))
            np.save(inputs["embedding"], np.ascontiguousarray(embedding, np.float32))
            request_base = {"threads": threads, "cpu_affinity": affinity, "warmup_iterations": config.warmup,
                            "min_iterations": config.min_iterations, "max_iterations": config.iterations,
                            "max_seconds": config.max_seconds}
            run["results"] = measure_latency(latency_targets(bundle, checkpoint), inputs, request_base, workdir,
                                             profile.label, run["macs"])
            frame, frame_source = timing_frame(config)
            before, after = pipeline_stages(bundle, config, frame, frame_source, request_base, workdir)
        budgets = artifact_budgets(run["results"], before, after, model_stage_note(bundle))
        run["budget"] = {"label": profile.label, "stages": frame_budget(before + after)["stages"], "artifacts": budgets,
                         "verdict": overall_gate([b["verdict"] for b in budgets if not b["baseline"]])}
    if config.profile_ops:
        run["op_profiles"] = operator_profiles(bundle, config, threads, heldout)
    run["host"]["load_average_after"] = _load_average()
    run["verdicts"] = host_verdicts(run, profile.emulated)
    run["verdict"] = run_verdict(run)
    return run


def operator_profiles(bundle: Bundle, config: BenchConfig, threads: int, heldout: HeldoutSet) -> dict:
    """`--profile-ops`: per-operator time of each runnable artifact and, on real --data, where int8
    departs from fp32 layer by layer."""
    from signport.device_bench.op_profile import profile_artifacts
    from signport.export.int8_debug import bundle_int8_layer_errors

    block = {"profiles": profile_artifacts(bundle, threads, heldout.inputs[:1], config.profile_iterations)}
    if config.data is None:
        block["int8_layers"] = {"status": "not measured",
                                "reason": "pass --data with real held-out inputs: random or synthetic inputs hide where int8 loses accuracy"}
    else:
        block["int8_layers"] = bundle_int8_layer_errors(bundle.root, bundle.manifest, heldout.inputs[:32], config.sqnr_threshold_db)
    return block


def _load_average() -> float | None:
    """1-minute load average: on a shared machine other processes inflate every timing."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def run_verdict(run: dict) -> dict:
    """Pass/fail of a run and its exit code: 1 when any parity verdict fails, any artifact fails
    to load or run, or no artifact fits the 30 fps budget."""
    parity_rows = (run.get("parity") or {}).get("artifacts", [])
    failed_parity = [r["artifact_id"] for r in parity_rows if r["status"] in ("fail", "error")]
    failed_latency = [r["artifact_id"] for r in run.get("results", []) if r.get("status") == "failed"]
    gate = (run.get("budget") or {}).get("verdict", "not measured")
    exit_code = 1 if failed_parity or failed_latency or gate == "fail" else 0
    return {"parity": ("fail" if failed_parity else "pass") if parity_rows else "not measured",
            "failed_parity": failed_parity, "failed_latency": failed_latency, "fps_gate": gate, "exit_code": exit_code}
