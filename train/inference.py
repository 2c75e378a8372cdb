"""Batched forward passes for evaluation and embedding extraction (no gradients, eval mode)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from signport.core.preprocessing import Preprocessing
from signport.data.types import VideoIndex
from signport.train.augment import AugmentSettings, build_augmentation
from signport.data.video import read_video_frames, video_info


def _autocast(device: torch.device, dtype: torch.dtype | None):
    return torch.autocast(device_type=device.type, dtype=dtype, enabled=dtype is not None)


@torch.inference_mode()
def predict(fn: nn.Module, dataset: Dataset, prep: Preprocessing, device: torch.device, batch_size: int = 128,
            amp_dtype: torch.dtype | None = None, desc: str = "evaluating") -> tuple[np.ndarray, np.ndarray]:
    """(outputs (N, K) float32, targets (N,)) of `fn` over `dataset`: logits for a model, embeddings for a backbone."""
    fn.eval()
    to_input = build_augmentation(prep, AugmentSettings())
    outputs, targets = [], []
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False)
    for batch, target in tqdm(loader, desc=desc, unit="batch", leave=False, disable=None):
        with _autocast(device, amp_dtype):
            result = fn(to_input(batch.to(device, non_blocking=True), train=False))
        outputs.append(result.float().cpu().numpy())
        targets.append(target.numpy())
    if not outputs:
        return np.zeros((0, 0), np.float32), np.zeros(0, np.int64)
    return np.concatenate(outputs), np.concatenate(targets)


@dataclass
class VideoFrameOutputs:
    """Per-frame outputs of every video in an index, in index order."""

    outputs: np.ndarray  # (N, K)
    video: np.ndarray  # (N,) position of the frame's video in the index
    frame: np.ndarray  # (N,) frame number in its video (before striding)
    fps: np.ndarray  # (V,) frame rate of each video


@torch.inference_mode()
def predict_video_frames(fn: nn.Module, index: VideoIndex, prep: Preprocessing, device: torch.device,
                         frame_stride: int = 1, batch_size: int = 128) -> VideoFrameOutputs:
    """Run an image model (or its backbone) on every `frame_stride`-th frame of every video,
    one video at a time so long recordings never sit in memory all at once."""
    fn.eval()
    to_input = build_augmentation(prep, AugmentSettings())
    size = int(prep.input_size[0])
    outputs, video_ids, frame_numbers, rates = [], [], [], []
    for v, path in enumerate(tqdm(index.paths, desc="frames", unit="video", leave=False, disable=None)):
        info = video_info(path)
        frames = read_video_frames(path, np.arange(0, info.num_frames, frame_stride), size=size)
        rates.append(info.fps or 30.0)
        pixels = torch.from_numpy(frames).permute(0, 3, 1, 2)
        for start in range(0, len(pixels), batch_size):
            outputs.append(fn(to_input(pixels[start : start + batch_size].to(device), train=False)).float().cpu().numpy())
        video_ids.append(np.full(len(frames), v, dtype=np.int64))
        frame_numbers.append(np.arange(len(frames), dtype=np.int64) * frame_stride)
    return VideoFrameOutputs(np.concatenate(outputs), np.concatenate(video_ids), np.concatenate(frame_numbers), np.asarray(rates))
