"""Benchmark the synthetic generator: throughput and the new-signer domain shift.

1. Throughput: `signport data synth` writers (PNG letters, mp4 clips, mp4 recordings) with 1
   and N worker processes, as images / clips / frames per minute.
2. Domain shift: a small CNN (signport's MobileNetV2 family, width 0.35, 64 px) trained on
   default-population signers, tested on held-out default signers, on new-population signers,
   and on one new signer before/after fine-tuning only the head on that signer's user
   recordings (10 s per letter at 30 fps), the personalisation story.

    python benchmarks/bench_synth.py --out runs/bench_synth.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from signport.core.labels import ASL_LETTERS
from signport.data.synth.letters import render_letter
from signport.data.synth.recordings import iter_recording_frames
from signport.data.synth.signers import signer_for_index


def measure_throughput(workers: list[int], per_class: int, clips_per_class: int, seconds: float) -> dict:
    from signport.data.synth.config import SynthConfig
    from signport.data.synth.writers import write_kind

    results = {}
    for threads in workers:
        with tempfile.TemporaryDirectory() as tmp:
            config = SynthConfig(out=Path(tmp), per_class=per_class, clips_per_class=clips_per_class,
                                 seconds_per_letter=seconds, threads=threads, progress=False)
            row = {}
            for kind, unit, count in (
                ("letters", "images", per_class * len(ASL_LETTERS)),
                ("clips", "clips", None),
                ("recordings", "frames", None),
            ):
                start = time.perf_counter()
                summary = write_kind(kind, config)
                elapsed = time.perf_counter() - start
                n = summary["counts"]["total"] if count is None else count
                if kind == "recordings":
                    n = summary["counts"]["frames"]
                row[kind] = {unit: n, "seconds": round(elapsed, 2), f"{unit}_per_minute": round(60 * n / elapsed)}
            results[f"workers_{threads}"] = row
    return results


def _render_set(population: str, signers: range, per_class: int, size: int, seed: int, input_size: int):
    images, targets = [], []
    for s in signers:
        signer = signer_for_index(seed, population, s)
        for c, label in enumerate(ASL_LETTERS):
            for n in range(per_class):
                image, _ = render_letter(label, signer, np.random.default_rng([seed, 99, s, c, n]), size)
                images.append(cv2.resize(image, (input_size, input_size), interpolation=cv2.INTER_AREA))
                targets.append(c)
    return np.stack(images), np.array(targets)


def _recording_set(signer, seconds: float, every: int, size: int, seed: int, input_size: int):
    images, targets = [], []
    for c, label in enumerate(ASL_LETTERS):
        for f, (frame, _) in enumerate(iter_recording_frames(label, signer, np.random.default_rng([seed, 77, c]), seconds, 30, size)):
            if f % every == 0:
                images.append(cv2.resize(frame, (input_size, input_size), interpolation=cv2.INTER_AREA))
                targets.append(c)
    return np.stack(images), np.array(targets)


def measure_domain_shift(seed: int, train_signers: int, per_class: int, epochs: int, input_size: int,
                         seconds_per_letter: float) -> dict:
    import torch
    from torch import nn

    from signport.train.models.registry import build_model

    torch.manual_seed(seed)
    size = 128
    t0 = time.perf_counter()
    train_x, train_y = _render_set("default", range(train_signers), per_class, size, seed, input_size)
    test_default = _render_set("default", range(train_signers, train_signers + 2), 10, size, seed, input_size)
    test_new = _render_set("new", range(1, 5), 10, size, seed, input_size)
    personal = signer_for_index(seed, "new", 0)
    personal_test = _render_set("new", range(0, 1), 20, size, seed, input_size)
    personal_train = _recording_set(personal, seconds_per_letter, 5, size, seed + 1, input_size)
    render_seconds = time.perf_counter() - t0

    def tensor(x):
        return torch.from_numpy(x).permute(0, 3, 1, 2).float().div(255.0).sub(0.5).div(0.25)

    model = build_model("mobilenet_v2", len(ASL_LETTERS), width=0.35, input_size=input_size, weights="none")

    def fit(params, x, y, epochs_, lr):
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs_ * ((len(x) + 63) // 64))
        xt, yt = tensor(x), torch.from_numpy(y)
        for _ in range(epochs_):
            model.train()
            order = torch.randperm(len(xt))
            for i in range(0, len(xt), 64):
                idx = order[i:i + 64]
                loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()

    @torch.no_grad()
    def accuracy(data):
        model.eval()
        x, y = data
        preds = torch.cat([model(tensor(x[i:i + 256])).argmax(1) for i in range(0, len(x), 256)])
        return round(float((preds.numpy() == y).mean()), 4)

    t1 = time.perf_counter()
    fit(model.parameters(), train_x, train_y, epochs, 3e-3)
    train_seconds = time.perf_counter() - t1
    before = {"default_heldout_signers": accuracy(test_default), "new_population_signers": accuracy(test_new),
              "personal_new_signer": accuracy(personal_test)}
    model.freeze_backbone()
    fit(model.head.parameters(), *personal_train, 30, 1e-2)
    after = accuracy(personal_test)
    return {
        "model": "mobilenet_v2 width 0.35, 64 px, from scratch",
        "train_images": int(len(train_x)), "train_signers": train_signers, "epochs": epochs,
        "accuracy_before_personalisation": before,
        "personal_new_signer_after_head_finetune": after,
        "head_finetune_data": f"{seconds_per_letter:g} s per letter at 30 fps, every 5th frame ({len(personal_train[0])} frames)",
        "render_seconds": round(render_seconds, 1), "train_seconds": round(train_seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON here as well as to stdout")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-shift", action="store_true")
    parser.add_argument("--per-class", type=int, default=40, help="letters per class for the throughput run")
    parser.add_argument("--train-per-class", type=int, default=25, help="training images per class per signer")
    parser.add_argument("--train-signers", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--input-size", type=int, default=64)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    report = {"machine": f"{os.cpu_count()}-core {platform.machine()} host", "python": platform.python_version()}
    if not args.skip_throughput:
        cores = os.cpu_count() or 1
        report["throughput"] = measure_throughput(sorted({1, cores}), args.per_class, 4, 2.0)
    if not args.skip_shift:
        report["domain_shift"] = measure_domain_shift(args.seed, args.train_signers, args.train_per_class, args.epochs,
                                                      args.input_size, 10.0)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
