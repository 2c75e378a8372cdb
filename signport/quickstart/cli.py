"""`signport quickstart`: data -> train -> export -> bench -> personalise -> report, in one command."""

from __future__ import annotations

from signport.core.config import add_dataclass_arguments, dataclass_from_args
from signport.quickstart.config import QuickstartConfig


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "quickstart", help="run the whole pipeline on built-in synthetic data and write report.html",
        description="Generate synthetic data, train MobileNetV2 / landmark / 3D-MobileNetV2 models (reduced size for a "
        "laptop CPU), export each to ExecuTorch, Core ML and ONNX in fp32 and int8, bench parity and the 30 fps gate "
        "on an emulated phone profile, fine-tune a head for a new signer and hot-swap it, then write report.html and "
        "report.md. Each step is a `signport` subcommand (printed as it runs); re-running skips finished steps.",
    )
    add_dataclass_arguments(parser, QuickstartConfig)
    parser.add_argument("--dry-run", action="store_true", help="print the steps' command lines and exit")
    parser.set_defaults(handler=run_quickstart)


def run_quickstart(args) -> int:
    from signport.quickstart.main import quickstart

    config = dataclass_from_args(QuickstartConfig, args)
    if not args.dry_run:
        # Every step runs in this process, so the first torch import fixes how OpenMP waits: choose now.
        from signport.core.openmp import apply_wait_policy

        print(apply_wait_policy(config.threads).reason)
    return quickstart(config, dry_run=args.dry_run)
