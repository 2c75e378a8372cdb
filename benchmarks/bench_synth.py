"""Benchmark the synthetic generator: throughput and the new-signer domain shift.

1. Throughput: `signport data synth` writers (PNG letters, mp4 clips, mp4 recordings) with 1
   and N worker processes, as images / clips / frames per minute.
2. Domain shift: a small CNN (64 px) trained on default-population signers, tested on held-out
   default signers, on new-population signers, and on one new signer before/after fine-tuning
   only the head on that signer's user recordings (10 s per letter at 30 fps), the
   personalisation story. The personal test set is a second take in the same room (how the app
   is used after personalising) and, harder, the same signer in other rooms.
3. The landmark MLP trained on synthetic landmarks, tested on held-out/new signers and, with
   --real-landmarks, on real MediaPipe landmarks (zero-shot sim-to-real).

    python benchmarks/bench_synth.py --out runs/bench_synth.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from signport.core.labels import ASL_LETTERS
from signport.data.synth.letters import render_letter
from signport.data.synth.recordings import iter_recording_frames, session_background
from signport.data.synth.signers import signer_for_index
from signport.core.host import host_description, host_line


def _log(message: str) -> None:
    print(f"[bench_synth] {message}", file=sys.stderr, flush=True)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished worker processes (fair under a busy machine)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_throughput(workers: list[int], per_class: int, clips_per_class: int, seconds: float) -> dict:
    from signport.data.synth.config import SynthConfig
    from signport.data.synth.writers import write_kind

    results = {}
    for threads in workers:
        with tempfile.TemporaryDirectory() as tmp:
            config = SynthConfig(out=Path(tmp), per_class=per_class, clips_per_class=clips_per_class,
                                 seconds_per_letter=seconds, threads=threads, progress=False)
            row = {}
            for kind, unit in (("letters", "images"), ("clips", "clips"), ("recordings", "frames")):
                cpu_before = _cpu_seconds()
                start = time.perf_counter()
                summary = write_kind(kind, config)
                elapsed = time.perf_counter() - start
                cpu = _cpu_seconds() - cpu_before
                n = summary["counts"]["frames"] if kind == "recordings" else summary["counts"]["total"]
                row[kind] = {unit: n, "wall_seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2),
                             f"{unit}_per_minute": round(60 * n / elapsed),
                             f"{unit}_per_cpu_minute": round(60 * n / cpu)}
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


def _recording_set(signer, seconds: float, every: int, size: int, seed: int, input_size: int, room_seed: int):
    """Every `every`-th frame of one take of the signer's recordings, all letters in one room."""
    room = session_background(signer, np.random.default_rng([room_seed, 78]), size)
    images, targets = [], []
    for c, label in enumerate(ASL_LETTERS):
        rng = np.random.default_rng([seed, 77, c])
        for f, (frame, _) in enumerate(iter_recording_frames(label, signer, rng, seconds, 30, size, room)):
            if f % every == 0:
                images.append(cv2.resize(frame, (input_size, input_size), interpolation=cv2.INTER_AREA))
                targets.append(c)
    return np.stack(images), np.array(targets)


def _small_cnn(num_classes: int):
    """Four conv-BN-ReLU-pool stages (16-128 channels) + a linear head: trains in minutes on 2 cores."""
    from torch import nn

    from signport.models.base import ClassifierHead, SignModel

    layers, channels = [], 3
    for width in (16, 32, 64, 128):
        layers += [nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
        channels = width
    backbone = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
    return SignModel(backbone, ClassifierHead(channels, num_classes), channels, "small_cnn")


def measure_domain_shift(seed: int, train_signers: int, per_class: int, epochs: int, input_size: int,
                         seconds_per_letter: float) -> dict:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    size = 128
    t0 = time.perf_counter()
    train_x, train_y = _render_set("default", range(train_signers), per_class, size, seed, input_size)
    test_default = _render_set("default", range(train_signers, train_signers + 2), 10, size, seed, input_size)
    test_new = _render_set("new", range(1, 5), 10, size, seed, input_size)
    personal = signer_for_index(seed, "new", 0)
    # The personal signer records a 10 s take per letter (head fine-tuning data) and later signs
    # in the same room (a second 2 s take, the test); other rooms are reported too.
    personal_train = _recording_set(personal, seconds_per_letter, 5, size, seed + 1, input_size, room_seed=seed)
    personal_test = _recording_set(personal, 2.0, 3, size, seed + 2, input_size, room_seed=seed)
    personal_other_rooms = _render_set("new", range(0, 1), 20, size, seed, input_size)
    render_seconds = time.perf_counter() - t0
    _log(f"rendered {len(train_x)} training images and the test sets in {render_seconds:.0f} s")

    def tensor(x):
        return torch.from_numpy(x).permute(0, 3, 1, 2).float().div(255.0).sub(0.5).div(0.25)

    def shifted(batch):
        """Random translation by up to 1/8 of the side: the only augmentation."""
        pad = input_size // 8
        padded = nn.functional.pad(batch, (pad, pad, pad, pad), mode="replicate")
        dx, dy = torch.randint(0, 2 * pad + 1, (2,)).tolist()
        return padded[:, :, dy:dy + input_size, dx:dx + input_size]

    model = _small_cnn(len(ASL_LETTERS))
    _log("training the CNN on default signers")
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = epochs * ((len(train_x) + 63) // 64)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    xt, yt = tensor(train_x), torch.from_numpy(train_y)
    t1 = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(xt))
        for i in range(0, len(xt), 64):
            idx = order[i:i + 64]
            loss = nn.functional.cross_entropy(model(shifted(xt[idx])), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
    train_seconds = time.perf_counter() - t1

    @torch.no_grad()
    def accuracy(data):
        model.eval()
        x, y = data
        preds = torch.cat([model(tensor(x[i:i + 256])).argmax(1) for i in range(0, len(x), 256)])
        return round(float((preds.numpy() == y).mean()), 4)

    before = {"default_heldout_signers": accuracy(test_default), "new_population_signers": accuracy(test_new),
              "personal_new_signer_same_room": accuracy(personal_test),
              "personal_new_signer_other_rooms": accuracy(personal_other_rooms)}
    _log(f"trained in {train_seconds:.0f} s: {before}")
    # Personalisation: the backbone is frozen (BatchNorm in eval), so embed the recordings once
    # and train only the linear head on them, starting from the default head.
    model.freeze_backbone()
    with torch.no_grad():
        embeddings = torch.cat([model.backbone(tensor(personal_train[0][i:i + 256])) for i in range(0, len(personal_train[0]), 256)])
    targets = torch.from_numpy(personal_train[1])
    opt = torch.optim.AdamW(model.head.parameters(), lr=1e-2, weight_decay=1e-4)
    model.head.train()
    for _ in range(100):
        order = torch.randperm(len(embeddings))
        for i in range(0, len(order), 64):
            idx = order[i:i + 64]
            loss = nn.functional.cross_entropy(model.head(embeddings[idx]), targets[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return {
        "model": "small CNN (4 conv stages 16-128 ch, 95k params), 64 px, from scratch, random-shift augmentation",
        "train_images": int(len(train_x)), "train_signers": train_signers, "epochs": epochs,
        "test_images": {"default_heldout_signers": int(len(test_default[0])), "new_population_signers": int(len(test_new[0])),
                        "personal_same_room_second_take": int(len(personal_test[0])),
                        "personal_other_rooms": int(len(personal_other_rooms[0]))},
        "accuracy_before_personalisation": before,
        "after_head_finetune": {"personal_new_signer_same_room": accuracy(personal_test),
                                "personal_new_signer_other_rooms": accuracy(personal_other_rooms),
                                "default_heldout_signers": accuracy(test_default)},
        "head_finetune_data": f"{seconds_per_letter:g} s per letter at 30 fps, every 5th frame ({len(personal_train[0])} frames)",
        "render_seconds": round(render_seconds, 1), "train_seconds": round(train_seconds, 1),
    }


def measure_landmark_transfer(seed: int, real_landmarks: Path | None, epochs: int = 30) -> dict:
    """signport's landmark MLP trained on default-signer landmarks, tested on held-out default
    signers, the new population and (when given) real MediaPipe landmarks of A-Z."""
    import torch
    from torch import nn

    from signport.data.synth.letters import letter_landmarks
    from signport.models.registry import build_model

    torch.manual_seed(seed)
    labels = [label for label in ASL_LETTERS if label != "nothing"]

    def dataset(population, signers, per_class):
        features, targets = [], []
        for s in signers:
            signer = signer_for_index(seed, population, s)
            for c, label in enumerate(labels):
                for n in range(per_class):
                    features.append(letter_landmarks(label, signer, np.random.default_rng([seed, 55, s, c, n]), 128))
                    targets.append(c)
        return torch.from_numpy(np.stack(features).reshape(-1, 63)), torch.tensor(targets)

    train_x, train_y = dataset("default", range(8), 40)
    model = build_model("landmarks", len(labels))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(train_x))
        for i in range(0, len(order), 128):
            idx = order[i:i + 128]
            loss = nn.functional.cross_entropy(model(train_x[idx]), train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()

    @torch.no_grad()
    def accuracy(x, y, allowed=None):
        logits = model(x)
        if allowed is not None:
            logits[:, [c for c in range(len(labels)) if c not in allowed]] = -torch.inf
        return round(float((logits.argmax(1) == y).float().mean()), 4)

    result = {"model": "landmarks MLP (256, 128)", "train_samples": len(train_x),
              "default_heldout_signers": accuracy(*dataset("default", range(8, 10), 20)),
              "new_population_signers": accuracy(*dataset("new", range(4), 20))}
    if real_landmarks is not None:
        with np.load(real_landmarks, allow_pickle=False) as data:
            x = torch.from_numpy(data["landmarks"].reshape(-1, 63).astype(np.float32))
            y = torch.tensor([labels.index(str(label)) for label in data["labels"]])
        letters_az = [labels.index(c) for c in labels if len(c) == 1]
        result["real_mediapipe_landmarks_A_to_Z"] = {"samples": len(x), "accuracy": accuracy(x, y, letters_az),
                                                     "chance": round(1 / 26, 4)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON here as well as to stdout")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-shift", action="store_true")
    parser.add_argument("--per-class", type=int, default=40, help="letters per class for the throughput run")
    parser.add_argument("--train-per-class", type=int, default=20, help="training images per class per signer")
    parser.add_argument("--train-signers", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--input-size", type=int, default=64)
    parser.add_argument("--real-landmarks", type=Path, default=None,
                        help="real MediaPipe landmarks .npz (landmarks, labels A-Z) to test synthetic-trained models on")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    import torch

    # One intra-op thread: the models are tiny, and spinning worker threads only burn a shared CPU.
    torch.set_num_threads(1)
    report = {"machine": host_line(), "host": host_description(),
              "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    if not args.skip_throughput:
        cores = os.cpu_count() or 1
        report["throughput"] = measure_throughput(sorted({1, cores}), args.per_class, 4, 2.0)
    report["landmark_model"] = measure_landmark_transfer(args.seed, args.real_landmarks)
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
