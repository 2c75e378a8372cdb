"""The report a user reads after the quickstart, built only from what the steps wrote to disk."""

from __future__ import annotations

import json
from pathlib import Path

from signport.core.host import host_line
from signport.quickstart.config import QuickstartConfig
from signport.quickstart.plan import PERSONALISED_MODEL, Layout
from signport.quickstart.runner import StepResult
from signport.report import Figure, Report, Section, Table

TRAINED_SIZE_KEYS = ("width", "input_size", "clip_length", "hidden")
FULL_SIZE = {"mobilenet_v2": "width 1.0 at 224 px", "mobilenet_v2_3d": "width 1.0 at 112 px x 32 frames", "landmarks": "MLP 256-128"}


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _size(size: int) -> str:
    return f"{size / 1e6:.2f} MB" if size >= 1e5 else f"{size / 1e3:.1f} kB"


def steps_section(config: QuickstartConfig, results: list[StepResult], total_seconds: float) -> Section:
    rows = []
    for result in results:
        status = "PASS" if result.ok else ("FAIL (verdict)" if result.step.verdict else "FAIL")
        if result.skipped:
            status += " (earlier run)"
        rows.append([result.step.title, status, f"{result.seconds:.0f}", "signport " + " ".join(result.step.argv)])
    mode = "fast smoke run (tiny data and models)" if config.fast else "full run (reduced model size for a laptop CPU)"
    return Section("Summary", [
        f"{mode}; {sum(r.seconds for r in results) / 60:.1f} min of step time on a {host_line()}"
        + (f" ({total_seconds / 60:.1f} min in this invocation; the rest in earlier ones it resumed from)."
           if any(r.skipped for r in results) else "."),
        "Every step is a `signport` command; run any of them again by hand with the command shown. All timings in this "
        "report were measured on this host; phone-profile numbers are host-measured, emulated, never phone numbers.",
    ], [Table(["step", "status", "seconds", "command"], rows)])


def data_section(layout: Layout) -> Section | None:
    rows = []
    for kind in ("letters", "clips", "user_recordings"):
        meta = _read_json(layout.data / kind / "synth.json")
        if meta:
            counts = meta.get("counts", {})
            rows.append([kind, ", ".join(f"{k} {v}" for k, v in counts.items()), str(layout.data / kind)])
    if not rows:
        return None
    return Section("Synthetic data", ["Rendered by `signport data synth` (deterministic for the seed). The user recordings "
                                      "come from a signer of the shifted 'new' population, the personalisation target."],
                   [Table(["output", "counts", "folder"], rows)])


def training_section(layout: Layout, models: tuple[str, ...]) -> Section:
    section = Section("Training", ["Models are trained from scratch on the synthetic data at reduced size so the run fits a "
                                   "laptop CPU; the full-size architectures are listed for comparison. Test split = held out "
                                   "by the trainer, never seen in training or model selection."])
    rows = []
    for model in models:
        meta = _read_json(layout.run(model) / "checkpoint.json")
        if meta is None:
            rows.append([model, "not trained", "", "", "", "", ""])
            continue
        args = meta["arch_args"]
        size = ", ".join(f"{k} {args[k]}" for k in TRAINED_SIZE_KEYS if k in args)
        test = meta["metrics"].get("test") or {}  # None when the data had too few clips for a test split
        rows.append([model, f"{size} (full: {FULL_SIZE[model]})", len(meta["labels"]), _pct(test.get("top1")),
                     _pct(test.get("top5")), f"{test.get('macro_f1', float('nan')):.3f}",
                     f"{meta['metrics'].get('train_seconds', 0):.0f}"])
        for name, caption in (("curves.png", "training curves"), ("evaluation/confusion.png", "test-split confusion matrix")):
            if (layout.run(model) / name).is_file():
                section.figures.append(Figure(layout.run(model) / name, f"{model}: {caption}"))
    section.tables.append(Table(["model", "size trained (reduced)", "classes", "test top-1", "test top-5", "macro F1", "train s"], rows))
    return section


def _latest_run(layout: Layout, model: str) -> dict | None:
    results = _read_json(layout.bench(model) / "results.json")
    if not results or not results.get("runs"):
        return None
    return max(results["runs"].values(), key=lambda run: run["created"])


def formats_section(layout: Layout, models: tuple[str, ...]) -> Section:
    """Formats x precision x size x p50 latency x parity: the table users ship on."""
    rows = []
    for model in models:
        manifest = _read_json(layout.bundle(model) / "manifest.json")
        if manifest is None:
            continue
        run = _latest_run(layout, model) or {}
        latency = {r["artifact_id"]: r for r in run.get("results", [])}
        bench_parity = {r["artifact_id"]: r for r in (run.get("parity") or {}).get("artifacts", [])}
        for artifact in manifest["artifacts"]:
            if artifact["role"] == "head":
                continue
            timing = latency.get(artifact["id"], {})
            p50 = (timing.get("latency_ms") or {}).get("p50")
            parity = artifact.get("parity") or {}
            if parity.get("measured"):
                agreement = f"top-1 {parity['top1_agreement']:.3f}, max|Δ| {parity['max_logit_delta_rel_range']:.1e}"
            else:
                agreement = parity.get("reason", "—").split(";")[0]
            verdict = bench_parity.get(artifact["id"], {}).get("status") or ("PASS" if parity.get("passed") else "—")
            rows.append([model, artifact["format"], artifact["precision"], artifact.get("delegate") or "—", artifact["role"],
                         _size(artifact["size_bytes"]), "—" if p50 is None else f"{p50:.2f}",
                         timing.get("status", "not run here") if p50 is None else "host-measured, emulated", agreement, verdict.upper()])
        for skipped in manifest.get("skipped", []):
            rows.append([model, skipped["format"], skipped["precision"], skipped.get("delegate") or "—", skipped["role"],
                         "—", "—", skipped["status"], skipped["reason"], "N/A"])
    return Section("Formats × precision", [
        "Every artifact of every bundle: size, p50 latency of the artifact alone (model stage) under the emulated phone "
        "profile, and its parity with eager PyTorch measured at export time. Core ML predicts only on macOS, so its parity "
        "here is the weight check done at export (the package's weights equal the checkpoint's within fp16/int8 tolerance)."],
        [Table(["model", "format", "precision", "delegate", "part", "size", "p50 ms", "measured", "parity at export", "bench verdict"], rows)])


def bench_sections(layout: Layout, models: tuple[str, ...]) -> list[Section]:
    from signport.device_bench.report import budget_tables

    sections = []
    for model in models:
        run = _latest_run(layout, model)
        if run is None or not run.get("budget"):
            continue
        stages, totals = budget_tables(run["budget"])
        verdict = run["verdict"]
        section = Section(f"30 fps gate — {model} ({run['label']})", [
            f"Gate {run['budget']['verdict'].upper()}, parity {verdict['parity'].upper()} (profile {run['profile']}). The whole "
            "per-frame pipeline (preprocessing, MediaPipe hand detection where the model needs a hand, model, smoothing) "
            "must fit 33.3 ms at p90."], [stages, totals])
        for name, caption in (("frame_budget.png", "per-frame pipeline vs the 33.3 ms budget"), ("latency.png", "latency distribution per runtime")):
            path = next(iter(sorted((layout.bench(model) / "report_assets").glob(f"*_{name}"))), None)
            if path:
                section.figures.append(Figure(path, f"{model}: {caption} ({run['label']})"))
        section.paragraphs.append(f"Full bench report: {layout.bench(model) / 'report.html'}")
        sections.append(section)
    return sections


def personalisation_section(layout: Layout) -> Section | None:
    head = _read_json(layout.head.with_suffix(".json"))
    if head is None:
        return None
    meta = _read_json(layout.run(PERSONALISED_MODEL) / "checkpoint.json") or {}
    metrics, source = head["metrics"], head["source"]
    base_test = ((meta.get("metrics") or {}).get("test") or {}).get("top1")
    manifest = _read_json(layout.bundle(PERSONALISED_MODEL) / "manifest.json") or {}
    swapped = manifest.get("head", {}).get("backbone_fingerprint") == head["backbone_fingerprint"] and \
        (manifest.get("head", {}).get("source") or {}).get("kind") == "finetune"
    rows = [
        ["base model, its training signers (test split)", _pct(base_test), "—"],
        ["base model, the new signer (held-out frames)", _pct(metrics["before"]["top1"]), _pct(metrics["before"]["top5"])],
        [f"head-only fine-tune, {source['seconds_per_letter']:g} s per letter ({source['optimizer']})", _pct(metrics["after"]["top1"]), _pct(metrics["after"]["top5"])],
    ]
    section = Section("Personalisation: a new signer", [
        f"The backbone stays frozen; only the head is retrained on the first {source['seconds_per_letter']:g} s per letter of the "
        f"new signer's recordings ({metrics['train_frames']} frames, {metrics['head_train_seconds']:.1f} s of head training), and "
        f"scored on later frames of the same recordings ({metrics['heldout_frames']} frames, {source['gap_seconds']:g} s gap).",
        f"Hot-swap: {'the new head is installed in ' + str(layout.bundle(PERSONALISED_MODEL)) + ' (backbone files untouched)' if swapped else 'the bundle still carries the base head'}.",
    ], [Table(["model", "top-1", "top-5"], rows)])
    confusion = layout.head.parent / f"{layout.head.name}.confusion.png"
    if confusion.is_file():
        section.figures.append(Figure(confusion, "new signer: confusion matrix of the fine-tuned head"))
    return section


def locations_section(layout: Layout, models: tuple[str, ...]) -> Section:
    rows = [["synthetic data", str(layout.data)], ["hand model", str(layout.models)]]
    rows += [[f"{m} checkpoint", str(layout.run(m))] for m in models]
    rows += [[f"{m} bundle (ship this)", str(layout.bundle(m))] for m in models]
    rows += [[f"{m} bench report", str(layout.bench(m) / "report.html")] for m in models]
    rows.append(["new signer's head", str(layout.head.with_suffix(".safetensors"))])
    return Section("Where everything is", ["Bundles are what the iOS and Android demos load (see ios_demo/ and android_demo/)."],
                   [Table(["what", "path"], rows)])


def build_report(config: QuickstartConfig, layout: Layout, results: list[StepResult], total_seconds: float) -> Report:
    models = config.model_list
    sections = [steps_section(config, results, total_seconds), data_section(layout), training_section(layout, models),
                formats_section(layout, models), *bench_sections(layout, models), personalisation_section(layout),
                locations_section(layout, models)]
    return Report("signport quickstart", [s for s in sections if s is not None],
                  subtitle="Synthetic data → training → ExecuTorch / Core ML / ONNX bundles → parity and 30 fps → personalisation")
