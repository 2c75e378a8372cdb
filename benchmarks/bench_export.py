"""Export benchmark: wall time per artifact and format, artifact sizes, export-time parity.

    python benchmarks/bench_export.py --out runs/bench_export.json
    python benchmarks/bench_export.py --from CKPT --quant fp32,int8 --calibration DIR --out runs/bench_export.json

Without --from it builds MobileNetV2-224 width 1.0 (29 classes; random weights with BatchNorm
statistics from synthetic images, since ImageNet weights need the internet). On random weights
int8 agreement is meaningless (the network separates nothing), so parity failures are recorded
rather than fatal here; pass a trained checkpoint for meaningful int8 parity.
Not a test: numbers depend on the machine and its load, which the JSON records.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from signport.core.host import host_description


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="checkpoint", type=Path, default=None, help="checkpoint to export (default: MobileNetV2-224 width 1.0, random weights)")
    parser.add_argument("--formats", default="executorch,coreml,onnx")
    parser.add_argument("--quant", default="fp32,int8")
    parser.add_argument("--calibration", default="synthetic", help="folder of inputs, or 'synthetic'")
    parser.add_argument("--calibration-samples", type=int, default=100)
    parser.add_argument("--parity-samples", type=int, default=200)
    parser.add_argument("--fused", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="keep the bundle in this folder (default: a temporary folder)")
    parser.add_argument("--out", type=Path, required=True, help="JSON results file")
    return parser.parse_args(argv)


def reference_checkpoint(directory: Path) -> Path:
    """MobileNetV2-224 width 1.0 with BatchNorm statistics from synthetic images."""
    import torch

    from signport.core.checkpoint import CheckpointMeta, save_checkpoint
    from signport.core.labels import ASL_LETTERS
    from signport.export.calibration import synthetic_inputs
    from signport.models import backbone_fingerprint, build_model
    from signport.models.registry import model_preprocessing

    args = {"width": 1.0, "input_size": 224}
    prep = model_preprocessing("mobilenet_v2", **args)
    torch.manual_seed(0)
    model = build_model("mobilenet_v2", len(ASL_LETTERS), **args)
    model.train()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.momentum = None
        model(torch.from_numpy(synthetic_inputs(prep, 32, seed=0)))
    model.eval()
    meta = CheckpointMeta(
        architecture="mobilenet_v2", arch_args=args, labels=list(ASL_LETTERS), preprocessing=prep.to_dict(),
        backbone_fingerprint=backbone_fingerprint(model), embedding_size=model.embedding_size,
        train_config={"note": "random weights, BatchNorm statistics from synthetic images (benchmark only)"},
    )
    return save_checkpoint(directory / "mobilenet_v2_224", model.state_dict(), meta)


def main(argv=None) -> int:
    args = parse_args(argv)
    from signport.export.config import ExportConfig
    from signport.export.pipeline import export_bundle

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        started = time.perf_counter()
        checkpoint = args.checkpoint or reference_checkpoint(scratch)
        checkpoint_seconds = time.perf_counter() - started
        config = ExportConfig(
            checkpoint=checkpoint, out=args.keep or scratch / "bundle", formats=args.formats, quant=args.quant, fused=args.fused,
            calibration=args.calibration, calibration_samples=args.calibration_samples, parity_samples=args.parity_samples,
            on_parity_failure="warn", threads=args.threads,
        )
        started = time.perf_counter()
        report = export_bundle(config, progress=True)
        total_seconds = time.perf_counter() - started

    manifest = report.manifest
    artifacts = [
        {
            "id": a["id"], "format": a["format"], "role": a["role"], "precision": a["precision"], "delegate": a["delegate"],
            "export_seconds": a["export_seconds"], "size_bytes": a["size_bytes"], "parity": _parity(a["parity"]),
        }
        for a in manifest["artifacts"]
    ]
    per_format = {}
    for row in artifacts:
        entry = per_format.setdefault(row["format"], {"export_seconds": 0.0, "size_bytes": 0, "artifacts": 0})
        entry["export_seconds"] = round(entry["export_seconds"] + row["export_seconds"], 3)
        entry["size_bytes"] += row["size_bytes"]
        entry["artifacts"] += 1
    results = {
        "benchmark": "export",
        "model": {"architecture": manifest["architecture"], "checkpoint": str(args.checkpoint) if args.checkpoint else "generated (random weights)"},
        "machine": {
            **host_description(), "load_average_1m_at_end": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        },
        "toolchain": manifest["toolchain"],
        "config": {"formats": list(config.formats), "quant": list(config.quant), "fused": config.fused, "calibration": args.calibration,
                   "calibration_samples": config.calibration_samples, "parity_samples": config.parity_samples},
        "seconds": {"build_checkpoint": round(checkpoint_seconds, 3), "export_total": round(total_seconds, 3), "stages": report.stage_seconds},
        "per_format": per_format,
        "artifacts": artifacts,
        "not_built": manifest["skipped"],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    for row in artifacts:
        print(f"{row['id']:<36} {row['export_seconds']:>8.1f} s {row['size_bytes'] / 1e6:>8.2f} MB  {row['parity']}")
    print(f"wrote {args.out}")
    return 0


def _parity(parity: dict) -> dict:
    keys = ("measured", "passed", "top1_agreement", "max_logit_delta_rel_range", "embedding_cosine_min", "reason")
    summary = {k: parity[k] for k in keys if k in parity}
    if "validation" in parity:
        weights = parity["validation"].get("weights")
        summary["validation"] = {"passed": parity["validation"]["passed"], **({"weights_max_relative_error": weights["max_relative_error"]} if weights else {})}
    return summary


if __name__ == "__main__":
    sys.exit(main())
