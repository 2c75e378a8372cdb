"""`signport train | finetune | evaluate`: flags -> one config dataclass -> the code, unchanged.

The only place that reads the environment: torchrun's WORLD_SIZE / RANK / LOCAL_RANK and the
cache folder (SIGNPORT_CACHE, else $XDG_CACHE_HOME/signport, else ~/.cache/signport). It also picks
how OpenMP threads wait before torch loads (signport.core.openmp).
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from signport.core.config import add_dataclass_arguments, dataclass_from_args
from signport.train.config import EvaluateConfig, FinetuneConfig, TrainConfig


def cache_dir_from_env() -> Path:
    if os.environ.get("SIGNPORT_CACHE"):
        return Path(os.environ["SIGNPORT_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "signport"


def openmp_waits(threads: int | None) -> None:
    """Spin or sleep between kernels, from this host's load (signport.core.openmp); before torch loads.
    The note goes to stdout: stderr is kept for the one-line error a failed job ends with."""
    from signport.core.openmp import apply_wait_policy

    print(apply_wait_policy(threads).reason, flush=True)


def _add_from_flag(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--from", dest="checkpoint", type=Path, required=True, metavar="CKPT", help=help)


def register(subparsers) -> None:
    from signport.train.presets import PRESETS

    presets = "\n".join(f"  {name:11s} {spec['description']}" for name, spec in PRESETS.items())
    train = subparsers.add_parser(
        "train", help="train a recognizer (MobileNetV2, 3D-MobileNetV2, landmark MLP)",
        description="Train a model; writes a checkpoint, resumable state, history and a test-split evaluation to --out. "
        "Multi-GPU: torchrun --nproc-per-node N -m signport train ...",
        epilog=f"presets:\n{presets}", formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_dataclass_arguments(train, TrainConfig)
    train.set_defaults(handler=run_train)

    finetune = subparsers.add_parser(
        "finetune", help="personalise: retrain only the head on a new user's recordings",
        description="Freeze the checkpoint's backbone, embed the user's recordings once (cached), train the head on the "
        "first --seconds-per-letter of each label and report held-out accuracy before and after. Writes a head file.",
    )
    _add_from_flag(finetune, "checkpoint folder written by `signport train`")
    add_dataclass_arguments(finetune, FinetuneConfig)
    finetune.set_defaults(handler=run_finetune)

    evaluate = subparsers.add_parser(
        "evaluate", help="top-1/top-5, macro P/R/F1, per-class accuracy and a confusion matrix",
        description="Evaluate a checkpoint (optionally with another head) and write results.json + confusion.png to --out.",
    )
    _add_from_flag(evaluate, "checkpoint folder written by `signport train`")
    add_dataclass_arguments(evaluate, EvaluateConfig)
    evaluate.set_defaults(handler=run_evaluate)


def run_train(args) -> int:
    config = dataclass_from_args(
        TrainConfig, args, cache_dir=cache_dir_from_env(),
        world_size=int(os.environ.get("WORLD_SIZE", 1)), rank=int(os.environ.get("RANK", 0)),
        local_rank=int(os.environ.get("LOCAL_RANK", 0)),
    )
    openmp_waits(config.threads)
    from signport.train.presets import apply_preset
    from signport.train.training import train

    if config.rank != 0:  # under torchrun only the first process reports
        logging.getLogger("signport.train").setLevel(logging.WARNING)
    train(apply_preset(config))
    return 0


def run_finetune(args) -> int:
    config = dataclass_from_args(FinetuneConfig, args, cache_dir=cache_dir_from_env())
    openmp_waits(config.threads)
    from signport.train.finetune import finetune

    finetune(config)
    return 0


def run_evaluate(args) -> int:
    config = dataclass_from_args(EvaluateConfig, args, cache_dir=cache_dir_from_env())
    openmp_waits(config.threads)
    from signport.train.evaluate import run_evaluate as evaluate

    evaluate(config)
    return 0
