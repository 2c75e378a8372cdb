"""ISA-aware verdicts: is int8 worth it on this CPU, which artifact to ship per device profile, and
how close the measured MAC rate comes to the host's peak.

int8 pays only where the CPU has int8 dot-product instructions (x86 VNNI/AMX, ARM dotprod/i8mm):
without them XNNPACK and ONNX Runtime emulate each int8 multiply-accumulate with 16-bit
multiply-adds plus widening, which on an AVX2-only host costs more than fp32 FMAs. A phone's CPU
(ARMv8.2+) has dotprod, so an x86 host's int8 timing says nothing about a phone's.
"""

from __future__ import annotations

from dataclasses import dataclass

from signport.core.host import int8_dot_product, isa_summary

# int8 is recommended only when it is at least this much faster than fp32 (the rule):
# a smaller win does not pay for its accuracy risk.
INT8_MAX_RATIO = 0.7
PHONE_NOTE = ("x86 int8 speed does not predict a phone's: phones since ARMv8.2 (Pixel 7, iPhone A12+) have int8 dot "
              "products (dotprod, and i8mm on newer cores), where XNNPACK's int8 typically beats its fp32; confirm with "
              "`signport bench --device android:SERIAL` or the iOS app")


@dataclass(frozen=True)
class PeakRate:
    """Theoretical multiply-accumulates per second of `threads` cores at `ghz`."""

    fp32_macs: float
    int8_macs: float
    basis: str


def peak_macs(features: list[str], ghz: float | None, threads: int) -> PeakRate | None:
    """Peak MAC/s from the ISA: fp32 = 2 FMA pipes x SIMD lanes per core; int8 = 4x fp32 lanes with
    a dot-product instruction (VNNI vpdpbusd: 4 MACs per 32-bit lane), 2x without (vpmaddubsw +
    vpmaddwd). A model of the core, not a measurement: boost clocks and AVX-512 down-clocking move it."""
    if not ghz:
        return None
    if "neon" in features:
        lanes, what = 4, "NEON 128-bit"
    elif "avx512f" in features:
        lanes, what = 16, "AVX-512"
    elif "avx2" in features and "fma" in features:
        lanes, what = 8, "AVX2 + FMA"
    else:
        return None
    fp32 = threads * ghz * 1e9 * 2 * lanes
    dot = int8_dot_product(features)
    int8 = fp32 * (4 if dot else 2)
    basis = (f"{threads} core(s) x {ghz:.2f} GHz x 2 FMA pipes x {lanes} fp32 lanes ({what}); int8 "
             f"{'4x (' + dot + ')' if dot else '2x (no int8 dot product: 16-bit multiply-add emulation)'}")
    return PeakRate(fp32, int8, basis)


def cpu_clock_ghz(cpuinfo: str) -> float | None:
    """The clock /proc/cpuinfo reports ('cpu MHz'); under a hypervisor this is the nominal clock,
    so boost can make measured rates exceed the model's peak (pure, for tests)."""
    for line in cpuinfo.splitlines():
        if line.lower().startswith("cpu mhz"):
            try:
                return float(line.split(":", 1)[1]) / 1000.0
            except ValueError:
                return None
    return None


def host_peak(host: dict, threads: int) -> PeakRate | None:
    from signport.core.host import _cpuinfo

    return peak_macs(host.get("cpu_features") or [], cpu_clock_ghz(_cpuinfo()), threads)


def _p50(row: dict) -> float | None:
    return (row.get("latency_ms") or {}).get("p50") if row.get("status") == "ok" else None


def int8_comparisons(results: list[dict]) -> list[dict]:
    """int8 vs fp32 p50 for each (runtime, role) that has both (pure)."""
    by_key: dict[tuple, dict[str, dict]] = {}
    for row in results:
        if row.get("baseline") or _p50(row) is None:
            continue
        by_key.setdefault((row["runtime"], row["role"], row.get("compute_units")), {})[row["precision"]] = row
    out = []
    for (runtime, role, _), rows in sorted(by_key.items(), key=lambda kv: str(kv[0])):
        if "fp32" in rows and "int8" in rows:
            fp32, int8 = _p50(rows["fp32"]), _p50(rows["int8"])
            out.append({"runtime": runtime, "role": role, "fp32_ms": fp32, "int8_ms": int8, "ratio": int8 / fp32,
                        "fp32_id": rows["fp32"]["artifact_id"], "int8_id": rows["int8"]["artifact_id"]})
    return out


def int8_reason(ratio: float, features: list[str]) -> str:
    """Why int8 is (not) worth it at `ratio` = int8 p50 / fp32 p50 on a CPU with `features` (pure)."""
    dot = int8_dot_product(features)
    isa = isa_summary(features)
    if ratio > 1.0:
        why = (f"{isa} has no int8 dot-product instruction, so int8 multiply-accumulates are emulated with 16-bit "
               "multiply-adds and the quantize/convert ops add work" if not dot else
               f"{isa} has {dot}, yet the runtime's int8 kernels lose here: see the per-operator profile")
        return f"int8 is {ratio:.2f}x the fp32 time (slower) on this host: {why}"
    if ratio > INT8_MAX_RATIO:
        return f"int8 is {ratio:.2f}x the fp32 time: faster, but above the {INT8_MAX_RATIO}x that pays for its accuracy risk"
    return f"int8 is {ratio:.2f}x the fp32 time ({isa}{', ' + dot if dot else ''})"


def recommend(results: list[dict], parity_rows: list[dict], features: list[str], emulated: bool) -> list[dict]:
    """One recommended artifact per runtime for this run's device profile, with the reason (pure).

    Measured profiles: the fastest artifact whose parity did not fail, int8 only when it is at most
    INT8_MAX_RATIO of fp32. Emulated phone profiles: the same measurement, but int8 is judged by
    parity only (a phone has dotprod), with the note that this host's int8 timing does not carry over.
    """
    failed = {r["artifact_id"] for r in parity_rows if r.get("status") in ("fail", "error")}
    comparisons = {(c["runtime"], c["role"]): c for c in int8_comparisons(results)}
    picks = []
    runtimes = sorted({r["runtime"] for r in results if not r.get("baseline") and _p50(r) is not None and r["role"] != "head"})
    for runtime in runtimes:
        rows = [r for r in results if r["runtime"] == runtime and not r.get("baseline") and _p50(r) is not None
                and r["role"] != "head" and r["artifact_id"] not in failed]
        if not rows:
            continue
        fp32 = [r for r in rows if r["precision"] == "fp32"]
        int8 = [r for r in rows if r["precision"] == "int8"]
        best_fp32 = min(fp32, key=_p50) if fp32 else None
        best_int8 = min(int8, key=_p50) if int8 else None
        comparison = comparisons.get((runtime, best_int8["role"])) if best_int8 else None
        if best_int8 and best_fp32 and comparison:
            reason = int8_reason(comparison["ratio"], features)
            take_int8 = emulated or comparison["ratio"] <= INT8_MAX_RATIO
            if emulated:
                reason = f"on this host {reason[0].lower()}{reason[1:]}; for the phone: int8 (parity passed). {PHONE_NOTE}"
            pick = best_int8 if take_int8 else best_fp32
        else:
            pick = min(rows, key=_p50)
            reason = "the fastest artifact that passed parity" + ("" if not best_int8 else " (no fp32 artifact to compare int8 with)")
        picks.append({"runtime": runtime, "artifact_id": pick["artifact_id"], "precision": pick["precision"],
                      "p50_ms": _p50(pick), "reason": reason})
    return picks


def mac_efficiency(results: list[dict], peak: PeakRate | None) -> list[dict]:
    """Achieved MAC/s per artifact against the host's peak for its precision (pure)."""
    rows = []
    for row in results:
        rate = row.get("macs_per_second")
        if not rate or row.get("status") != "ok":
            continue
        ceiling = None if peak is None else (peak.int8_macs if row["precision"] == "int8" else peak.fp32_macs)
        rows.append({"artifact_id": row["artifact_id"], "gmacs": rate / 1e9,
                     "peak_gmacs": None if ceiling is None else ceiling / 1e9,
                     "fraction": None if ceiling is None else rate / ceiling})
    return rows


def runtime_gap(results: list[dict], recommended: list[dict]) -> dict | None:
    """The recommended ExecuTorch artifact against the fastest ONNX Runtime artifact (pure)."""
    et = next((r for r in recommended if r["runtime"] == "executorch"), None)
    ort = [r for r in results if r["runtime"] == "onnxruntime" and not r.get("baseline") and r["role"] != "head" and _p50(r)]
    if et is None or not ort:
        return None
    best = min(ort, key=_p50)
    return {"executorch_id": et["artifact_id"], "executorch_ms": et["p50_ms"], "onnxruntime_id": best["artifact_id"],
            "onnxruntime_ms": _p50(best), "ratio": et["p50_ms"] / _p50(best)}


def host_verdicts(run: dict, emulated: bool) -> dict:
    """The `verdicts` block of a run record."""
    host = run.get("host") or {}
    features = host.get("cpu_features") or []
    results = run.get("results") or []
    parity_rows = (run.get("parity") or {}).get("artifacts", [])
    threads = (run.get("settings") or {}).get("threads") or 1
    peak = host_peak(host, threads)
    recommended = recommend(results, parity_rows, features, emulated)
    return {
        "isa": isa_summary(features), "cpu_features": features, "int8_dot_product": int8_dot_product(features),
        "int8_vs_fp32": [{**c, "reason": int8_reason(c["ratio"], features)} for c in int8_comparisons(results)],
        "recommended": recommended,
        "peak": None if peak is None else {"fp32_gmacs": peak.fp32_macs / 1e9, "int8_gmacs": peak.int8_macs / 1e9, "basis": peak.basis},
        "mac_efficiency": mac_efficiency(results, peak),
        "executorch_vs_onnxruntime": runtime_gap(results, recommended),
        "phone_note": PHONE_NOTE if emulated else None,
    }
