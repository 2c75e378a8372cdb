"""The personalisation experiment on synthetic data -> JSON + Markdown table.

Research finding it reproduces in shape: a letter model that is excellent on its own signers
drops on a new person's video; retraining only the head on ~10 s per letter of that person
recovers it (AdamW slightly ahead of Adam and RMSprop).

    python benchmarks/personalisation.py --out runs/bench/personalisation        # trains the base model first
    python benchmarks/personalisation.py --checkpoint runs/bench/train/synth ...  # or reuses one

Steps: (1) base model: `signport train --model mobilenet_v2 --data synth` (preset synth-fast) unless
--checkpoint is given; (2) the synthetic new signer records 30 s per letter; every budget trains on
the first 5 / 10 / 20 s and all are scored on the same held-out last 9 s (a 1 s gap after 20 s);
(3) the base head on those frames is the "before"; (4) head-only fine-tunes with AdamW per budget,
then every optimizer at 10 s. Embeddings are extracted once and cached, so each fine-tune takes seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from signport.train.cli import cache_dir_from_env
from signport.core import atomic
from signport.core.host import host_description, host_line

BUDGETS = (5.0, 10.0, 20.0)
OPTIMIZERS = ("adamw", "adam", "rmsprop", "sgd")
HOLDOUT_SECONDS = 9.0
GAP_SECONDS = 1.0


def train_base(out: Path, data: str, threads: int, seed: int) -> Path:
    from signport.cli import main as signport_main

    argv = ["train", "--model", "mobilenet_v2", "--data", data, "--preset", "synth-fast", "--out", str(out), "--threads", str(threads),
            "--seed", str(seed), "--overwrite"]
    print("signport " + " ".join(argv), flush=True)
    if signport_main(argv) != 0:
        raise SystemExit("base training failed")
    return out


def finetune_once(checkpoint: Path, seconds: float, optimizer: str, out: Path, args) -> dict:
    from signport.train.config import FinetuneConfig
    from signport.train.finetune import finetune

    config = FinetuneConfig(
        checkpoint=checkpoint, data=args.data, out=out / f"head_{optimizer}_{seconds:g}s", seconds_per_letter=seconds,
        gap_seconds=GAP_SECONDS, holdout_seconds=HOLDOUT_SECONDS, frame_stride=args.frame_stride, optimizer=optimizer,
        lr=args.lr.get(optimizer, 1e-3), epochs=args.epochs, threads=args.threads, seed=args.seed, cache_dir=args.cache_dir,
    )
    started = time.perf_counter()
    report = finetune(config)
    return {
        "seconds_per_letter": seconds, "optimizer": optimizer, "lr": config.lr, "train_frames": report["train_frames"],
        "heldout_frames": report["heldout_frames"], "before_top1": report["before"]["top1"], "after_top1": report["after"]["top1"],
        "after_macro_f1": report["after"]["macro_f1"], "head_train_seconds": report["head_train_seconds"],
        "embedding_seconds": report["embedding_seconds"], "embeddings_cached": report["embeddings_cached"],
        "wall_seconds": round(time.perf_counter() - started, 2), "head": report["head"],
    }


def markdown(report: dict) -> str:
    base = report["base"]
    rows = [
        "| setting | held-out accuracy (top-1) |", "|---|---|",
        f"| base model, its own signers (synthetic test split) | {base['own_signers_top1']:.1%} |",
        f"| base model, new signer (held-out last {HOLDOUT_SECONDS:g} s per letter) | {base['new_signer_top1']:.1%} |",
    ]
    rows += [f"| head-only fine-tune, {r['seconds_per_letter']:g} s per letter (AdamW) | {r['after_top1']:.1%} |" for r in report["budgets"]]
    rows += ["", "| optimizer (10 s per letter, head only) | lr | held-out top-1 | head training |", "|---|---|---|---|"]
    rows += [f"| {r['optimizer']} | {r['lr']:g} | {r['after_top1']:.1%} | {r['head_train_seconds']:.1f} s |" for r in report["optimizers"]]
    rows += ["", f"Machine: {report['machine']}. Frames: every {report['frame_stride']}-th of 30 fps recordings. "
             f"Base checkpoint: {report['checkpoint']} ({base['arch']})."]
    return "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("runs/bench/personalisation"))
    parser.add_argument("--checkpoint", type=Path, help="base checkpoint trained on synthetic letters (default: train one)")
    parser.add_argument("--data", default="synth", help="'synth', or a folder with the generator's letters/ and user_recordings/")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frame-stride", type=int, default=2, help="every n-th frame of the 30 fps recordings")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--cache-dir", type=Path, default=cache_dir_from_env())
    args = parser.parse_args()
    # Per-optimizer learning rates: SGD needs a larger step than the adaptive methods.
    args.lr = {"adamw": 1e-3, "adam": 1e-3, "rmsprop": 1e-3, "sgd": 1e-2}

    checkpoint = args.checkpoint or train_base(args.out / "base", args.data, args.threads, args.seed)
    meta = json.loads((checkpoint / "checkpoint.json").read_text())
    budgets = [finetune_once(checkpoint, s, "adamw", args.out, args) for s in BUDGETS]
    optimizers = [finetune_once(checkpoint, 10.0, name, args.out, args) for name in OPTIMIZERS]
    report = {
        "machine": host_line(), "host": host_description(), "checkpoint": str(checkpoint), "frame_stride": args.frame_stride,
        "holdout_seconds": HOLDOUT_SECONDS, "gap_seconds": GAP_SECONDS, "head_epochs": args.epochs,
        "base": {"own_signers_top1": (meta["metrics"].get("test") or {}).get("top1"), "new_signer_top1": budgets[0]["before_top1"],
                 "arch": f"{meta['architecture']} {meta['arch_args']}"},
        "budgets": budgets, "optimizers": optimizers,
    }
    atomic.write_json(args.out / "personalisation.json", report)
    atomic.write_text(args.out / "personalisation.md", markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
