"""`signport export --quant auto`: the cheapest int8 that keeps top-1 within a limit, or no int8.

    fp32        top-1 and p50 of the ExecuTorch XNNPACK program (the reference and the fallback)
    full int8   every layer int8 (PT2E, XNNPACK quantizer, the export's calibration inputs)
    sensitivity per-layer SQNR of full int8 vs fp32 on held-out inputs (export.int8_debug): the
                layers whose SQNR drops most are the ones that lose accuracy
    search      keep the 1, 2, 4, ... most sensitive layers float (the same PT2E node filter the
                3-D export uses) until top-1 is within --max-accuracy-drop of fp32
    decision    the fastest configuration within the limit (and --budget-ms when one fits); int8 only
                when it is faster than fp32 under the chosen profile's threads on this host

Every configuration is lowered and timed with the ExecuTorch runtime the apps use, and its top-1 is
measured by that runtime on labelled real data (--data), so the table is what would ship.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from signport.core.errors import InputError

log = logging.getLogger(__name__)

SENSITIVITY_SAMPLES = 8  # SQNR is stable on a few inputs; the interpreter that records layers is slow
TIMING_RUNS = 30


@dataclass
class SearchPoint:
    name: str
    precision: str  # fp32 | int8
    float_layers: list[str]
    top1: float
    p50_ms: float
    drop_points: float = 0.0  # fp32 top-1 minus this one, in percentage points
    within_limit: bool = True
    within_budget: bool | None = None
    chosen: bool = False


@dataclass
class SearchResult:
    points: list[SearchPoint]
    quant: tuple[str, ...]  # what the export writes: ("fp32",) or ("fp32", "int8")
    float_layers: tuple[str, ...]
    reason: str
    settings: dict = field(default_factory=dict)
    sensitivity: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"points": [asdict(p) for p in self.points], "quant": list(self.quant), "float_layers": list(self.float_layers),
                "reason": self.reason, "settings": self.settings, "sensitivity": self.sensitivity}


def decide(points: list[SearchPoint], max_drop: float, budget_ms: float | None) -> tuple[SearchPoint, str]:
    """The configuration to ship among measured `points` (the first is fp32), with the reason (pure)."""
    fp32 = points[0]
    for p in points:
        p.drop_points = round((fp32.top1 - p.top1) * 100.0, 3)
        p.within_limit = p.drop_points <= max_drop
        p.within_budget = None if budget_ms is None else p.p50_ms <= budget_ms
    accurate = [p for p in points if p.within_limit]
    fitting = [p for p in accurate if p.within_budget is not False] or accurate
    best = min(fitting, key=lambda p: p.p50_ms)
    int8 = [p for p in accurate if p.precision == "int8"]
    if best.precision == "fp32":
        if not int8:
            reason = f"no int8 configuration tried keeps top-1 within {max_drop:g} points of fp32"
        else:
            fastest = min(int8, key=lambda p: p.p50_ms)
            reason = (f"int8 is slower than fp32 here ({fastest.name}: {fastest.p50_ms:.3f} ms vs fp32 {fp32.p50_ms:.3f} ms), "
                      "so no int8 artifact is written for this host/profile")
    else:
        reason = (f"{best.name}: top-1 {best.top1:.2%} ({best.drop_points:+.2f} points below fp32's {fp32.top1:.2%}, limit "
                  f"{max_drop:g}), {best.p50_ms:.3f} ms = {best.p50_ms / fp32.p50_ms:.2f}x fp32")
    if budget_ms is not None and best.within_budget is False:
        reason += f"; nothing within the accuracy limit fits --budget-ms {budget_ms:g}"
    best.chosen = True
    return best, reason


def float_layer_schedule(ranked: list[str]) -> list[list[str]]:
    """Growing sets of the most sensitive layers to keep float: 1, 2, 4, 8, ... then all (pure)."""
    sizes, k = [], 1
    while k < len(ranked):
        sizes.append(k)
        k *= 2
    sizes.append(len(ranked))
    return [ranked[:k] for k in sizes]


def _lower(program) -> bytes:
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    return to_edge_transform_and_lower(program, partitioner=[XnnpackPartitioner()]).to_executorch().buffer


def _measure(program, inputs: np.ndarray, labels: np.ndarray, threads: int, workdir: Path, name: str) -> tuple[float, float]:
    """(top-1, p50 ms) of `program` lowered to XNNPACK and run by the ExecuTorch runtime."""
    from signport.runtime import load_runner

    path = workdir / f"{name}.pte"
    path.write_bytes(_lower(program))
    runner = load_runner(path, "executorch", threads)
    logits = runner.run(inputs)
    one = inputs[:1]
    for _ in range(5):
        runner.run(one)
    samples = []
    for _ in range(TIMING_RUNS):
        started = time.perf_counter()
        runner.run(one)
        samples.append((time.perf_counter() - started) * 1000.0)
    return float((logits.argmax(1) == labels).mean()), statistics.median(samples)


def search_quantisation(model: torch.nn.Module, calibration: np.ndarray, inputs: np.ndarray, labels: np.ndarray,
                        threads: int, max_drop: float, budget_ms: float | None, head_paths: tuple[str, ...] = ("head",),
                        base_float: tuple[str, ...] = ()) -> SearchResult:
    """Search over which compute layers of `model` (input -> logits) stay float; see the module docstring."""
    from signport.export.formats.executorch import quantize_pt2e, xnnpack_int8_quantizer
    from signport.export.int8_debug import compare_graphs

    if calibration is None or len(calibration) == 0:
        raise InputError("--quant auto needs calibration inputs: pass --calibration DIR")
    model = model.eval()
    example = (torch.from_numpy(np.ascontiguousarray(inputs[:1])),)
    keep_float = tuple(head_paths) + tuple(base_float)  # the head ships fp32 (head.bin); only the backbone is searched
    points: list[SearchPoint] = []
    with tempfile.TemporaryDirectory(prefix="signport-quant-search-") as tmp:
        workdir = Path(tmp)
        fp32_program = torch.export.export(model, example, strict=False)
        top1, p50 = _measure(fp32_program, inputs, labels, threads, workdir, "fp32")
        points.append(SearchPoint("fp32", "fp32", [], top1, p50))
        log.info("quant search: fp32 top-1 %.4f, %.3f ms", top1, p50)

        int8_program = quantize_pt2e(model, example, xnnpack_int8_quantizer(model, float_layers=keep_float), calibration)
        top1, p50 = _measure(int8_program, inputs, labels, threads, workdir, "int8-all")
        points.append(SearchPoint("int8 (all layers)", "int8", [], top1, p50))
        log.info("quant search: full int8 top-1 %.4f, %.3f ms", top1, p50)

        float_graph = torch.export.export(model, example, strict=False).module()
        errors = compare_graphs(float_graph, int8_program.module(), inputs[:SENSITIVITY_SAMPLES])
        ranked_errors = sorted((e for e in errors if not any(e.layer == p or e.layer.startswith(p + ".") for p in head_paths)),
                               key=lambda e: -e.drop_db)
        # Named relative to the backbone, as the backbone artifact sees them (the fused model matches by suffix).
        ranked = [e.layer.removeprefix("backbone.") for e in ranked_errors]
        for layers in float_layer_schedule(ranked):
            if (points[0].top1 - points[-1].top1) * 100.0 <= max_drop:
                break
            program = quantize_pt2e(model, example, xnnpack_int8_quantizer(model, float_layers=keep_float + tuple(layers)), calibration)
            name = f"int8, {len(layers)} layer(s) float"
            top1, p50 = _measure(program, inputs, labels, threads, workdir, f"int8-{len(layers)}")
            points.append(SearchPoint(name, "int8", list(layers), top1, p50))
            log.info("quant search: %s top-1 %.4f, %.3f ms", name, top1, p50)
    best, reason = decide(points, max_drop, budget_ms)
    quant = ("fp32",) if best.precision == "fp32" else ("fp32", "int8")
    return SearchResult(points, quant, tuple(best.float_layers), reason,
                        sensitivity=[{"layer": e.layer, "sqnr_db": None if e.sqnr_db == float("inf") else round(e.sqnr_db, 2),
                                      "drop_db": round(e.drop_db, 2)} for e in ranked_errors[:10]])


def search_table(result: SearchResult) -> list[str]:
    """The accuracy-vs-latency table a user reads after `--quant auto`."""
    lines = [f"{'configuration':<28} {'top-1':>8} {'Δ points':>9} {'p50 ms':>9}  verdict"]
    for p in result.points:
        verdict = "CHOSEN" if p.chosen else ("within limit" if p.within_limit else "too lossy")
        if p.within_budget is False:
            verdict += ", over budget"
        lines.append(f"{p.name:<28} {p.top1:>8.2%} {p.drop_points:>9.2f} {p.p50_ms:>9.3f}  {verdict}")
    lines.append(f"decision: {result.reason}")
    return lines
