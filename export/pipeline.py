"""The export pipeline: checkpoint -> bundle, as a short sequence of named stages.

    load      checkpoint -> SignModel, preprocessing, head
    inputs    calibration + held-out parity inputs (disjoint)
    reference eager fp32 embeddings and logits on the parity inputs
    artifacts for each (format, role, precision): export, then verify parity at once
    manifest  rows + toolchain versions, schema-validated, sha256-verified

Everything is written into a staging folder that replaces `--out` only when every stage
succeeded, so a failed export leaves no half-written bundle and no stale manifest.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from signport.core import atomic
from signport.core.errors import BundleError, InputError, ToolchainError, VerdictError
from signport.core.manifest import MANIFEST_FILE, load_manifest, validate_manifest
from signport.core.preprocessing import Preprocessing
from signport.export.bundle_writer import ARTIFACT_OPTIONS, artifact_row, base_manifest, carry_over, skipped_row, write_head_files
from signport.export.calibration import InputSamples, build_input_samples
from signport.export.config import ExportConfig
from signport.export.formats import ArtifactRequest, ArtifactSkipped, ExportContext, ExportedArtifact, ExportJob, get_format
from signport.export.modules import export_parts, run_module
from signport.export.op_check import coverage_from_rows
from signport.export.parity import parity_metrics, parity_verdict, softmax

log = logging.getLogger(__name__)


@dataclass
class EagerReference:
    """Eager fp32 outputs on the parity inputs: what every artifact is compared to."""

    embedding: np.ndarray
    logits: np.ndarray
    head_weight: np.ndarray
    head_bias: np.ndarray


@dataclass
class ExportReport:
    bundle_dir: Path
    manifest: dict
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def failures(self) -> list[str]:
        return [f"{a['id']}: {'; '.join(a['parity']['failures'])}" for a in self.manifest["artifacts"]
                if a.get("parity") and a["parity"].get("passed") is False]


def export_bundle(config: ExportConfig, samples: InputSamples | None = None, progress: bool = False) -> ExportReport:
    """Export `config.checkpoint` into the bundle folder `config.out`.

    `samples` lets a caller pass its own calibration/parity inputs (e.g. real data from a
    loader); without it they come from `config.calibration`.
    """
    from signport.models import model_from_checkpoint
    from signport.models.head_io import head_from_model

    stage_seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def finish(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stage_seconds[stage] = round(now - clock, 3)
        clock = now

    previous = check_out_dir(config.out)
    model, meta = model_from_checkpoint(config.checkpoint)
    if len(meta.labels) < 2:  # the manifest schema (and every app) needs a choice between classes
        raise InputError(f"--from {config.checkpoint}: the checkpoint knows one class ({', '.join(meta.labels)}); "
                         "train on data with at least two classes")
    prep = Preprocessing.from_dict(meta.preprocessing)
    head = head_from_model(
        model, meta.labels, fingerprint=meta.backbone_fingerprint, metrics=meta.metrics,
        source={"kind": "checkpoint", "checkpoint": Path(config.checkpoint).name},
    )
    finish("load")

    needs_calibration = "int8" in config.quant or "auto" in config.quant
    if samples is None:
        samples = build_input_samples(
            config.calibration, prep, calibration_count=config.calibration_samples, parity_count=config.parity_samples,
            needs_calibration=needs_calibration, seed=config.seed,
        )
    if needs_calibration and (samples.calibration is None or len(samples.calibration) == 0):
        raise InputError("int8 export needs calibration inputs: pass --calibration DIR or --calibration synthetic")
    finish("inputs")

    search = None
    if "auto" in config.quant:
        search = run_quant_search(model, meta, prep, samples, config)
        config = dataclasses.replace(config, quant=search.quant, float_layers=search.float_layers)
        finish("quant_search")

    parts = {p.role: p for p in export_parts(model, prep.input_kind, prep.input_shape(1), config.fused)}
    embedding = run_module(model.backbone, samples.parity)
    reference = EagerReference(embedding, run_module(model.head, embedding), head.weight, head.bias)
    calibration = {"backbone": samples.calibration, "model": samples.calibration}
    if samples.calibration is not None:
        calibration["head"] = run_module(model.backbone, samples.calibration)
    finish("reference")

    context = ExportContext(model.family, list(meta.labels), meta.preprocessing, meta.backbone_fingerprint, config.name or Path(config.checkpoint).resolve().name)
    plan = [(fmt, request) for fmt in map(get_format, config.formats) for request in fmt.requests(config, list(parts))]
    with atomic.staged_directory(config.out) as stage:
        manifest = base_manifest(
            name=context.bundle_name, meta=meta, model_family=model.family, head_block=write_head_files(stage, head),
            options={k: getattr(config, k) for k in ARTIFACT_OPTIONS}, checkpoint_path=config.checkpoint,
        )
        for fmt, request in _progress(plan, progress):
            part = parts[request.role]
            target = stage / request.relative_path
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                artifact = fmt.run(ExportJob(
                    request, part, part.for_format(model.family, fmt.name),
                    calibration.get(request.role) if request.verdict_kind == "int8" else None, target, config, context,
                ))
                parity = artifact.parity_here or measure_parity(artifact, reference, samples, config)
            except ArtifactSkipped as skipped:
                _remove(target)
                manifest["skipped"].append(skipped_row(request, skipped.status, str(skipped)))
                log.debug("%-40s %s: %s", request.id, skipped.status, skipped)
                continue
            manifest["artifacts"].append(artifact_row(stage, artifact, parity))
            log.debug("%-40s %s", request.id, _parity_summary(parity))
        finish("artifacts")
        if not any(a["role"] != "head" for a in manifest["artifacts"]):
            # A head alone is useless: an app needs something that takes the input.
            reasons = "; ".join(f"{s['id']}: {s['reason']}" for s in manifest["skipped"])
            raise ToolchainError(f"nothing could be exported ({reasons})")
        manifest["calibration"] = samples.describe()
        manifest["op_coverage"] = coverage_from_rows(manifest["artifacts"], manifest["skipped"])
        if search is not None:
            manifest["quant_search"] = search.to_dict()
            from signport.device_bench.plots import accuracy_latency_points

            if accuracy_latency_points(manifest["quant_search"]["points"], stage / "quant_search.png",
                                       f"--quant auto: accuracy vs latency ({search.settings.get('profile')})"):
                manifest["quant_search"]["plot"] = "quant_search.png"
        manifest["verification"] = {
            "reference": "PyTorch eager fp32 on the held-out parity inputs",
            "inputs": samples.source,
            "thresholds": vars(config.thresholds),
            "passed": all(a["parity"].get("passed", True) for a in manifest["artifacts"]),
        }
        validate_manifest(manifest, stage / MANIFEST_FILE)
        atomic.write_json(stage / MANIFEST_FILE, manifest)
        load_manifest(stage)  # re-read and re-hash: what we commit is what a reader will see
        if previous is not None:  # re-export: keep what the old bundle did not own (bench/ results)
            carry_over(Path(config.out), stage, previous.manifest)
        report = ExportReport(Path(config.out), manifest, stage_seconds)
        if report.failures and config.on_parity_failure == "fail":
            raise VerdictError(
                "parity check failed, no bundle written: " + " | ".join(report.failures)
                + "; use a trained model and real --calibration data, loosen the thresholds, or pass --on-parity-failure warn to inspect"
            )
        finish("manifest")
    return report


def run_quant_search(model, meta, prep: Preprocessing, samples: InputSamples, config: ExportConfig):
    """--quant auto: labelled real data from --data, threads from --profile; see export.quant_search."""
    from signport.device_bench.heldout import real_heldout
    from signport.device_bench.profiles import available_cores, get_profile, resolve_threads
    from signport.export.modules import apply_pre_export_transforms
    from signport.export.quant_search import search_quantisation

    if config.data is None:
        raise InputError("--quant auto measures top-1 on labelled data: pass --data DIR (e.g. image class folders held out from training)")
    profile = get_profile(config.profile)
    threads, _ = resolve_threads(profile, config.threads, available_cores())
    heldout = real_heldout(Path(config.data), prep, list(meta.labels), config.search_samples, config.seed)
    module = apply_pre_export_transforms(model, model.family, "executorch")
    result = search_quantisation(module, samples.calibration, heldout.inputs, heldout.labels, threads,
                                 config.max_accuracy_drop, config.budget_ms, base_float=config.float_layers)
    result.settings = {"profile": profile.name, "threads": threads, "data": heldout.source,
                       "max_accuracy_drop_points": config.max_accuracy_drop, "budget_ms": config.budget_ms,
                       "measured": "ExecuTorch XNNPACK on this host" + (" (emulated profile: not a phone's timing)" if profile.emulated else "")}
    return result


def measure_parity(artifact: ExportedArtifact, reference: EagerReference, samples: InputSamples, config: ExportConfig) -> dict:
    """Run the artifact through signport.runtime (the bench's and the apps' runtimes) on the
    held-out inputs and compare with eager fp32."""
    from signport.runtime import load_runner

    request = artifact.request
    try:
        runner = load_runner(artifact.path, request.format, config.threads)
        if request.role == "backbone":
            embedding = runner.run(samples.parity)
            metrics = parity_metrics(reference.logits, embedding @ reference.head_weight.T + reference.head_bias, reference.embedding, embedding)
        elif request.role == "head":
            metrics = parity_metrics(reference.logits, runner.run(reference.embedding))
        else:
            expected = softmax(reference.logits) if artifact.outputs_probabilities else reference.logits
            metrics = parity_metrics(expected, runner.run(samples.parity))
    except ToolchainError as e:
        # The program was built but its runtime cannot execute it: an operator it lacks.
        raise ArtifactSkipped(f"built, but {e} ({'; '.join(artifact.notes)})", status="unsupported") from e
    verdict = parity_verdict(metrics, request.verdict_kind, config.thresholds)
    return {"measured": True, "runtime": request.format, "measured_on": measured_on(), **metrics, **verdict}


def measured_on() -> dict:
    """The host a parity figure was measured on: int8 agreement can depend on its ISA."""
    from signport.core.host import host_description

    host = host_description()
    return {key: host[key] for key in ("cpu", "isa", "cpu_features")}


@dataclass
class PreviousBundle:
    """The bundle a re-export replaces; `manifest` None when its manifest cannot be read."""

    manifest: dict | None


def check_out_dir(out: Path) -> PreviousBundle | None:
    """Never replace a folder that is not a bundle: staged_directory swaps `out` whole.
    Returns the bundle being replaced (its results are carried over), None for a new folder."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST_FILE).is_file())):
        raise InputError(f"--out {out} exists and is not a signport bundle; choose a new folder (an existing bundle is replaced)")
    if not (out / MANIFEST_FILE).is_file():
        return None
    try:
        return PreviousBundle(load_manifest(out, verify_files=False))
    except BundleError as e:
        log.warning("replacing %s, whose manifest cannot be read (%s): only its bench/ folder is kept", out, e)
        return PreviousBundle(None)


def _progress(plan: list[tuple[object, ArtifactRequest]], enabled: bool):
    if not enabled:
        yield from plan
        return
    from tqdm import tqdm

    with tqdm(plan, unit="artifact", desc="export") as bar:
        for fmt, request in bar:
            bar.set_postfix_str(request.id)
            yield fmt, request


def _parity_summary(parity: dict) -> str:
    if not parity.get("measured"):
        return parity.get("reason", "not measured")
    verdict = "ok" if parity["passed"] else "FAIL " + "; ".join(parity["failures"])
    return f"top-1 {parity['top1_agreement']:.3f}, max |Δ|/range {parity['max_logit_delta_rel_range']:.2e} [{verdict}]"


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()

