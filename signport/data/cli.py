"""`signport data ...`: generate synthetic data and inspect datasets."""

from __future__ import annotations

from signport.core.config import add_dataclass_arguments, dataclass_from_args
from signport.data.synth.config import SynthConfig


def register(subparsers) -> None:
    parser = subparsers.add_parser("data", help="generate synthetic data, inspect datasets")
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)
    data_commands = parser.add_subparsers(dest="data_command", metavar="DATA_COMMAND")

    synth = data_commands.add_parser(
        "synth", help="generate the synthetic dataset (letters, sign clips, user recordings)",
        description="Render the embedded default dataset: 29-class ASL-alphabet images with landmarks, "
                    "short clips of dynamic signs in WLASL layout, and a new signer's per-letter recordings. "
                    "Deterministic for --seed; an identical existing output is skipped unless --force.",
    )
    add_dataclass_arguments(synth, SynthConfig)
    synth.set_defaults(handler=run_synth)


def run_synth(args) -> int:
    from signport.data.synth.writers import write_all

    config = dataclass_from_args(SynthConfig, args)
    for summary in write_all(config):
        state = "up to date, skipped (use --force to regenerate)" if summary["skipped"] else "written"
        counts = summary["counts"]
        amount = f"{counts['total']} items" if "total" in counts else f"{counts['clips']} clips, {counts['frames']} frames"
        print(f"{summary['kind']}: {amount} in {summary['path']} ({state})")
    return 0
