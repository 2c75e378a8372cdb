"""Figures of a bench run, as PNG (matplotlib, Agg). Every title carries the measurement label
("host-measured", "host-measured, emulated" or "device-measured")."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight", format="png")
    _pyplot().close(fig)
    return path


def _row_name(row: dict) -> str:
    units = f" [{row['compute_units']}]" if row.get("compute_units") else ""
    return f"{row['artifact_id']} ({row['runtime']}{units})"


def latency_distribution(rows: list[dict], label: str, path: Path) -> Path | None:
    """Histogram and CDF of per-iteration latency, one colour per runtime row."""
    rows = [r for r in rows if r.get("status") == "ok" and r.get("samples_ms")]
    if not rows:
        return None
    plt = _pyplot()
    fig, (hist, cdf) = plt.subplots(1, 2, figsize=(13, 4.5))
    everything = np.concatenate([np.asarray(r["samples_ms"]) for r in rows])
    # Log-spaced bins: runtimes differ by 10-100x and outliers would squash a linear axis.
    bins = np.geomspace(max(everything.min(), 1e-4) * 0.9, everything.max() * 1.1, 60)
    colors = plt.get_cmap("tab20").colors
    for i, row in enumerate(rows):
        samples = np.sort(np.asarray(row["samples_ms"]))
        color = colors[(2 * i) % 20 if i < 10 else (2 * i + 1) % 20]
        hist.hist(samples, bins=bins, histtype="step", lw=1.4, color=color)
        cdf.plot(samples, np.arange(1, len(samples) + 1) / len(samples), color=color, label=_row_name(row))
    hist.set(xlabel="latency per inference (ms, log scale)", ylabel="iterations", title=f"Latency histogram — {label}")
    hist.set_xscale("log")
    cdf.set(xlabel="latency per inference (ms, log scale)", ylabel="fraction of iterations ≤ x", title=f"Latency CDF — {label}")
    cdf.set_xscale("log")
    cdf.axhline(0.5, color="grey", lw=0.6, ls=":")
    cdf.axhline(0.99, color="grey", lw=0.6, ls=":")
    cdf.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return _save(fig, path)


def accuracy_vs_latency(parity_rows: list[dict], latency_rows: list[dict], labelled: bool, label: str, path: Path) -> Path | None:
    """One point per artifact: p50 latency against accuracy (labelled data) or top-1 agreement with the reference."""
    p50 = {r["artifact_id"]: r["latency_ms"]["p50"] for r in latency_rows if r.get("status") == "ok"}
    metric = "accuracy" if labelled else "top1_agreement"
    points = [(p50[r["artifact_id"]], r["metrics"][metric], r) for r in parity_rows if r.get("metrics") and r["artifact_id"] in p50]
    if not points:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    # Numbered points with a key beside the axes: artifacts often share an accuracy and sit close in latency.
    key = []
    for number, (x, y, row) in enumerate(sorted(points, key=lambda p: p[0]), start=1):
        color = "tab:green" if row["status"] == "pass" else "tab:red"
        ax.scatter([x], [y], color=color, s=40)
        ax.annotate(str(number), (x, y), textcoords="offset points", xytext=(0, 6 + 9 * (number % 3)), fontsize=7,
                    ha="center")
        key.append(f"{number}  {row['artifact_id']}  ({x:.3g} ms, {y:.2%})")
    ax.text(1.02, 1.0, "\n".join(key), transform=ax.transAxes, va="top", fontsize=7, family="monospace")
    ax.set_xscale("log")
    ax.set(xlabel=f"p50 latency (ms, log scale) — {label}",
           ylabel="top-1 accuracy" if labelled else "top-1 agreement with reference",
           title=f"{'Accuracy' if labelled else 'Agreement'} vs latency per artifact — {label}")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def confusion_delta(row: dict, class_names: list[str], labelled: bool, path: Path) -> Path | None:
    """Labelled data: confusion(artifact) − confusion(reference). Otherwise the reference-vs-
    artifact prediction matrix with its diagonal removed: where predictions moved."""
    metrics = row.get("metrics")
    if not metrics:
        return None
    if labelled:
        matrix = np.asarray(metrics["confusion_delta"], float)
        title, ylabel, xlabel = "Confusion-matrix delta (artifact − reference)", "true class", "predicted class"
    else:
        matrix = np.asarray(metrics["prediction_matrix"], float)
        np.fill_diagonal(matrix, 0)
        title, ylabel, xlabel = "Prediction changes (off-diagonal of reference × artifact)", "reference prediction", "artifact prediction"
    plt = _pyplot()
    size = min(9.0, max(4.0, 0.18 * len(class_names) + 2))
    fig, ax = plt.subplots(figsize=(size + 1, size))
    limit = max(1.0, float(np.abs(matrix).max()))
    image = ax.imshow(matrix, cmap="RdBu_r" if labelled else "Reds", vmin=-limit if labelled else 0, vmax=limit)
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks, class_names, rotation=90, fontsize=7)
    ax.set_yticks(ticks, class_names, fontsize=7)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=f"{row['artifact_id']}: {title}")
    fig.colorbar(image, ax=ax, fraction=0.046)
    return _save(fig, path)


def frame_budget_bars(budgets: list[dict], label: str, path: Path) -> Path | None:
    """Each artifact's pipeline: stage p50s stacked, the per-frame total's p90 (what the gate
    judges) as a black tick, against the 33.3 ms budget."""
    budgets = [b for b in budgets if b.get("stages")]
    if not budgets:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(budgets) + 1.8))
    names = [f"{b['artifact_id']} ({b['runtime']})" for b in budgets]
    for i, budget in enumerate(budgets):
        left = 0.0
        for stage in budget["stages"]:
            if stage["p50_ms"] is None:
                ax.text(left + 0.3, i - 0.3, f"{stage['stage']}: not measured", va="center", fontsize=7, color="tab:red")
                continue
            ax.barh(i, stage["p50_ms"], left=left, color=STAGE_COLORS.get(stage["stage"], "tab:grey"), edgecolor="white")
            left += stage["p50_ms"]
        ax.plot([budget["total_p90_ms"]] * 2, [i - 0.4, i + 0.4], color="black", lw=2)
        ax.text(max(left, budget["total_p90_ms"]) + 0.3, i + 0.25, budget["verdict"], fontsize=7)
    ax.axvline(budgets[0]["budget_ms"], color="black", ls="--", lw=1)
    ax.set_yticks(range(len(budgets)), names, fontsize=8)
    ax.set(xlabel=f"ms per frame: stage p50s stacked, | = p90 of the frame total — {label}",
           title=f"30 fps budget (33.3 ms per frame) — {label}")
    shown = {s["stage"] for b in budgets for s in b["stages"]}
    ax.legend([plt.Rectangle((0, 0), 1, 1, color=c) for s, c in STAGE_COLORS.items() if s in shown],
              [s for s in STAGE_COLORS if s in shown], fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, path)


STAGE_COLORS = {"hand_detection": "tab:orange", "preprocess": "tab:blue", "model": "tab:purple", "smoothing": "tab:green"}


def layer_times(profiles: list[dict], label: str, path: Path) -> Path | None:
    """Time per compute layer (execution order), fp32 vs int8, one line per profiled artifact of a runtime and role."""
    rows = [p for p in profiles if p.get("status") == "ok" and p.get("layers")]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for row in rows:
        times = [ms * 1000.0 for _, ms in row["layers"]]
        style = "-" if row["precision"] == "fp32" else "--"
        ax.plot(range(len(times)), times, style, marker=".", label=f"{row['artifact_id']} ({row['runtime']})")
    ax.set(xlabel="compute layer (convolution / fully connected), execution order", ylabel="µs per inference (p50)",
           title=f"Time per layer, fp32 vs int8 — {label}")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def layer_sqnr(errors: dict, threshold_db: float, path: Path) -> Path | None:
    """int8 vs fp32 SQNR after each layer, with the threshold line."""
    if not errors:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4))
    for artifact_id, block in errors.items():
        values = [layer["sqnr_db"] if layer["sqnr_db"] is not None else np.nan for layer in block.get("layers", [])]
        ax.plot(range(len(values)), values, marker=".", label=artifact_id)
    ax.axhline(threshold_db, color="tab:red", linestyle=":", label=f"threshold {threshold_db:g} dB")
    ax.set(xlabel="compute layer, execution order", ylabel="SQNR vs fp32 (dB)", title="Where int8 departs from fp32 (held-out data)")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def accuracy_latency_points(points: list[dict], path: Path, title: str) -> Path | None:
    """Quantisation search: top-1 accuracy vs p50 latency per explored configuration."""
    points = [p for p in points if p.get("p50_ms") is not None and p.get("top1") is not None]
    if not points:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for p in points:
        ax.scatter([p["p50_ms"]], [p["top1"]], color="tab:green" if p.get("chosen") else "tab:blue", s=40)
        ax.annotate(p["name"], (p["p50_ms"], p["top1"]), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set(xlabel="p50 latency (ms)", ylabel="top-1 accuracy", title=title)
    ax.grid(alpha=0.3)
    return _save(fig, path)
