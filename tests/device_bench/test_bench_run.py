"""`signport bench` end to end on a tiny real bundle: real ExecuTorch runtime, ONNX Runtime and
eager PyTorch, each timed in its own subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from signport.cli import main
from signport.core.bundle import read_bundle
from signport.device_bench.profiles import EMULATED_LABEL, available_cores
from signport.device_bench.run import LatencyTarget, measure_latency, run_verdict


FAST = ["--hand-model-dir", "/nonexistent/signport-models", "--samples", "48", "--warmup", "3", "--min-iterations", "15",
        "--iterations", "40", "--max-seconds", "0.3"]


def bench(bundle: Path, *flags: str, checkpoint: bool = True) -> int:
    source = ["--checkpoint", str(bundle.parent / "checkpoint")] if checkpoint else []
    return main(["bench", "--bundle", str(bundle), *source, *FAST, *flags])


def results_of(bundle: Path) -> dict:
    return json.loads((bundle / "bench" / "results.json").read_text())


def only_run(bundle: Path) -> dict:
    runs = list(results_of(bundle)["runs"].values())
    assert len(runs) == 1
    return runs[0]


def test_emulated_bench_measures_every_runtime_labels_every_figure_and_writes_reports(bundle_copy, make_phone_result, capsys):
    code = bench(bundle_copy, "--profile", "pixel-7-emulated", "--fp32-min-top1-agreement", "1.0")
    printed = capsys.readouterr().out
    assert code == 0, printed
    run = only_run(bundle_copy)

    parity = {r["artifact_id"]: r for r in run["parity"]["artifacts"]}
    assert run["parity"]["reference"]["kind"] == "eager-checkpoint"
    assert run["parity"]["thresholds"]["source"] == "command line over manifest"
    assert "signport.data.synth" in run["parity"]["heldout"] and run["parity"]["labelled"]
    for artifact_id in ("executorch-backbone-fp32", "executorch-head-fp32", "onnx-backbone-fp32", "onnx-head-fp32"):
        row = parity[artifact_id]
        assert row["status"] == "pass", row
        assert row["metrics"]["top1_agreement"] == 1.0 and row["metrics"]["max_logit_delta_rel_range"] < 1e-3
        assert row["metrics"]["accuracy"] == row["metrics"]["reference_accuracy"]
    assert parity["onnx-backbone-fp32"]["metrics"]["embedding_cosine_min"] > 0.9999
    coreml_delegated = parity["executorch-backbone-fp16-coreml"]
    assert coreml_delegated["status"] == "unavailable" and "CoreMLBackend" in coreml_delegated["reasons"][0]

    rows = {r["artifact_id"]: r for r in run["results"]}
    assert set(rows) == {"pytorch-eager-fp32", *parity}
    assert {r["runtime"] for r in rows.values()} == {"pytorch", "executorch", "onnxruntime"}
    for artifact_id, row in rows.items():
        assert row["label"] == EMULATED_LABEL
        if artifact_id == "executorch-backbone-fp16-coreml":
            assert row["status"] == "unavailable" and row["error"].startswith("not available here")
            continue
        assert row["status"] == "ok", row
        assert row["threads"] == 2 and row["cpu_affinity"] == available_cores()[:2]
        assert 15 <= row["iterations"] <= 40 and len(row["samples_ms"]) == row["iterations"]
        assert row["latency_ms"]["p50"] == pytest.approx(float(np.percentile(row["samples_ms"], 50)), rel=1e-4)
        assert row["latency_ms"]["p50"] <= row["latency_ms"]["p90"] <= row["latency_ms"]["p99"]
        assert row["load_ms"] > 0 and row["peak_rss_mb"] > row["model_rss_mb"] > 0
        assert row["macs"] > 0 and row["macs_per_second"] > 0
    assert rows["executorch-backbone-fp32"]["threads_used"] == 2  # the ExecuTorch threadpool was resized
    assert rows["pytorch-eager-fp32"]["threads_used"] == 2

    budget = run["budget"]
    hands, preprocess, smoothing = budget["stages"]
    assert hands["stage"] == "hand_detection" and hands["p50_ms"] is None and "--hand-model" in hands["note"]
    assert preprocess["stage"] == "preprocess" and 0 < preprocess["p50_ms"] < 5 and "template hand" in preprocess["note"]
    assert smoothing["stage"] == "smoothing" and 0 < smoothing["p50_ms"] < 1
    for artifact in budget["artifacts"]:
        if artifact["verdict"] != "not measured":
            assert artifact["missing"] == ["hand_detection"] and artifact["verdict"] == "incomplete"
    assert budget["verdict"] == "incomplete" and budget["label"] == EMULATED_LABEL

    report_dir = bundle_copy / "bench"
    md = (report_dir / "report.md").read_text()
    html = (report_dir / "report.html").read_text()
    sections = {chunk.split("\n", 1)[0]: chunk for chunk in md.split("\n## ")[1:]}
    timing_sections = [title for title in sections if title.startswith(("Latency", "30 fps budget"))]
    assert len(timing_sections) == 2
    for title in timing_sections:
        assert EMULATED_LABEL in title
        figures = [line for line in sections[title].splitlines()
                   if line.startswith("| ") and not line.startswith(("| artifact", "| stage"))]
        assert len(figures) >= 5
        assert all(EMULATED_LABEL in line or "not measured" in line for line in figures), title
    images = [line for line in md.splitlines() if line.startswith("![")]
    for caption in ("Latency histogram and CDF", "Accuracy vs p50", "pipeline time vs budget"):
        assert any(caption in image for image in images), caption
    assert "No artifact changed any prediction vs the reference" in md
    for line in images:
        assert (report_dir / line.split("](")[1].rstrip(")")).stat().st_size > 5000
    assert all(EMULATED_LABEL in image for image in images if "atency" in image or "budget" in image)
    assert html.count("<img src=") == len(images)
    assert "<th>p50 ms</th>" in html and "<td class='pass'>PASS</td>" in html
    assert "<td class='skip'>N/A — not available here: this ExecuTorch runtime has no CoreMLBackend" in html
    assert EMULATED_LABEL in printed and "INCOMPLETE" in printed

    # a phone's result joins the same results file; the report compares both devices
    phone_json = bundle_copy.parent / "pixel.json"
    phone_json.write_text(json.dumps(make_phone_result("Pixel 7", 1.1)))
    assert main(["bench", "import", "--result", str(phone_json), "--bundle", str(bundle_copy)]) == 0
    assert len(results_of(bundle_copy)["runs"]) == 2
    capsys.readouterr()
    assert main(["bench", "report", "--bundle", str(bundle_copy)]) == 0
    table = capsys.readouterr().out
    assert "Pixel 7" in table and "device-measured" in table and EMULATED_LABEL in table
    summary = (report_dir / "report.md").read_text().split("## All devices")[1].split("\n## ")[0]
    assert "| Pixel 7 | device | device-measured |" in summary and f"| pixel-7-emulated | {EMULATED_LABEL} |" in summary


def test_perturbed_artifact_fails_parity_with_a_red_row_and_exit_1(bundle_copy, perturbed_onnx_backbone, rewrite_artifact,
                                                                  capsys):
    rewrite_artifact(bundle_copy, "onnx-backbone-fp32", perturbed_onnx_backbone)
    code = bench(bundle_copy, "--no-latency")
    printed = capsys.readouterr().out
    assert code == 1
    run = only_run(bundle_copy)
    rows = {r["artifact_id"]: r for r in run["parity"]["artifacts"]}
    bad = rows["onnx-backbone-fp32"]
    assert bad["status"] == "fail"
    assert bad["metrics"]["max_logit_delta_rel_range"] > 1e-3
    assert any(r.startswith("max_logit_delta_rel_range") for r in bad["reasons"])
    assert rows["executorch-backbone-fp32"]["status"] == "pass" and rows["onnx-head-fp32"]["status"] == "pass"
    assert run["verdict"]["failed_parity"] == ["onnx-backbone-fp32"] and run["verdict"]["exit_code"] == 1
    assert "✗ onnx-backbone-fp32" in printed and "parity FAIL" in printed
    html = (bundle_copy / "bench" / "report.html").read_text()
    red_rows = [row for row in html.split("<tr") if row.startswith(" class='fail'")]
    assert any("onnx-backbone-fp32" in row and "<td class='fail'>FAIL — " in row and "max_logit_delta_rel_range" in row
               for row in red_rows)
    assert bad["metrics"]["disagreements"] > 0
    assert "onnx-backbone-fp32: confusion-matrix delta vs reference" in html


def test_artifact_that_cannot_load_is_a_red_row_with_its_error(bundle_copy, rewrite_artifact, tmp_path, capsys):
    rewrite_artifact(bundle_copy, "onnx-head-fp32", b"this is not an onnx model")
    assert bench(bundle_copy, "--no-latency") == 1
    row = next(r for r in only_run(bundle_copy)["parity"]["artifacts"] if r["artifact_id"] == "onnx-head-fp32")
    assert row["status"] == "error" and row["reasons"][0].startswith("failed to load or run: ")
    assert "✗ onnx-head-fp32" in capsys.readouterr().out

    # the same broken file in the latency stage: a failed row with the runtime's error, and exit code 1
    bundle = read_bundle(bundle_copy)
    np.save(tmp_path / "x.npy", np.zeros((1, 16), np.float32))
    artifact = next(a for a in bundle.artifacts if a["id"] == "onnx-head-fp32")
    target = LatencyTarget(artifact["id"], "onnx", bundle.artifact_path(artifact), "head", "fp32")
    base = dict(threads=1, cpu_affinity=None, warmup_iterations=1, min_iterations=2, max_iterations=3, max_seconds=0.1)
    rows = measure_latency([target], {"model": tmp_path / "x.npy", "embedding": tmp_path / "x.npy"}, base,
                           tmp_path / "work", "host-measured", {})
    assert rows[0]["status"] == "failed" and rows[0]["error"], rows[0]
    assert run_verdict({"results": rows})["exit_code"] == 1


def test_recorded_source_checkpoint_is_the_eager_reference_without_a_flag(bundle_copy):
    code = bench(bundle_copy, "--no-latency", checkpoint=False)
    reference = only_run(bundle_copy)["parity"]["reference"]
    assert reference["kind"] == "eager-checkpoint" and reference["checkpoint"].endswith("checkpoint")
    assert code == 0


def test_without_checkpoint_the_fp32_artifact_is_the_stated_reference(bundle_copy):
    manifest_path = bundle_copy / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["source_checkpoint"]["path"]  # a bundle copied to a machine without its checkpoint
    manifest["skipped"] = [{"id": "executorch-backbone-int8", "format": "executorch", "role": "backbone", "precision": "int8",
                            "delegate": "xnnpack", "status": "skipped", "reason": "int8 needs --calibration"}]
    manifest_path.write_text(json.dumps(manifest))
    code = bench(bundle_copy, "--no-latency", checkpoint=False)
    run = only_run(bundle_copy)
    reference = run["parity"]["reference"]
    assert reference["kind"] == "fp32-artifact" and reference["artifact_id"] == "executorch-backbone-fp32"
    assert "no eager reference" in reference["description"] and "--checkpoint" in reference["description"]
    rows = {r["artifact_id"]: r["status"] for r in run["parity"]["artifacts"]}
    assert rows["executorch-backbone-fp32"] == "reference" and rows["onnx-backbone-fp32"] == "pass"
    not_built = next(r for r in run["parity"]["artifacts"] if r["artifact_id"] == "executorch-backbone-int8")
    assert not_built["status"] == "unavailable" and not_built["reasons"] == ["not built at export: int8 needs --calibration"]
    assert code == 0


@pytest.mark.shared_data
def test_real_landmarks_give_accuracy_and_per_class_deltas(bundle_copy, shared_data):
    data = shared_data / "landmarks" / "asl_letters_mediapipe.npz"
    bench(bundle_copy, "--no-latency", "--data", str(data))
    parity = only_run(bundle_copy)["parity"]
    assert parity["labelled"] and parity["heldout"].startswith(f"real: 48 samples from {data}, balanced over 5 classes")
    onnx = next(r for r in parity["artifacts"] if r["artifact_id"] == "onnx-backbone-fp32")
    assert onnx["metrics"]["accuracy"] == pytest.approx(onnx["metrics"]["reference_accuracy"])
    assert len(onnx["metrics"]["per_class_accuracy_delta"]) == 5
    assert np.asarray(onnx["metrics"]["confusion_delta"]).sum() == 0
