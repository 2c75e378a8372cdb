"""Tiny trained models on separable synthetic data, so parity and int8 agreement are measured
on confident predictions (random-init networks give near-tied logits and vanishing activations)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from signport.core.checkpoint import CheckpointMeta, save_checkpoint
from signport.core.preprocessing import Preprocessing
from signport.data.synth import letter_landmarks, signer_for_index
from signport.export.calibration import InputSamples, samples_from_arrays
from signport.models import backbone_fingerprint, build_model
from signport.models.registry import model_preprocessing

LABELS = ["A", "B", "C", "D"]
PARITY_SAMPLES = 200
CALIBRATION_SAMPLES = 64
MOBILENET_ARGS = {"width": 0.25, "input_size": 32}
CLIP_ARGS = {"width": 0.25, "input_size": 32, "clip_length": 4}
LANDMARK_ARGS = {"hidden": [64, 32]}
FORMATS = ("executorch", "coreml", "onnx")


def landmark_inputs(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(count, 63) hands, each a jittered, moved and resized copy of one synthetic signer's
    A, B, C or D handshape (signport.data.synth)."""
    signer, rng = signer_for_index(0, "default", 0), np.random.default_rng(1234)
    templates = np.stack([letter_landmarks(label, signer, rng) for label in LABELS])
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, len(LABELS), count)
    hands = templates[targets] - templates[targets][:, :1]
    hands = hands * rng.uniform(0.7, 1.3, (count, 1, 1)) + rng.normal(0, 0.004, hands.shape)
    hands[..., :2] += rng.uniform(0.3, 0.7, (count, 1, 2))
    return hands.reshape(count, 63).astype(np.float32), targets


def landmark_samples() -> InputSamples:
    """Calibration and held-out parity inputs from the landmark generator (disjoint seeds)."""
    return samples_from_arrays(landmark_inputs(CALIBRATION_SAMPLES, 7)[0], landmark_inputs(PARITY_SAMPLES, 8)[0], "toy landmarks (held out)")


CLASS_COLOURS = np.array([[0.9, 0.2, 0.2], [0.2, 0.8, 0.3], [0.25, 0.3, 0.9], [0.9, 0.85, 0.2]], np.float32)


def image_inputs(count: int, seed: int, size: int, prep: Preprocessing, frames: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(count, 3, size, size) images (or (count, 3, frames, size, size) clips) of 4 classes: a
    class colour under random brightness, random stripes and pixel noise."""
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, len(LABELS), count)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    mean, std = np.asarray(prep.mean, np.float32)[:, None, None], np.asarray(prep.std, np.float32)[:, None, None]
    samples = []
    for target in targets:
        angle, phase = rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi)
        clip = []
        for t in range(frames or 1):
            wave = np.sin((np.cos(angle) * xx + np.sin(angle) * yy) * 2 * np.pi / 8 + phase + 0.5 * t)
            pixels = CLASS_COLOURS[target][:, None, None] * rng.uniform(0.8, 1.0) * (0.85 + 0.15 * wave[None])
            pixels = pixels + rng.normal(0, 0.02, (3, size, size))
            clip.append((np.clip(pixels, 0, 1) - mean) / std)
        samples.append(clip[0] if frames is None else np.stack(clip, axis=1))
    return np.stack(samples).astype(np.float32), targets


def train_checkpoint(path: Path, name: str, args: dict, inputs_fn, steps: int, lr: float = 3e-3, seed: int = 0) -> Path:
    """Train a tiny model for a few seconds and save it as a signport checkpoint."""
    torch.manual_seed(seed)
    model = build_model(name, len(LABELS), **args)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    for step in range(steps):
        x, y = inputs_fn(32, seed * 1000 + step)
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return save_model(path, model.eval(), name, args)


def warm_up_checkpoint(path: Path, name: str, args: dict, inputs: np.ndarray, seed: int = 0) -> Path:
    """Random weights with BatchNorm statistics taken from real-shaped inputs: enough for fp32
    parity without the vanishing activations of a freshly initialised deep network (random
    deep nets separate nothing, so int8 agreement is tested on trained models only)."""
    torch.manual_seed(seed)
    model = build_model(name, len(LABELS), **args)
    model.train()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.momentum = None  # cumulative average over the warm-up batches
        for start in range(0, len(inputs), 16):
            model(torch.from_numpy(inputs[start : start + 16]))
    return save_model(path, model.eval(), name, args)


def save_model(path: Path, model, name: str, args: dict) -> Path:
    meta = CheckpointMeta(
        architecture=name, arch_args=args, labels=list(LABELS), preprocessing=model_preprocessing(name, **args).to_dict(),
        backbone_fingerprint=backbone_fingerprint(model), embedding_size=model.embedding_size, metrics={"val_top1": 1.0},
    )
    save_checkpoint(path, model.state_dict(), meta)
    return path


def accuracy(path: Path, inputs: np.ndarray, targets: np.ndarray) -> float:
    from signport.models import model_from_checkpoint

    model, _ = model_from_checkpoint(path)
    with torch.no_grad():
        return float((model(torch.from_numpy(inputs)).argmax(1).numpy() == targets).mean())
