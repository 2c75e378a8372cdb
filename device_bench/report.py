"""The bench report of a results file: a per-device summary, then each run's parity, latency and
30 fps budget tables with plots. Built as a signport.report Report (rendered to report.md and
report.html) and as plain tables for the terminal.

Status cells start with PASS / FAIL / ERROR / N/A / INCOMPLETE, which the renderer colours;
a failed row is red as a whole.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from signport.device_bench import plots
from signport.device_bench.results import run_key, runs_newest_first
from signport.report import Figure, Report, Section, Table, write_report

LABELS_NOTE = ("Every timing is labelled with how it was measured: host-measured (this computer), "
               "host-measured, emulated (this computer under a phone profile's thread budget: NOT a phone number) "
               "or device-measured (on the phone, by the demo app's benchmark mode).")
VERDICT_WORDS = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "failed": "ERROR", "unavailable": "N/A",
                 "incomplete": "INCOMPLETE", "reference": "REFERENCE", "not measured": "N/A", "ok": "OK"}


# ---------------------------------------------------------------- formatting

def ms(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 0.01:
        return f"{value:.4f}"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def g3(value) -> str:
    return "—" if value is None else f"{value:.3g}"


def count(value: float) -> str:
    for scale, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if value >= scale:
            return f"{value / scale:.2f}{suffix}"
    return f"{value:.0f}"


def status_cell(status: str, detail: str = "") -> str:
    word = VERDICT_WORDS.get(status, status.upper())
    return f"{word} — {detail}" if detail else word


def run_title(run: dict) -> str:
    return f"{run['bundle']} on {run['device']['name']}, profile {run.get('profile', 'device')} ({run['label']}), {run['created']}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80]


def _runtime(row: dict) -> str:
    units = row.get("compute_units")
    return f"{row['runtime']} [{units}]" if units else row["runtime"]


# ---------------------------------------------------------------- tables

def summary_table(runs: list[dict]) -> Table:
    """One row per runtime measurement of every run: the per-device comparison."""
    rows = []
    for run in runs:
        parity = {r["artifact_id"]: r["status"] for r in (run.get("parity") or {}).get("artifacts", [])}
        gates = {(b["artifact_id"], b["compute_units"]): b["verdict"] for b in (run.get("budget") or {}).get("artifacts", [])}
        for row in run["results"]:
            latency = row.get("latency_ms") or {}
            ok = row.get("status", "ok") == "ok"
            verdict = parity.get(row["artifact_id"])
            gate = gates.get((row["artifact_id"], row["compute_units"]))
            rows.append([
                run["device"]["name"], run.get("profile", "device"), row.get("label", run["label"]), run["created"],
                row["artifact_id"], _runtime(row), row["threads"], ms(latency.get("p50")), ms(latency.get("p90")),
                f"{row['fps']:.1f}" if ok else "—",
                "baseline" if row.get("baseline") else status_cell(verdict) if verdict else "—",
                # the eager baseline is never shipped: its gate is shown, not judged
                (f"baseline: {gate}" if row.get("baseline") else status_cell(gate)) if gate else "—",
                "OK" if ok else status_cell(row["status"], row.get("error", "")),
            ])
    return Table(["device", "profile", "measured", "created", "artifact", "runtime", "threads", "p50 ms", "p90 ms", "fps",
                  "parity", "30 fps gate", "status"], rows)


def parity_table(parity: dict) -> Table:
    labelled = parity["labelled"]
    columns = ["artifact", "format", "precision", "role", "delegate", "verdict", "top-1 agreement", "max |Δlogit|",
               "max |Δlogit| / logit range", "mean |Δlogit|", "embedding cosine (min)"]
    columns += ["accuracy: reference → artifact", "worst class Δ accuracy"] if labelled else []
    columns += ["thresholds"]
    rows = []
    for row in parity["artifacts"]:
        m = row.get("metrics") or {}
        cells = [row["artifact_id"], row["format"], row["precision"], row["role"], row.get("delegate") or "—",
                 status_cell(row["status"], "; ".join(row.get("reasons", []))),
                 pct(m.get("top1_agreement")), g3(m.get("max_abs_logit_delta")), g3(m.get("max_logit_delta_rel_range")),
                 g3(m.get("mean_abs_logit_delta")), g3(m.get("embedding_cosine_min"))]
        if labelled:
            deltas = [d for d in m.get("per_class_accuracy_delta", []) if d is not None]
            cells += [f"{pct(m.get('reference_accuracy'))} → {pct(m.get('accuracy'))}" if m else "—",
                      f"{min(deltas):+.2%}" if deltas else "—"]
        cells.append(", ".join(f"{k} {v}" for k, v in (row.get("thresholds") or {}).items()) or "—")
        rows.append(cells)
    return Table(columns, rows, caption="Parity of every artifact against the reference on the same held-out inputs")


def latency_table(rows: list[dict], label: str) -> Table:
    baseline = next((r["latency_ms"]["p50"] for r in rows if r.get("baseline") and r.get("status") == "ok"), None)
    table_rows = []
    for row in rows:
        lat = row.get("latency_ms") or {}
        ok = row.get("status", "ok") == "ok"
        if row.get("baseline"):
            speedup = "baseline"
        else:
            speedup = f"{baseline / lat['p50']:.1f}×" if ok and baseline else "—"
        table_rows.append([
            row["artifact_id"], _runtime(row), row["threads"] if row["threads"] is not None else "own",
            ms(lat.get("p50")), ms(lat.get("p90")), ms(lat.get("p99")), ms(lat.get("mean")),
            f"{row['fps']:.1f}" if ok else "—", speedup, ms(row.get("load_ms")),
            f"{row['peak_rss_mb']:.0f}" if row.get("peak_rss_mb") else "—",
            f"{row['model_rss_mb']:.0f}" if row.get("model_rss_mb") is not None else "—",
            f"{row['macs_per_second'] / 1e9:.2f}" if row.get("macs_per_second") else "—",
            row.get("iterations", "—"), row.get("label", label),
            "OK" if ok else status_cell(row["status"], row.get("error", "")),
        ])
    return Table(["artifact", "runtime", "threads", "p50 ms", "p90 ms", "p99 ms", "mean ms", "fps", "speed-up vs eager (p50)",
                  "load ms", "peak RSS MB", "model RSS MB", "GMAC/s", "iterations", "measured", "status"], table_rows,
                 caption=f"Latency per inference, batch 1, same input and thread count for every runtime ({label})")


def budget_tables(budget: dict) -> tuple[Table, Table]:
    label = budget["label"]
    stage_rows = [[s["stage"], ms(s["p50_ms"]), ms(s["p90_ms"]), label if s["p50_ms"] is not None else "—",
                   s["note"] if s["complete"] else status_cell("incomplete", s["note"])] for s in budget["stages"]]
    stages = Table(["stage", "p50 ms", "p90 ms", "measured", "note"], stage_rows,
                   caption=f"Per-frame stages around the model ({label})")
    total_rows = []
    for b in budget["artifacts"]:
        name = b["artifact_id"] + (" (eager baseline, not shipped)" if b["baseline"] else "")
        if "total_p50_ms" not in b:
            total_rows.append([name, b["runtime"], "—", "—", "—", "—", label, status_cell(b["verdict"], b.get("reason", ""))])
            continue
        missing = f"missing: {', '.join(b['missing'])}" if b["missing"] else ""
        gate = f"baseline: {b['verdict']}" if b["baseline"] else status_cell(b["verdict"], missing)
        total_rows.append([name, _runtime(b), ms(b["total_p50_ms"]), ms(b["total_p90_ms"]), ms(b["budget_ms"]),
                           ms(b["headroom_ms"]), label, gate])
    totals = Table(["artifact", "runtime", "pipeline p50 ms", "pipeline p90 ms", "budget ms", "headroom ms (p90)",
                    "measured", "30 fps gate"], total_rows, caption=f"Whole pipeline per frame against 33.3 ms ({label})")
    return stages, totals


def table_text(table: Table) -> str:
    """A plain aligned table for the terminal; failed rows are marked ✗."""
    def failed(row):
        return any(str(c).startswith(("FAIL", "ERROR")) for c in row)

    rows = [list(table.columns)] + [[("✗ " if failed(r) and i == 0 else "") + table.cell_text(c) for i, c in enumerate(r)]
                                    for r in table.rows]
    widths = [min(60, max(len(r[i]) for r in rows)) for i in range(len(table.columns))]
    return "\n".join("  ".join(c[:60].ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


# ---------------------------------------------------------------- the report

def run_sections(run: dict, plot_dir: Path) -> list[Section]:
    """The detailed sections of one run, plots written under plot_dir."""
    label = run["label"]
    where = f"{run['device']['name']}, {run.get('profile', 'device')}"
    overview = Section(run_title(run), [f"Measured: {label}."
                                        + (" Timings of this host under the profile's thread budget, not of a phone."
                                           if label.endswith("emulated") else "")])
    host, settings = run.get("host"), run.get("settings")
    if host:
        isa = f", {host['isa']}" if host.get("isa") else ""
        overview.paragraphs.append(f"Host: {host['machine']} ({host['cpu']}{isa}), {host['os']}. Parity and latency "
                                   "below were measured on this host; int8 speed (and, for host-dependent int8 settings, "
                                   "int8 agreement) depends on its ISA.")
        loads = [v for v in (host.get("load_average_before"), host.get("load_average_after")) if v is not None]
        if loads:
            busy = max(loads) > 0.5 * host["cores"]
            overview.paragraphs.append(
                f"Load average (1 min) {' → '.join(f'{v:.1f}' for v in loads)} on {host['cores']} cores"
                + ("; other processes competed for the CPU, so every timing here is inflated: re-run on an idle machine "
                   "for absolute numbers (ratios measured in the same run are affected less)." if busy else "."))
    if settings:
        overview.paragraphs.append(
            f"Settings: {settings['threads']} threads for every CPU runtime, CPU affinity {settings['cpu_affinity'] or 'not pinned'}; "
            f"{settings['warmup']} warm-up iterations, then {settings['min_iterations']}–{settings['max_iterations']} timed "
            f"iterations or {settings['max_seconds']} s per runtime, each runtime in a fresh process.")
    if run.get("verdict"):
        v = run["verdict"]
        overview.paragraphs.append(
            f"Verdict: parity {v['parity'].upper()}, 30 fps gate {v['fps_gate'].upper()}, "
            f"failed to run: {', '.join(v['failed_latency']) or 'none'}; exit code {v['exit_code']}.")
    sections = [overview]

    parity = run.get("parity")
    if parity:
        thresholds = parity.get("thresholds") or {}
        rules = (f"Verdicts ({thresholds.get('source', 'default')} thresholds): float artifacts need top-1 agreement "
                 f">= {thresholds.get('fp32_min_top1_agreement')} and max |Δlogit| <= {thresholds.get('fp32_max_logit_delta')} × "
                 f"logit range; int8 artifacts top-1 agreement >= {thresholds.get('int8_min_top1_agreement')}.")
        section = Section(f"Parity — {where}", [f"Reference: {parity['reference']['description']}.",
                                                 f"Held-out set: {parity['heldout']}.", rules], [parity_table(parity)])
        _add_figure(section, plots.accuracy_vs_latency(parity["artifacts"], run.get("results", []), parity["labelled"],
                                                       label, plot_dir / "accuracy_vs_latency.png"),
                    f"{'Accuracy' if parity['labelled'] else 'Agreement'} vs p50 latency per artifact ({label})")
        moved = [row for row in parity["artifacts"] if _predictions_moved(row.get("metrics"))]
        section.paragraphs.append(
            f"Predictions changed vs the reference for: {', '.join(row['artifact_id'] for row in moved)} (matrices below)."
            if moved else "No artifact changed any prediction vs the reference, so there is no confusion-matrix delta to show.")
        for row in moved:
            _add_figure(section, plots.confusion_delta(row, run.get("labels") or [], parity["labelled"],
                                                       plot_dir / f"confusion_delta_{_slug(row['artifact_id'])}.png"),
                        f"{row['artifact_id']}: confusion-matrix delta vs reference")
        sections.append(section)
    if run.get("results"):
        section = Section(f"Latency ({label}) — {where}", tables=[latency_table(run["results"], label)])
        macs = run.get("macs")
        if macs:
            section.paragraphs.append(
                f"Model: {count(macs['model'])} multiply-accumulates per inference (backbone {count(macs['backbone'])}, "
                f"head {count(macs['head'])}); GMAC/s = MACs / p50.")
        _add_figure(section, plots.latency_distribution(run["results"], label, plot_dir / "latency.png"),
                    f"Latency histogram and CDF per runtime ({label})")
        sections.append(section)
    budget = run.get("budget")
    if budget:
        stages, totals = budget_tables(budget)
        section = Section(f"30 fps budget ({label}) — {where}", [
            f"Gate: {budget['verdict'].upper()}. The p90 of the whole per-frame pipeline (stages measured separately, "
            "their timings resampled and added) must fit 33.3 ms, as `signport live` judges it; the bundle passes when at "
            "least one shipped artifact's pipeline fits, and is INCOMPLETE when a needed stage could not be measured."],
            [stages, totals])
        _add_figure(section, plots.frame_budget_bars(budget["artifacts"], label, plot_dir / "frame_budget.png"),
                    f"Per-frame pipeline time vs budget ({label})")
        sections.append(section)
    if run.get("verdicts"):
        sections.append(verdicts_section(run["verdicts"], label, where))
    if run.get("op_profiles"):
        sections += op_profile_sections(run["op_profiles"], label, where, plot_dir)
    return sections


def verdicts_table(verdicts: dict) -> Table:
    rows = [[r["runtime"], r["artifact_id"], ms(r["p50_ms"]), r["reason"]] for r in verdicts["recommended"]]
    return Table(["runtime", "recommended artifact", "p50 ms", "why"], rows, caption="Recommended artifact per runtime for this profile")


def verdicts_section(verdicts: dict, label: str, where: str) -> Section:
    section = Section(f"Which artifact to ship ({label}) — {where}", [
        f"CPU: {verdicts['isa']}; int8 dot product: {verdicts['int8_dot_product'] or 'none'} "
        f"(features: {', '.join(verdicts['cpu_features']) or 'unknown'})."])
    for c in verdicts["int8_vs_fp32"]:
        section.paragraphs.append(f"{c['runtime']} {c['role']}: {c['reason']} ({ms(c['int8_ms'])} vs {ms(c['fp32_ms'])} ms p50).")
    section.tables.append(verdicts_table(verdicts))
    gap = verdicts.get("executorch_vs_onnxruntime")
    if gap:
        section.paragraphs.append(
            f"Recommended ExecuTorch artifact {gap['executorch_id']} ({ms(gap['executorch_ms'])} ms) vs the fastest ONNX Runtime "
            f"artifact {gap['onnxruntime_id']} ({ms(gap['onnxruntime_ms'])} ms): {gap['ratio']:.2f}x"
            + (" (the per-operator profiles below show where the difference is)." if gap["ratio"] > 1 else "."))
    peak = verdicts.get("peak")
    if peak and verdicts["mac_efficiency"]:
        section.paragraphs.append(f"Host peak (model of the core, not a measurement): fp32 {peak['fp32_gmacs']:.1f} GMAC/s, "
                                  f"int8 {peak['int8_gmacs']:.1f} GMAC/s — {peak['basis']}.")
        section.tables.append(Table(["artifact", "GMAC/s", "peak GMAC/s", "of peak"], [
            [r["artifact_id"], f"{r['gmacs']:.2f}", g3(r["peak_gmacs"]), pct(r["fraction"])] for r in verdicts["mac_efficiency"]],
            caption="Achieved multiply-accumulates per second against the host's peak for the artifact's precision"))
    if verdicts.get("phone_note"):
        section.paragraphs.append(verdicts["phone_note"] + ".")
    return section


def op_profile_tables(profile: dict, top: int = 10) -> Table:
    rows = [[o["operator"], o["count"], ms(o["ms"]), pct(o["share"]), "yes" if o["delegated"] else "NO (portable kernels)",
             o["backend"]] for o in profile["operators"][:top]]
    return Table(["operator", "instances", "ms per inference (p50 sum)", "share", "delegated", "backend / provider"], rows,
                 caption=f"{profile['artifact_id']} ({profile['runtime']}): top operators by time, total {ms(profile['total_ms'])} ms "
                         f"over {profile['iterations']} profiled runs")


def op_profile_sections(block: dict, label: str, where: str, plot_dir: Path) -> list[Section]:
    profiles = block.get("profiles", [])
    section = Section(f"Per-operator profiles ({label}) — {where}", [
        "ExecuTorch: ETDump events read by ExecuTorch's Inspector with the export's ETRecord; XNNPACK reports one event per "
        "operator inside its delegate. ONNX Runtime: its built-in profiler, one event per node. Profiling adds overhead per "
        "event, so totals here run above the latency table's; compare shares and fp32 vs int8 within one table kind."])
    for profile in profiles:
        if profile.get("status") != "ok":
            section.paragraphs.append(f"{profile['artifact_id']}: {status_cell('error', profile.get('error', ''))}")
            continue
        section.tables.append(op_profile_tables(profile))
        if profile.get("undelegated"):
            section.paragraphs.append(f"{profile['artifact_id']}: outside any delegate: {', '.join(profile['undelegated'])}.")
        if profile.get("note"):
            section.paragraphs.append(f"{profile['artifact_id']}: {profile['note']}.")
    _add_figure(section, plots.layer_times(profiles, label, plot_dir / "layer_times.png"), f"Time per layer, fp32 vs int8 ({label})")
    sections = [section]
    layers = block.get("int8_layers") or {}
    int8 = Section(f"Where int8 loses accuracy — {where}")
    if layers.get("status") != "measured":
        int8.paragraphs.append(f"Not measured: {layers.get('reason', '')}.")
    else:
        for artifact_id, result in layers["artifacts"].items():
            if result.get("status") != "measured":
                int8.paragraphs.append(f"{artifact_id}: {result.get('reason')}.")
                continue
            first = result["first_below_threshold"]
            int8.paragraphs.append(
                f"{artifact_id} on {result['inputs']}: "
                + (f"first layer below {result['threshold_db']:g} dB SQNR vs fp32: #{first['index']} {first['layer']} "
                   f"({first['sqnr_db']:.1f} dB)." if first else f"every layer stays above {result['threshold_db']:g} dB SQNR vs fp32.")
                + " Largest drops: " + ", ".join(f"{d['layer']} (-{d['drop_db']:.1f} dB)" for d in result["largest_drops"][:3]) + ".")
        threshold = next((r["threshold_db"] for r in layers["artifacts"].values() if r.get("status") == "measured"), 20.0)
        _add_figure(int8, plots.layer_sqnr({k: v for k, v in layers["artifacts"].items() if v.get("status") == "measured"},
                                           threshold, plot_dir / "int8_sqnr.png"), "int8 vs fp32 SQNR per layer")
    sections.append(int8)
    return sections


def _predictions_moved(metrics: dict | None) -> bool:
    if not metrics:
        return False
    delta = metrics.get("confusion_delta")
    return bool(metrics["disagreements"]) or (delta is not None and any(any(row) for row in delta))


def _add_figure(section: Section, path: Path | None, caption: str) -> None:
    if path is not None:
        section.figures.append(Figure(path, caption))


def build_report(results: dict, plot_dir: Path) -> Report:
    runs = runs_newest_first(results)
    sections = [Section("All devices", [LABELS_NOTE], [summary_table(runs)])]
    for run in runs:
        sections += run_sections(run, plot_dir / _slug(run_key(run)))
    return Report("signport bench report", sections)


def write_bench_report(results: dict, out_dir: Path) -> dict[str, Path]:
    """OUT/report.md, OUT/report.html and OUT/report_assets/*.png for a whole results file."""
    with tempfile.TemporaryDirectory(prefix="signport-bench-plots-") as tmp:
        return write_report(build_report(results, Path(tmp)), out_dir)
