"""Tiny real datasets written to disk the way users' data looks: class folders of PNGs / MP4s, landmark .npz."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

# Colour per class (RGB): a small, separable problem that a tiny network learns in a few epochs.
CLASS_COLOURS = {"A": (220, 40, 40), "B": (40, 200, 60), "C": (50, 70, 230)}


def draw_sample(rng: np.random.Generator, colour, size: int = 40) -> np.ndarray:
    """RGB uint8: a noisy image tinted with the class colour, with a grey square distractor at a random place."""
    image = np.clip(np.array(colour) * 0.6 + rng.integers(0, 100, size=(size, size, 3)), 0, 255).astype(np.uint8)
    side = int(rng.integers(size // 4, size // 2))
    y, x = rng.integers(0, size - side, size=2)
    image[y : y + side, x : x + side] = rng.integers(60, 200)
    return image


def write_image_folder(root: Path, per_class: int, seed: int = 0, colours=CLASS_COLOURS) -> Path:
    rng = np.random.default_rng(seed)
    for label, colour in colours.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            cv2.imwrite(str(root / label / f"{label}{i:03d}.png"), cv2.cvtColor(draw_sample(rng, colour), cv2.COLOR_RGB2BGR))
    return root


def write_video_folder(root: Path, seconds: float, fps: int = 30, seed: int = 0, colours=CLASS_COLOURS, size: int = 40) -> Path:
    """<label>/rec.mp4: a 'user recording' per label, `seconds` long."""
    rng = np.random.default_rng(seed)
    for label, colour in colours.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        writer = cv2.VideoWriter(str(root / label / "rec.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), fps, (size, size))
        assert writer.isOpened()
        for _ in range(int(seconds * fps)):
            writer.write(cv2.cvtColor(draw_sample(rng, colour, size), cv2.COLOR_RGB2BGR))
        writer.release()
    return root


def write_landmarks(path: Path, per_class: int, num_classes: int = 4, seed: int = 0) -> Path:
    """Hand-like landmark sets: each class bends the 21 points in its own direction, plus noise."""
    rng = np.random.default_rng(seed)
    base = np.stack([np.linspace(0.4, 0.6, 21), np.linspace(0.8, 0.4, 21), np.zeros(21)], axis=1).astype(np.float32)
    landmarks, labels = [], []
    for c in range(num_classes):
        offset = np.zeros((21, 3), np.float32)
        offset[5:, 0] = 0.15 * np.cos(2 * np.pi * c / num_classes) * np.linspace(0, 1, 16)
        offset[5:, 1] = 0.15 * np.sin(2 * np.pi * c / num_classes) * np.linspace(0, 1, 16)
        for _ in range(per_class):
            landmarks.append(base + offset + rng.normal(0, 0.01, size=(21, 3)).astype(np.float32))
            labels.append(chr(ord("A") + c))
    np.savez(path, landmarks=np.stack(landmarks), labels=np.array(labels))
    return path


@pytest.fixture(scope="session")
def image_folder(tmp_path_factory) -> Path:
    return write_image_folder(tmp_path_factory.mktemp("images"), per_class=30)


@pytest.fixture(scope="session")
def landmarks_file(tmp_path_factory) -> Path:
    return write_landmarks(tmp_path_factory.mktemp("landmarks") / "landmarks.npz", per_class=40)


def save_model_checkpoint(path: Path, model, name: str, args: dict, labels: list[str], data_fingerprint=None, train_config=None) -> Path:
    """A checkpoint folder for `model` exactly as `signport train` writes one."""
    from signport.core.checkpoint import CheckpointMeta, save_checkpoint
    from signport.models import backbone_fingerprint
    from signport.models.registry import model_preprocessing

    meta = CheckpointMeta(
        architecture=name, arch_args=args, labels=labels, preprocessing=model_preprocessing(name, **args).to_dict(),
        backbone_fingerprint=backbone_fingerprint(model), embedding_size=model.embedding_size,
        data_fingerprint=data_fingerprint, train_config=train_config or {},
    )
    return save_checkpoint(path, model.state_dict(), meta)


@pytest.fixture(scope="session")
def tiny_data_writers():
    """The writers above, for tests (pytest's importlib mode keeps conftest out of `import`)."""
    return {"images": write_image_folder, "videos": write_video_folder, "landmarks": write_landmarks,
            "checkpoint": save_model_checkpoint, "sample": draw_sample}
