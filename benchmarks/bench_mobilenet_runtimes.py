"""MobileNetV2-224 (width 1.0, 29 classes) on this host, every runtime in one run, same input,
same thread count: PyTorch eager fp32 (baseline), ONNX Runtime fp32, ExecuTorch XNNPACK fp32 and
int8 (PT2E, XNNPACKQuantizer, per-channel). Each runtime is timed in its own fresh process by
signport.device_bench's measurement code (the same code `signport bench` runs).

    python benchmarks/bench_mobilenet_runtimes.py --out mobilenet_runtimes.json

Checks (issue #5): ExecuTorch int8 p50 <= 0.5 x ONNX Runtime fp32 p50 and <= 0.1 x eager fp32 p50.
Also reports MACs / p50 per runtime and ExecuTorch int8 at 1 thread, to show that the thread
setting reaches XNNPACK's threadpool. Exit code 1 when a check fails.

On a shared machine other processes steal cores, so runtimes are measured in `--rounds`
interleaved rounds (eager, ORT, ET fp32, ET int8, then again); each runtime's p50 is the median
of its rounds' p50s, every round is in the JSON, and so is the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from signport.core.atomic import write_json
from signport.core.checkpoint import CheckpointMeta, save_checkpoint
from signport.core.labels import ASL_LETTERS
from signport.core.preprocessing import normalize_image
from signport.device_bench.macs import count_macs
from signport.device_bench.measure import MeasureRequest, measure_in_subprocess
from signport.device_bench.run import host_description
from signport.device_bench.stats import latency_stats
from signport.train.models import backbone_fingerprint, build_model
from signport.train.models.registry import model_preprocessing

ARCH_ARGS = {"width": 1.0, "input_size": 224}


def calibration_images(count: int, seed: int) -> list[torch.Tensor]:
    """Random RGB images normalized like the model's input (latency does not depend on the weights' accuracy)."""
    rng = np.random.default_rng(seed)
    prep = model_preprocessing("mobilenet_v2", **ARCH_ARGS)
    # unsqueeze, not numpy's [None]: that axis gets stride 0, which ExecuTorch's export rejects
    return [torch.from_numpy(normalize_image(rng.integers(0, 256, (224, 224, 3), dtype=np.uint8), prep)).unsqueeze(0)
            for _ in range(count)]


def export_artifacts(model: torch.nn.Module, workdir: Path, calibration: list[torch.Tensor]) -> dict[str, Path]:
    """fp32 and int8 ExecuTorch programs (XNNPACK) and an fp32 ONNX model of the whole network."""
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import XNNPACKQuantizer, get_symmetric_quantization_config
    from executorch.exir import to_edge_transform_and_lower
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    example = (calibration[0],)
    paths = {"executorch-fp32": workdir / "model_fp32.pte", "executorch-int8": workdir / "model_int8.pte",
             "onnx-fp32": workdir / "model_fp32.onnx"}
    fp32 = torch.export.export(model, example)
    paths["executorch-fp32"].write_bytes(
        to_edge_transform_and_lower(fp32, partitioner=[XnnpackPartitioner()]).to_executorch().buffer)
    quantizer = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
    prepared = prepare_pt2e(torch.export.export(model, example).module(), quantizer)
    for image in calibration:
        prepared(image)
    int8 = torch.export.export(convert_pt2e(prepared), example)
    paths["executorch-int8"].write_bytes(
        to_edge_transform_and_lower(int8, partitioner=[XnnpackPartitioner()]).to_executorch().buffer)
    torch.onnx.export(model, example, str(paths["onnx-fp32"]), dynamo=True, input_names=["input"],
                      output_names=["logits"], verbose=False)
    return paths


def measure(name: str, fmt: str, path: Path, threads: int, inputs: Path, args, workdir: Path) -> dict:
    request = MeasureRequest(stage="runner", threads=threads, inputs_path=str(inputs), warmup_iterations=args.warmup,
                             min_iterations=args.min_iterations, max_iterations=args.iterations,
                             max_seconds=args.max_seconds, options={"artifact_path": str(path), "format": fmt})
    result = measure_in_subprocess(request, workdir)
    if result["status"] != "ok":
        raise SystemExit(f"{name}: {result['error']}")
    stats = latency_stats(result["samples_ms"])
    return {
        "runtime": name, "format": fmt, "threads": threads, "threads_used": result["threads_used"],
        "os_threads": result["os_threads"], "latency_ms": {k: stats[k] for k in ("p50", "p90", "p99", "mean", "min", "max")},
        "fps": stats["fps"], "iterations": stats["iterations"], "load_ms": result["load_ms"],
        "peak_rss_mb": result["peak_rss_bytes"] / 2**20,
        "model_rss_mb": (result["peak_rss_bytes"] - result["rss_before_load_bytes"]) / 2**20,
        "artifact_bytes": path.stat().st_size if path.is_file() else None,
    }


def median_round(measured: list[dict]) -> dict:
    """The round whose p50 is the median of all rounds' p50s, with every round's p50 attached."""
    ordered = sorted(measured, key=lambda run: run["latency_ms"]["p50"])
    return {**ordered[(len(ordered) - 1) // 2], "round_p50s_ms": [run["latency_ms"]["p50"] for run in measured]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("mobilenet_runtimes.json"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--min-iterations", type=int, default=50)
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--max-seconds", type=float, default=15.0)
    parser.add_argument("--calibration", type=int, default=16, help="calibration images for int8")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved measurement rounds per runtime")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    labels = list(ASL_LETTERS)
    model = build_model("mobilenet_v2", len(labels), **ARCH_ARGS).eval()
    calibration = calibration_images(args.calibration, args.seed)
    macs = count_macs(model, calibration[0])
    with tempfile.TemporaryDirectory(prefix="bench-mobilenet-") as tmp:
        workdir = Path(tmp)
        checkpoint = workdir / "checkpoint"
        save_checkpoint(checkpoint, model.state_dict(), CheckpointMeta(
            architecture="mobilenet_v2", arch_args=ARCH_ARGS, labels=labels,
            preprocessing=model_preprocessing("mobilenet_v2", **ARCH_ARGS).to_dict(),
            backbone_fingerprint=backbone_fingerprint(model), embedding_size=model.embedding_size))
        print("exporting ExecuTorch fp32/int8 and ONNX fp32 ...", file=sys.stderr)
        artifacts = export_artifacts(model, workdir, calibration)
        inputs = workdir / "input.npy"
        np.save(inputs, calibration[0].numpy())
        targets = [("pytorch-eager-fp32", "pytorch", checkpoint, args.threads),
                   ("onnxruntime-fp32", "onnx", artifacts["onnx-fp32"], args.threads),
                   ("executorch-xnnpack-fp32", "executorch", artifacts["executorch-fp32"], args.threads),
                   ("executorch-xnnpack-int8", "executorch", artifacts["executorch-int8"], args.threads),
                   ("executorch-xnnpack-int8-1-thread", "executorch", artifacts["executorch-int8"], 1)]
        load_before = os.getloadavg()
        rounds: dict[str, list[dict]] = {name: [] for name, *_ in targets}
        for round_index in range(args.rounds):
            for name, fmt, path, threads in targets:
                print(f"round {round_index + 1}/{args.rounds}: {name} ({threads} threads) ...", file=sys.stderr)
                rounds[name].append(measure(name, fmt, path, threads, inputs, args, workdir))
        load_after = os.getloadavg()
    runs = {name: median_round(measured) for name, measured in rounds.items()}
    one_thread = runs.pop("executorch-xnnpack-int8-1-thread")

    p50 = {name: run["latency_ms"]["p50"] for name, run in runs.items()}
    for run in runs.values():
        run["macs_per_second"] = macs / (run["latency_ms"]["p50"] / 1000)
        run["speedup_vs_eager"] = p50["pytorch-eager-fp32"] / run["latency_ms"]["p50"]
    int8 = p50["executorch-xnnpack-int8"]
    checks = {
        "executorch_int8_vs_onnxruntime_fp32": {"ratio": int8 / p50["onnxruntime-fp32"], "limit": 0.5},
        "executorch_int8_vs_eager_fp32": {"ratio": int8 / p50["pytorch-eager-fp32"], "limit": 0.1},
    }
    for check in checks.values():
        check["passed"] = check["ratio"] <= check["limit"]
    result = {
        "benchmark": "bench_mobilenet_runtimes",
        "model": {"architecture": "mobilenet_v2", **ARCH_ARGS, "num_classes": len(labels), "weights": "random init",
                  "macs": macs, "parameters": sum(p.numel() for p in model.parameters())},
        "host": {**host_description(), "load_average_before": load_before, "load_average_after": load_after},
        "label": "host-measured",
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     **{m: __import__(m).__version__ for m in ("onnxruntime", "numpy")},
                     "executorch": _executorch_version()},
        "settings": {"threads": args.threads, "warmup": args.warmup, "min_iterations": args.min_iterations,
                     "max_iterations": args.iterations, "max_seconds": args.max_seconds, "batch": 1,
                     "same_input_for_all": True, "fresh_process_per_runtime": True},
        "runtimes": runs,
        "executorch_int8_one_thread": one_thread,
        "checks": checks,
        "passed": all(c["passed"] for c in checks.values()),
    }
    write_json(args.out, result)
    print(json.dumps({"p50_ms": p50, "checks": checks, "gmacs_per_second": {n: r["macs_per_second"] / 1e9 for n, r in runs.items()},
                      "executorch_int8_p50_ms_1_thread": one_thread["latency_ms"]["p50"]}, indent=2))
    return 0 if result["passed"] else 1


def _executorch_version() -> str:
    from executorch import version

    return version.__version__


if __name__ == "__main__":
    sys.exit(main())
