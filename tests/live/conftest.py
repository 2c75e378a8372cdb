"""Real inputs for live tests: videos built from the shared hand photos and tiny real checkpoints."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from signport.core.checkpoint import CheckpointMeta, save_checkpoint
from signport.models import backbone_fingerprint, build_model
from signport.models.registry import model_preprocessing

FRAME_HW = (512, 384)  # most of the shared hand photos are 384 wide, 512 high
GESTURES = ("call", "four", "rock")
# One photo per gesture in which MediaPipe finds the hand; the test videos hold these.
VIDEO_PHOTOS = {
    "rock": "rock/0cc7ad09-ae5f-45a8-b264-4216176369b6.jpg",
    "call": "call/0e022ee9-74fd-44fe-adad-60c11835e44f.jpg",
    "four": "four/06aa70cc-a12a-4b1e-85cf-e54d44c19a3a.jpg",
}


def letterbox(bgr: np.ndarray, hw: tuple[int, int] = FRAME_HW) -> np.ndarray:
    """Fit a photo into a fixed frame size, black bars where the aspect ratios differ."""
    h, w = hw
    scale = min(h / bgr.shape[0], w / bgr.shape[1])
    resized = cv2.resize(bgr, (round(bgr.shape[1] * scale), round(bgr.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    frame = np.zeros((h, w, 3), np.uint8)
    y, x = (h - resized.shape[0]) // 2, (w - resized.shape[1]) // 2
    frame[y : y + resized.shape[0], x : x + resized.shape[1]] = resized
    return frame


def write_video(path: Path, bgr_frames: list[np.ndarray], fps: float = 30.0) -> Path:
    """OpenCV-order frames to an mp4 (mp4v) or, for a .avi name, MJPG: one JPEG per frame."""
    from signport.data.video import write_video as write_rgb_video

    rgb = np.ascontiguousarray(np.stack(bgr_frames)[..., ::-1])
    return write_rgb_video(path, rgb, fps, fourcc="MJPG" if path.suffix == ".avi" else "mp4v")


def save_tiny_checkpoint(model, architecture: str, arch_args: dict, labels: list[str], path: Path) -> Path:
    meta = CheckpointMeta(
        architecture=architecture, arch_args=arch_args, labels=list(labels),
        preprocessing=model_preprocessing(architecture, **arch_args).to_dict(),
        backbone_fingerprint=backbone_fingerprint(model), embedding_size=model.embedding_size,
    )
    return save_checkpoint(path, model.state_dict(), meta)


@pytest.fixture(scope="session")
def gesture_photos(shared_data) -> dict[str, list[np.ndarray]]:
    """Every call/four/rock photo, letterboxed to one frame size (BGR)."""
    return {g: [letterbox(cv2.imread(str(p))) for p in sorted((shared_data / "hands" / g).glob("*.jpg"))] for g in GESTURES}


@pytest.fixture(scope="session")
def gesture_video(shared_data, tmp_path_factory) -> Path:
    """30 fps mp4: rock 12 frames, empty 6, call 12, four 12 - real photos, real MediaPipe input."""
    photo = {g: letterbox(cv2.imread(str(shared_data / "hands" / p))) for g, p in VIDEO_PHOTOS.items()}
    blank = np.zeros_like(photo["rock"])
    frames = [photo["rock"]] * 12 + [blank] * 6 + [photo["call"]] * 12 + [photo["four"]] * 12
    return write_video(tmp_path_factory.mktemp("video") / "gestures.mp4", frames)


@pytest.fixture(scope="session")
def gesture_checkpoint(gesture_photos, hand_model, tmp_path_factory) -> Path:
    """A tiny landmark MLP trained on MediaPipe landmarks of the gesture photos (call/four/rock)."""
    from signport.hands.landmarker import HandLandmarker

    features, targets = [], []
    with HandLandmarker(hand_model, mode="image") as landmarker:
        for target, gesture in enumerate(GESTURES):
            for bgr in gesture_photos[gesture]:
                hands = landmarker.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                if hands:
                    features.append(hands[0].model_landmarks().reshape(-1))
                    targets.append(target)
    x, y = torch.from_numpy(np.stack(features)), torch.tensor(targets)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 30-row MLP: threading only adds overhead (and stalls on a busy 2-core host)
    torch.manual_seed(0)
    args = {"hidden": [32, 16], "dropout": 0.0}
    model = build_model("landmarks", len(GESTURES), **args)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.02)
    for _ in range(200):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.eval()
    torch.set_num_threads(threads)
    with torch.no_grad():
        assert (model(x).argmax(1) == y).float().mean() == 1.0, "the tiny gesture model must fit its photos"
    return save_tiny_checkpoint(model, "landmarks", args, list(GESTURES), tmp_path_factory.mktemp("ckpt") / "gestures")


@pytest.fixture(scope="session")
def image_checkpoint(tmp_path_factory) -> Path:
    """An untrained tiny MobileNetV2 (64 px, 29 ASL classes): real input path, arbitrary outputs."""
    from signport.core.labels import ASL_LETTERS

    torch.manual_seed(0)
    args = {"width": 0.35, "input_size": 64}
    model = build_model("mobilenet_v2", len(ASL_LETTERS), **args).eval()
    return save_tiny_checkpoint(model, "mobilenet_v2", args, list(ASL_LETTERS), tmp_path_factory.mktemp("ckpt") / "mnv2")


@pytest.fixture(scope="session")
def clip_checkpoint(tmp_path_factory) -> Path:
    """An untrained tiny 3D-MobileNetV2 reading 16 frames at 15 fps, as in continuous recognition."""
    torch.manual_seed(0)
    args = {"width": 0.25, "input_size": 32, "clip_length": 16, "clip_fps": 15.0}
    model = build_model("mobilenet_v2_3d", 3, **args).eval()
    return save_tiny_checkpoint(model, "mobilenet_v2_3d", args, ["book", "wheelchair", "whistle"], tmp_path_factory.mktemp("ckpt") / "clip")
