"""ISA-aware verdicts: int8 vs fp32 reasons, the recommended artifact per profile, MAC/s vs peak."""

from __future__ import annotations

import pytest

from signport.device_bench.verdicts import (
    INT8_MAX_RATIO, PHONE_NOTE, cpu_clock_ghz, int8_comparisons, int8_reason, mac_efficiency, peak_macs, recommend, runtime_gap,
)

AVX2 = ["avx2", "fma"]
VNNI = ["avx2", "avx512_vnni", "avx512bw", "avx512f", "fma"]


def row(artifact_id, runtime, precision, p50, role="backbone", status="ok", baseline=False, macs_per_second=None):
    return {"artifact_id": artifact_id, "runtime": runtime, "precision": precision, "role": role, "status": status,
            "baseline": baseline, "latency_ms": {"p50": p50}, "compute_units": None, "macs_per_second": macs_per_second}


# The measurement on the AMD AVX2 host: ExecuTorch int8 slower than fp32, ONNX Runtime int8 fastest.
AMD_RESULTS = [row("pytorch-eager-fp32", "pytorch", "fp32", 19.97, baseline=True),
               row("executorch-backbone-fp32", "executorch", "fp32", 4.58), row("executorch-backbone-int8", "executorch", "int8", 5.65),
               row("onnx-backbone-fp32", "onnxruntime", "fp32", 6.19), row("onnx-backbone-int8", "onnxruntime", "int8", 3.39)]


def test_int8_slower_on_avx2_host_recommends_fp32_and_says_why():
    picks = {p["runtime"]: p for p in recommend(AMD_RESULTS, [], AVX2, emulated=False)}
    assert picks["executorch"]["artifact_id"] == "executorch-backbone-fp32"
    assert "slower" in picks["executorch"]["reason"] and "no int8 dot-product" in picks["executorch"]["reason"]
    # ONNX Runtime int8 is 0.55x its fp32 (<= 0.7x): int8 is recommended there.
    assert picks["onnxruntime"]["artifact_id"] == "onnx-backbone-int8"


def test_int8_recommended_only_when_at_most_07x_fp32():
    results = [row("et-fp32", "executorch", "fp32", 10.0), row("et-int8", "executorch", "int8", 7.5)]
    assert recommend(results, [], VNNI, emulated=False)[0]["artifact_id"] == "et-fp32"
    results[1]["latency_ms"]["p50"] = 10.0 * INT8_MAX_RATIO
    assert recommend(results, [], VNNI, emulated=False)[0]["artifact_id"] == "et-int8"


def test_failed_parity_artifact_is_never_recommended():
    results = [row("et-fp32", "executorch", "fp32", 10.0), row("et-int8", "executorch", "int8", 3.0)]
    picks = recommend(results, [{"artifact_id": "et-int8", "status": "fail"}], VNNI, emulated=False)
    assert picks[0]["artifact_id"] == "et-fp32"


def test_emulated_phone_profile_recommends_int8_with_the_phone_note():
    pick = {p["runtime"]: p for p in recommend(AMD_RESULTS, [], AVX2, emulated=True)}["executorch"]
    assert pick["artifact_id"] == "executorch-backbone-int8"
    assert PHONE_NOTE in pick["reason"]


def test_int8_comparisons_pair_fp32_and_int8_per_runtime():
    pairs = {c["runtime"]: c for c in int8_comparisons(AMD_RESULTS)}
    assert pairs["executorch"]["ratio"] == pytest.approx(5.65 / 4.58)
    assert pairs["onnxruntime"]["ratio"] == pytest.approx(3.39 / 6.19)
    assert "pytorch" not in pairs


def test_int8_reason_names_the_dot_product_when_present():
    assert "avx512_vnni" in int8_reason(1.2, VNNI) and "per-operator profile" in int8_reason(1.2, VNNI)
    assert "above the 0.7x" in int8_reason(0.9, AVX2)


def test_peak_from_isa_and_clock():
    avx2 = peak_macs(AVX2, 2.5, 2)
    assert avx2.fp32_macs == pytest.approx(2 * 2.5e9 * 2 * 8)
    assert avx2.int8_macs == pytest.approx(2 * avx2.fp32_macs)  # no dot product: 16-bit emulation
    vnni = peak_macs(VNNI, 2.0, 1)
    assert vnni.fp32_macs == pytest.approx(2.0e9 * 2 * 16) and vnni.int8_macs == pytest.approx(4 * vnni.fp32_macs)
    assert peak_macs(AVX2, None, 2) is None


def test_mac_efficiency_uses_the_precision_peak():
    peak = peak_macs(AVX2, 2.5, 2)
    rows = mac_efficiency([row("a", "executorch", "fp32", 1.0, macs_per_second=40e9),
                           row("b", "executorch", "int8", 1.0, macs_per_second=40e9)], peak)
    assert rows[0]["fraction"] == pytest.approx(0.5) and rows[1]["fraction"] == pytest.approx(0.25)


def test_cpu_clock_from_cpuinfo():
    assert cpu_clock_ghz("model name\t: AMD EPYC\ncpu MHz\t\t: 2445.412\n") == pytest.approx(2.445412)
    assert cpu_clock_ghz("Features: asimd") is None


def test_runtime_gap_compares_recommended_executorch_with_best_onnx():
    gap = runtime_gap(AMD_RESULTS, recommend(AMD_RESULTS, [], AVX2, emulated=False))
    assert gap["onnxruntime_id"] == "onnx-backbone-int8" and gap["ratio"] == pytest.approx(4.58 / 3.39)
