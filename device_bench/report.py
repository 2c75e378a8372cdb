"""Reports of a results file: a per-device summary, then each run's parity, latency and 30 fps
budget tables with plots; written as report.md (images linked) and report.html (images
embedded), and as plain tables for the terminal.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from signport.core import atomic
from signport.device_bench import plots

STATUS_CLASS = {"pass": "pass", "ok": "pass", "reference": "info", "fail": "fail", "error": "fail", "failed": "fail",
                "unavailable": "muted", "incomplete": "warn", "not measured": "muted"}


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # one per row: pass / fail / muted / warn / info

    def add(self, cells: list, status: str = "") -> None:
        self.rows.append([str(c) for c in cells])
        self.statuses.append(STATUS_CLASS.get(status, status))


# A report is a list of blocks: ("h1"|"h2"|"h3"|"p", text), ("table", Table), ("img", path, caption).
Block = tuple


# ---------------------------------------------------------------- formatting

def ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def run_title(run: dict) -> str:
    return f"{run['bundle']} on {run['device']['name']} — profile {run.get('profile', 'device')} ({run['label']}) — {run['timestamp']}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80]


# ---------------------------------------------------------------- tables

def summary_table(runs: list[dict]) -> Table:
    """One row per runtime measurement of every run: the per-device comparison."""
    table = Table(["device", "profile", "measured", "timestamp", "artifact", "runtime", "compute units", "threads",
                   "p50 ms", "p90 ms", "fps", "parity", "30 fps gate", "status"])
    for run in runs:
        parity = {r["artifact_id"]: r["status"] for r in (run.get("parity") or {}).get("artifacts", [])}
        gates = {(b["artifact_id"], b["compute_units"]): b["verdict"] for b in (run.get("budget") or {}).get("artifacts", [])}
        for row in run["results"]:
            latency = row.get("latency_ms") or {}
            status = row.get("status", "ok")
            verdict = parity.get(row["artifact_id"], "baseline" if row.get("baseline") else "—")
            gate = gates.get((row["artifact_id"], row["compute_units"]), "—")
            failed = status in ("failed", "error") or verdict in ("fail", "error") or gate == "fail"
            table.add([run["device"]["name"], run.get("profile", "device"), row.get("label", run["label"]), run["timestamp"],
                       row["artifact_id"], row["runtime"], row["compute_units"], row["threads"], ms(latency.get("p50")),
                       ms(latency.get("p90")), f"{row['fps']:.1f}" if "fps" in row else "—", verdict, gate,
                       status if status == "ok" else f"{status}: {row.get('error', '')}"],
                      "fail" if failed else status)
    return table


def parity_table(parity: dict) -> Table:
    labelled = parity["labelled"]
    headers = ["artifact", "format", "precision", "role", "verdict", "top-1 agreement", "max |Δlogit|", "max |Δ| / range",
               "mean |Δlogit|", "cosine min (emb.)"]
    headers += ["accuracy (reference → artifact)", "worst class Δacc"] if labelled else []
    table = Table(headers + ["thresholds", "reasons"])
    for row in parity["artifacts"]:
        m = row.get("metrics") or {}
        cells = [row["artifact_id"], row["format"], row["precision"], row["role"], row["status"].upper(),
                 pct(m.get("agreement")), _g(m.get("max_abs_logit_delta")), _g(m.get("max_delta_ratio")),
                 _g(m.get("mean_abs_logit_delta")), _g(m.get("cosine_min"))]
        if labelled:
            deltas = [d for d in m.get("per_class_accuracy_delta", []) if d is not None]
            cells += [f"{pct(m.get('reference_accuracy'))} → {pct(m.get('accuracy'))}" if m else "—",
                      f"{min(deltas):+.2%}" if deltas else "—"]
        thresholds = row.get("thresholds") or {}
        cells += [", ".join(f"{k}={v}" for k, v in thresholds.items() if v is not None) + (f" ({row.get('thresholds_source')})" if thresholds else ""),
                  "; ".join(row.get("reasons", []))]
        table.add(cells, row["status"])
    return table


def latency_table(rows: list[dict]) -> Table:
    table = Table(["artifact", "runtime", "compute units", "threads", "p50 ms", "p90 ms", "p99 ms", "mean ms", "fps",
                   "speed-up vs eager (p50)", "load ms", "peak RSS MB", "model RSS MB", "GMAC/s", "iterations", "measured",
                   "status"])
    baseline = next((r["latency_ms"]["p50"] for r in rows if r.get("baseline") and r.get("status") == "ok"), None)
    for row in rows:
        lat = row.get("latency_ms") or {}
        ok = row.get("status", "ok") == "ok"
        speedup = f"{baseline / lat['p50']:.1f}×" if ok and baseline and not row.get("baseline") else ("baseline" if row.get("baseline") else "—")
        table.add([
            row["artifact_id"], row["runtime"], row["compute_units"], row["threads"], ms(lat.get("p50")), ms(lat.get("p90")),
            ms(lat.get("p99")), ms(lat.get("mean")), f"{row['fps']:.1f}" if ok else "—", speedup,
            ms(row.get("load_ms")), _mb(row.get("peak_rss_mb")), _mb(row.get("model_rss_mb")),
            f"{row['macs_per_second'] / 1e9:.2f}" if row.get("macs_per_second") else "—",
            row.get("iterations", "—"), row.get("label", ""),
            "ok" if ok else f"{row['status'].upper()}: {row.get('error', '')}",
        ], row.get("status", "ok"))
    return table


def budget_tables(budget: dict) -> tuple[Table, Table]:
    label = budget["label"]
    stages = Table(["stage", "p50 ms", "p90 ms", "measured", "note"])
    for s in budget["stages"]:
        stages.add([s["stage"], ms(s["p50_ms"]), ms(s["p90_ms"]), label if s["p50_ms"] is not None else "—", s["note"]],
                   "" if s["complete"] else "warn")
    totals = Table(["artifact", "runtime", "compute units", "pipeline p50 ms", "pipeline p90 ms", "budget ms", "headroom ms",
                    "missing stages", "measured", "30 fps gate"])
    for b in budget["artifacts"]:
        if "total_p50_ms" not in b:
            totals.add([b["artifact_id"], b["runtime"], b["compute_units"], "—", "—", "—", "—", b.get("reason", ""), label,
                        b["verdict"]], b["verdict"])
            continue
        totals.add([b["artifact_id"] + (" (baseline, not shipped)" if b["baseline"] else ""), b["runtime"], b["compute_units"],
                    ms(b["total_p50_ms"]), ms(b["total_p90_ms"]), ms(b["budget_ms"]), ms(b["headroom_ms"]),
                    ", ".join(b["missing"]) or "none", label, b["verdict"].upper()], b["verdict"])
    return stages, totals


def _g(value) -> str:
    return "—" if value is None else f"{value:.3g}"


def _mb(value) -> str:
    return "—" if value is None else f"{value:.0f}"


# ---------------------------------------------------------------- documents

def run_blocks(run: dict, plot_dir: Path) -> list[Block]:
    """The detailed section of one run, plots written under plot_dir."""
    label = run["label"]
    host = run.get("host") or {}
    settings = run.get("settings") or {}
    blocks: list[Block] = [("h2", run_title(run))]
    facts = [f"**Measured:** {label}" + (" — timings of this host under the profile's thread budget, NOT phone timings"
                                          if label.endswith("emulated") else "")]
    if host:
        facts.append(f"**Host:** {host['machine']} ({host['cpu']}), {host['os']}")
    if settings:
        facts.append(f"**Settings:** {settings['threads']} threads for every runtime, CPU affinity "
                     f"{settings['cpu_affinity'] or 'not pinned'}; {settings['warmup']} warm-up iterations, then "
                     f"{settings['min_iterations']}–{settings['max_iterations']} timed iterations or {settings['max_seconds']} s "
                     f"per runtime, each runtime in a fresh process")
    if run.get("verdict"):
        v = run["verdict"]
        facts.append(f"**Verdict:** parity {v['parity'].upper()}, 30 fps gate {v['fps_gate'].upper()}, "
                     f"failed to run: {', '.join(v['failed_latency']) or 'none'} → exit code {v['exit_code']}")
    blocks += [("p", fact) for fact in facts]

    parity = run.get("parity")
    if parity:
        blocks += [("h3", "Parity"), ("p", f"**Reference:** {parity['reference']['description']}"),
                   ("p", f"**Held-out set:** {parity['heldout']}"), ("table", parity_table(parity))]
    if run.get("results"):
        macs = run.get("macs") or {}
        blocks += [("h3", f"Latency ({label})")]
        if macs:
            blocks.append(("p", f"Model: {macs['model'] / 1e6:.1f} M multiply-accumulates per inference "
                                f"(backbone {macs['backbone'] / 1e6:.1f} M, head {macs['head'] / 1e3:.1f} k); "
                                "GMAC/s = MACs / p50."))
        blocks.append(("table", latency_table(run["results"])))
        blocks.append(("img", plots.latency_distribution(run["results"], label, plot_dir / "latency.png"),
                       f"Latency histogram and CDF per runtime ({label})"))
    if parity:
        blocks.append(("img", plots.accuracy_vs_latency(parity["artifacts"], run.get("results", []), parity["labelled"], label,
                                                        plot_dir / "accuracy_vs_latency.png"),
                       f"Accuracy/agreement vs p50 latency per artifact ({label})"))
        for row in parity["artifacts"]:
            path = plots.confusion_delta(row, run.get("labels") or [], parity["labelled"],
                                         plot_dir / f"confusion_delta_{_slug(row['artifact_id'])}.png") if run.get("labels") else None
            blocks.append(("img", path, f"{row['artifact_id']}: confusion-matrix delta vs reference"))
    budget = run.get("budget")
    if budget:
        stages, totals = budget_tables(budget)
        blocks += [("h3", f"30 fps budget: 33.3 ms per frame for the whole pipeline ({label})"),
                   ("p", f"**Gate:** {budget['verdict'].upper()} (pass when at least one shipped artifact's whole pipeline "
                         "fits; incomplete when a needed stage could not be measured)"),
                   ("table", stages), ("table", totals),
                   ("img", plots.frame_budget_bars(budget["artifacts"], label, plot_dir / "frame_budget.png"),
                    f"Per-frame pipeline time vs budget ({label})")]
    return [b for b in blocks if not (b[0] == "img" and b[1] is None)]


def report_blocks(results: dict, plot_root: Path) -> list[Block]:
    runs = sorted(results["runs"].values(), key=lambda r: r["timestamp"], reverse=True)
    blocks: list[Block] = [
        ("h1", "signport bench report"),
        ("p", "Every figure is labelled with how it was measured: **host-measured** (this computer), "
              "**host-measured, emulated** (this computer under a phone profile's thread budget — not a phone number) "
              "or **device-measured** (on the phone, by the demo app's benchmark mode)."),
        ("h2", "All devices"),
        ("table", summary_table(runs)),
    ]
    for run in runs:
        key = f"{run['device']['name']}|{run.get('profile', 'device')}|{run['timestamp']}"
        blocks += run_blocks(run, plot_root / _slug(key))
    return blocks


def to_markdown(blocks: list[Block], base: Path) -> str:
    lines = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            lines += ["#" * int(kind[1]) + " " + block[1], ""]
        elif kind == "p":
            lines += [block[1], ""]
        elif kind == "table":
            table: Table = block[1]
            lines.append("| " + " | ".join(table.headers) + " |")
            lines.append("|" + "---|" * len(table.headers))
            for cells, status in zip(table.rows, table.statuses):
                marked = [f"❌ {cells[0]}" if status == "fail" else cells[0], *cells[1:]]
                lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in marked) + " |")
            lines.append("")
        elif kind == "img":
            lines += [f"![{block[2]}]({block[1].relative_to(base).as_posix()})", ""]
    return "\n".join(lines)


HTML_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222} table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top} th{background:#f3f3f3}
tr.fail td{background:#fbd5d5;color:#7a0000} tr.pass td{background:#eef9ee} tr.warn td{background:#fff4d6}
tr.muted td{color:#777;background:#f7f7f7} tr.info td{background:#eef3fb} img{max-width:100%;border:1px solid #ddd}
figure{margin:1em 0} figcaption{font-size:12px;color:#555}
"""


def to_html(blocks: list[Block], base: Path) -> str:
    def inline(text: str) -> str:
        return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text))

    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>signport bench report</title>",
             f"<style>{HTML_STYLE}</style></head><body>"]
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            parts.append(f"<{kind}>{html.escape(block[1])}</{kind}>")
        elif kind == "p":
            parts.append(f"<p>{inline(block[1])}</p>")
        elif kind == "table":
            table: Table = block[1]
            parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in table.headers) + "</tr>")
            for cells, status in zip(table.rows, table.statuses):
                parts.append(f"<tr class='{status}'>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
            parts.append("</table>")
        elif kind == "img":
            path: Path = block[1]
            data = base64.b64encode(path.read_bytes()).decode()
            parts.append(f"<figure><a href='{html.escape(path.relative_to(base).as_posix())}'>"
                         f"<img src='data:image/png;base64,{data}' alt='{html.escape(block[2])}'></a>"
                         f"<figcaption>{html.escape(block[2])}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts)


def to_text(table: Table) -> str:
    """A plain aligned table for the terminal (failed rows marked with ✗)."""
    rows = [table.headers] + [[("✗ " if s == "fail" else "") + c for c, s in zip(r, [st] + [""] * len(r))]
                              for r, st in zip(table.rows, table.statuses)]
    widths = [min(48, max(len(r[i]) for r in rows)) for i in range(len(table.headers))]
    return "\n".join("  ".join(c[:48].ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def write_report(results: dict, out_dir: Path) -> tuple[Path, Path]:
    """report.md + report.html (+ plots/) for a whole results file, each written atomically."""
    blocks = report_blocks(results, out_dir / "plots")
    md = atomic.write_text(out_dir / "report.md", to_markdown(blocks, out_dir))
    page = atomic.write_text(out_dir / "report.html", to_html(blocks, out_dir))
    return md, page
