"""`signport export` (checkpoint -> bundle) and `signport swap-head` (new head into a bundle)."""

from __future__ import annotations

from pathlib import Path

from signport.core.config import add_dataclass_arguments, dataclass_from_args
from signport.export.config import ExportConfig, SwapHeadConfig


def register(subparsers) -> None:
    export = subparsers.add_parser(
        "export", help="export a checkpoint to ExecuTorch / Core ML / ONNX with a swappable head",
        description="Turn a checkpoint into a bundle: backbone, head and (optionally) fused model per format, "
        "parity-checked against PyTorch, described by manifest.json.",
    )
    export.add_argument("--from", dest="checkpoint", type=Path, required=True, metavar="CKPT", help="checkpoint folder (weights.safetensors + checkpoint.json)")
    add_dataclass_arguments(export, ExportConfig)
    export.add_argument("--no-progress", action="store_true", help="no progress bar")
    export.set_defaults(handler=run_export)

    swap = subparsers.add_parser(
        "swap-head", help="install a fine-tuned head into a bundle without touching its backbone",
        description="Check the head against the bundle (backbone fingerprint, embedding size, labels), rebuild every "
        "format's head artifact, and update the manifest atomically.",
    )
    add_dataclass_arguments(swap, SwapHeadConfig)
    swap.set_defaults(handler=run_swap_head)


def run_export(args) -> int:
    from signport.export.pipeline import export_bundle

    config = dataclass_from_args(ExportConfig, args)
    if config.check:
        from signport.export.op_check import check_export, coverage_lines

        print("operator coverage per target runtime (fp32; nothing written):")
        for line in coverage_lines(check_export(config)):
            print(line)
        return 0
    report = export_bundle(config, progress=not args.no_progress)
    search = report.manifest.get("quant_search")
    if search:
        from signport.export.quant_search import SearchPoint, SearchResult, search_table

        result = SearchResult([SearchPoint(**p) for p in search["points"]], tuple(search["quant"]), tuple(search["float_layers"]), search["reason"])
        print(f"--quant auto ({search['settings']['measured']}, profile {search['settings']['profile']}, {search['settings']['threads']} threads; "
              f"top-1 on {search['settings']['data']}):")
        for line in search_table(result):
            print(line)
    for line in report_lines(report.manifest):
        print(line)
    print(f"bundle: {report.bundle_dir}/manifest.json ({len(report.manifest['artifacts'])} artifacts, {len(report.manifest['skipped'])} not built)")
    if report.failures:
        print("WARNING: parity failed for " + " | ".join(report.failures))
    return 0


def run_swap_head(args) -> int:
    from signport.export.swap_head import swap_head

    config = dataclass_from_args(SwapHeadConfig, args)
    report = swap_head(config.bundle, config.head, force=config.force, threads=config.threads)
    for line in report.lines():
        print(line)
    return 0


def report_lines(manifest: dict) -> list[str]:
    """The format table a user reads after an export: one row per artifact, built or not."""
    lines = [f"{'artifact':<36} {'status':<11} {'size':>10} {'seconds':>8}  parity"]
    for row in manifest["artifacts"]:
        parity = row.get("parity") or {}
        if parity.get("measured"):
            summary = f"top-1 {parity['top1_agreement']:.3f}  max|Δ|/range {parity['max_logit_delta_rel_range']:.1e}  {'ok' if parity['passed'] else 'FAIL'}"
        else:
            summary = parity.get("reason", "-")
            validation = parity.get("validation")
            if validation:
                summary += f"; validation {'passed' if validation.get('passed') else 'FAILED'}"
        lines.append(f"{row['id']:<36} {'ok':<11} {_size(row['size_bytes']):>10} {row.get('export_seconds', 0):>8.1f}  {summary}")
    for row in manifest["skipped"]:
        lines.append(f"{row['id']:<36} {row['status']:<11} {'-':>10} {'-':>8}  {row['reason']}")
    hosts = {(p["measured_on"]["cpu"], p["measured_on"]["isa"]) for row in manifest["artifacts"]
             if (p := row.get("parity") or {}).get("measured_on")}
    for cpu, isa in sorted(hosts):
        lines.append(f"parity measured on this host: {cpu}, {isa}")
    if any(not row["quantization"]["host_independent"] for row in manifest["artifacts"] if row.get("quantization")):
        lines.append("note: some int8 settings are host-dependent; `signport bench` re-checks parity on each host it runs on")
    return lines


def _size(size: int) -> str:
    return f"{size / 1e6:.2f} MB" if size >= 1e5 else f"{size / 1e3:.1f} kB"
