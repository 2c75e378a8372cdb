"""Operator coverage per target runtime: what would not be delegated or not be supported, with the fix.

`signport export --check` builds every fp32 artifact in a scratch folder (the real lowering, so
the answer is the toolchain's, not a guess) and writes nothing else; a normal export records the
same table in the manifest ("op_coverage") from the artifacts it wrote.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

# Known operators XNNPACK leaves to ExecuTorch's portable kernels (single-threaded reference C++),
# and what to do about each.
OP_FIXES = {
    "aten.convolution": "a 3-D or unusual convolution: register a pre-export transform (the Conv3d -> Conv2d rewrite in export/rewrite_3d.py)",
    "aten.upsample_nearest2d": "XNNPACK lowers only some resize modes: use bilinear (align_corners=False) or a strided transposed conv",
    "aten.native_layer_norm": "LayerNorm is not delegated by XNNPACK 1.5.1: use BatchNorm (folds into the conv) or accept portable kernels",
    "aten.gelu": "use ReLU/Hardswish, which XNNPACK fuses",
}
DEFAULT_FIX = ("runs on ExecuTorch's portable kernels (single-threaded reference code): replace it with an op XNNPACK "
               "delegates, or register a pre-export transform (signport.export.modules)")
RUNTIME_OF = {("executorch", "xnnpack"): "executorch-xnnpack", ("executorch", "coreml"): "executorch-coreml",
              ("onnx", None): "onnxruntime", ("coreml", None): "coreml"}


def runtime_key(row: dict) -> str:
    return RUNTIME_OF.get((row["format"], row.get("delegate") if row["format"] == "executorch" else None), row["format"])


def fix_for(op: str) -> str:
    return OP_FIXES.get(op, DEFAULT_FIX)


def coverage_from_rows(artifacts: list[dict], skipped: list[dict]) -> dict:
    """Per runtime: each artifact role/precision fully supported, partly delegated (with the ops
    left out and their fixes) or unsupported (with the reason, which names the fix) (pure)."""
    coverage: dict[str, list[dict]] = {}
    for row in artifacts:
        if row["role"] == "head":
            continue
        ops = row.get("undelegated_ops") or []
        entry = {"role": row["role"], "precision": row["precision"], "status": "partial" if ops else "full"}
        if ops:
            entry["ops"] = [{"op": op, "fix": fix_for(op)} for op in ops]
        coverage.setdefault(runtime_key(row), []).append(entry)
    for row in skipped:
        if row["role"] == "head":
            continue
        coverage.setdefault(runtime_key(row), []).append(
            {"role": row["role"], "precision": row["precision"], "status": row["status"], "reason": row["reason"]})
    return coverage


def coverage_lines(coverage: dict) -> list[str]:
    lines = []
    for runtime, entries in coverage.items():
        for e in entries:
            head = f"{runtime:<20} {e['role']:<9} {e['precision']:<6} {e['status'].upper()}"
            if e["status"] == "full":
                lines.append(head + "  every operator supported/delegated")
            elif e["status"] == "partial":
                lines += [head] + [f"{'':<22}- {o['op']}: {o['fix']}" for o in e["ops"]]
            else:
                lines.append(f"{head}  {e['reason']}")
    return lines


def check_export(config) -> dict:
    """--check: lower every fp32 artifact of `config` into a scratch folder; the coverage table."""
    import dataclasses

    from signport.core.errors import ToolchainError
    from signport.core.preprocessing import Preprocessing
    from signport.export.bundle_writer import skipped_row
    from signport.export.formats import ArtifactSkipped, ExportContext, ExportJob, get_format, quiet_toolchain_logs
    from signport.export.modules import export_parts
    from signport.models import model_from_checkpoint

    model, meta = model_from_checkpoint(config.checkpoint)
    prep = Preprocessing.from_dict(meta.preprocessing)
    config = dataclasses.replace(config, quant=("fp32",), etrecord=False)
    parts = {p.role: p for p in export_parts(model, prep.input_kind, prep.input_shape(1), config.fused)}
    context = ExportContext(model.family, list(meta.labels), meta.preprocessing, meta.backbone_fingerprint, "check")
    artifacts, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="signport-export-check-") as tmp:
        for fmt in map(get_format, config.formats):
            for request in fmt.requests(config, [r for r in parts if r != "head"]):
                part = parts[request.role]
                target = Path(tmp) / request.relative_path
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with quiet_toolchain_logs():
                        artifact = fmt.export(ExportJob(request, part, part.for_format(model.family, fmt.name), None, target, config, context))
                        if request.format == "onnx":
                            _onnx_runtime_check(target)
                except (ArtifactSkipped, ToolchainError) as e:
                    skipped.append(skipped_row(request, getattr(e, "status", "unsupported"), str(e)))
                    continue
                artifacts.append({"format": request.format, "delegate": request.delegate, "role": request.role,
                                  "precision": request.precision, **artifact.extra})
    return coverage_from_rows(artifacts, skipped)


def _onnx_runtime_check(path: Path) -> None:
    """ONNX Runtime refuses a graph with an operator its CPU provider lacks when the session is created."""
    import onnxruntime as ort

    from signport.core.errors import ToolchainError

    try:
        ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises its own Fail/NotImplemented types
        raise ToolchainError(f"ONNX Runtime cannot run it: {str(e).splitlines()[0][:300]}") from e
