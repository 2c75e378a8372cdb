"""`signport finetune`: personalise a trained model to a new user by retraining only its head.

1. Embed every frame of the user's recordings once with the frozen backbone; the embeddings
   are cached (safetensors) under a key of backbone fingerprint + data fingerprint +
   preprocessing + frame stride, so another budget or optimizer re-uses them.
2. Split each label's recordings by time (photo folders with --per-label: by count): the first --seconds-per-letter train the head, a
   --gap-seconds gap is skipped, the frames after it are held out, so neighbouring, nearly
   identical frames never end up on both sides.
3. Train the head (from the checkpoint's head by default) on the cached embeddings: seconds.
4. Report held-out accuracy before (checkpoint head) and after (new head); write a head file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from signport.core import atomic
from signport.core.errors import DataError, InputError
from signport.core.heads import save_head
from signport.core.preprocessing import Preprocessing
from signport.data.types import ImageIndex, VideoIndex
from signport.train.config import FinetuneConfig
from signport.train.evaluate import metrics_from_logits, summary, targets_in_label_order
from signport.models.head_io import head_from_model
from signport.train.inference import predict, predict_video_frames
from signport.models import SignModel, backbone_fingerprint
from signport.train.optim import build_optimizer
from signport.train.plots import plot_confusion_matrix
from signport.train.device import resolve_device, set_threads

log = logging.getLogger("signport.train")

EMBEDDING_CACHE_VERSION = 1
STILL_FRAMES_FPS = 30.0  # image / landmark folders are read as frames in file order at 30 fps


@dataclass
class EmbeddedRecordings:
    """One row per frame: the frozen backbone's embedding, its label and its time in that label's recordings."""

    embeddings: np.ndarray  # (N, D) float32
    targets: np.ndarray  # (N,) int64 in the checkpoint's label order
    seconds: np.ndarray  # (N,) float64, time since the start of the label's first recording


def embedding_cache_key(backbone_fp: str, data_fp: str, prep: Preprocessing, frame_stride: int) -> str:
    blob = json.dumps({"backbone": backbone_fp, "data": data_fp, "preprocessing": prep.to_dict(), "frame_stride": frame_stride,
                       "version": EMBEDDING_CACHE_VERSION}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def embed_recordings(model: SignModel, index, labels: list[str], prep: Preprocessing, device: torch.device,
                     frame_stride: int, data: str, batch_size: int = 128) -> EmbeddedRecordings:
    """Backbone embeddings of every frame (or sample), with per-label time stamps."""
    label_targets = targets_in_label_order(index.labels, labels, data)
    if isinstance(index, VideoIndex):
        if prep.input_kind != "image":
            raise InputError(f"finetune on video recordings needs an image model; this checkpoint takes {prep.input_kind} input")
        frames = predict_video_frames(model.backbone, index, prep, device, frame_stride, batch_size)
        targets = label_targets[frames.video]
        # A label's videos play one after another, in index (file-name) order.
        video_start = np.zeros(len(index.paths))
        elapsed: dict[int, float] = {}
        for v in range(len(index.paths)):
            video_start[v] = elapsed.get(label_targets[v], 0.0)
            frame_count = frames.frame[frames.video == v].max() + 1
            elapsed[label_targets[v]] = video_start[v] + frame_count / frames.fps[v]
        seconds = video_start[frames.video] + frames.frame / frames.fps[frames.video]
        return EmbeddedRecordings(frames.outputs.astype(np.float32), targets, seconds)
    from signport.train.datasets import build_dataset

    order = np.arange(0, len(index), frame_stride)
    dataset = build_dataset(index, order, prep, train=False)
    embeddings, _ = predict(model.backbone, dataset, prep, device, batch_size, desc="embedding")
    targets = label_targets[order]
    seconds = np.zeros(len(order))
    for cls in np.unique(targets):
        members = targets == cls
        seconds[members] = np.arange(members.sum()) * frame_stride / STILL_FRAMES_FPS
    return EmbeddedRecordings(embeddings.astype(np.float32), targets, seconds)


def cached_embeddings(cache_dir: Path, key: str, compute) -> tuple[EmbeddedRecordings, bool]:
    """Load CACHE/embeddings/KEY.safetensors, or compute and store it. Returns (embeddings, was_cached)."""
    from safetensors.numpy import load_file, save

    path = Path(cache_dir) / "embeddings" / f"{key}.safetensors"
    if path.is_file():
        try:
            tensors = load_file(str(path))
            return EmbeddedRecordings(tensors["embeddings"], tensors["targets"], tensors["seconds"]), True
        except Exception as e:  # a damaged cache file is recomputed, never trusted
            log.warning(f"ignoring unreadable embedding cache {path} ({e})")
    result = compute()
    atomic.write_bytes(path, save({"embeddings": result.embeddings, "targets": result.targets.astype(np.int64),
                                   "seconds": result.seconds.astype(np.float64)}, metadata={"key": key}))
    return result, False


def time_split(recordings: EmbeddedRecordings, train_seconds: float, gap_seconds: float, holdout_seconds: float | None,
               labels: list[str], data: str) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, held-out rows): per label, the first `train_seconds`, then a gap, then the held-out tail."""
    train_rows, test_rows = [], []
    for cls in np.unique(recordings.targets):
        rows = np.flatnonzero(recordings.targets == cls)
        times = recordings.seconds[rows]
        duration = times.max() + (times[1] - times[0] if len(times) > 1 else 0.0)
        test_start = train_seconds + gap_seconds if holdout_seconds is None else duration - holdout_seconds
        if test_start < train_seconds + gap_seconds - 1e-9 or not (times >= test_start).any():
            needed = train_seconds + gap_seconds + (holdout_seconds or 1.0)
            raise DataError(
                f"{data}: label {labels[cls]!r} has {duration:.1f} s of recordings, but training on {train_seconds:g} s "
                f"with a {gap_seconds:g} s gap and held-out frames needs about {needed:g} s; record more or lower --seconds-per-letter"
            )
        train_rows.append(rows[times < train_seconds])
        test_rows.append(rows[times >= test_start])
    return np.concatenate(train_rows), np.concatenate(test_rows)


def count_split(targets: np.ndarray, per_label: int, labels: list[str], data: str) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, held-out rows): per label, the first `per_label` samples in file order train, the rest are held out."""
    train_rows, test_rows = [], []
    for cls in np.unique(targets):
        rows = np.flatnonzero(targets == cls)
        if len(rows) <= per_label:
            raise DataError(f"{data}: label {labels[cls]!r} has {len(rows)} photos, so --per-label {per_label} leaves none held out; "
                            "lower --per-label or add photos")
        train_rows.append(rows[:per_label])
        test_rows.append(rows[per_label:])
    return np.concatenate(train_rows), np.concatenate(test_rows)


# Head learning rates: recordings give thousands of frames (many steps per epoch), a photo
# folder with --per-label gives tens per label; measured on asl_signers (landmark model, 10 photos
# per letter, 60 epochs) 1e-3 left the head short of what 1e-2 reached (train/README.md).
RECORDINGS_HEAD_LR, PHOTOS_HEAD_LR = 1e-3, 1e-2


def head_lr(config: FinetuneConfig) -> float:
    if config.lr is not None:
        return config.lr
    return PHOTOS_HEAD_LR if config.per_label is not None else RECORDINGS_HEAD_LR


def train_head(head: nn.Module, embeddings: torch.Tensor, targets: torch.Tensor, config: FinetuneConfig) -> list[float]:
    """Mini-batch training of the classifier alone on fixed embeddings. Returns the loss per epoch."""
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = build_optimizer(config.optimizer, head.parameters(), head_lr(config), config.weight_decay, config.momentum)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)
    criterion = nn.CrossEntropyLoss()
    losses = []
    head.train()
    for _ in range(config.epochs):
        order = torch.randperm(len(targets), generator=generator)
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            rows = order[start : start + config.batch_size]
            loss = criterion(head(embeddings[rows]), targets[rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
        scheduler.step()
        losses.append(total / len(order))
    head.eval()
    return losses


def finetune(config: FinetuneConfig) -> dict:
    """Run the personalisation flow; writes OUT.safetensors + OUT.json (+ OUT.confusion.png). Returns the report."""
    from signport.models import model_from_checkpoint
    from signport.train.sources import data_fingerprint, open_dataset, with_hand_crops

    started = time.perf_counter()
    set_threads(config.threads)
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    model, meta = model_from_checkpoint(config.checkpoint)
    model.to(device).freeze_backbone()
    labels = list(meta.labels)
    prep = Preprocessing.from_dict(meta.preprocessing)
    # For an image model the user's data are recordings ('synth' = the synthetic new signer's).
    # For the landmark model, a new user's recordings are their per-frame landmarks.
    kind = {"image": "recordings", "landmarks": "landmark_recordings"}.get(prep.input_kind, prep.input_kind)
    index = open_dataset(config.data, kind, config.cache_dir, config.seed)
    if config.per_label is not None and isinstance(index, VideoIndex):
        raise InputError(f"--per-label counts photos; {config.data} holds recordings, whose unit is time: use --seconds-per-letter")
    train_config = meta.train_config or {}
    hand_crop = train_config.get("hand_crop", False) if config.hand_crop is None else config.hand_crop
    if hand_crop and isinstance(index, ImageIndex):
        hand_model = train_config.get("hand_model")
        index, crop_report = with_hand_crops(index, config.cache_dir, Path(hand_model) if hand_model else None,
                                             float(train_config.get("crop_margin", 0.25)), str(config.data))
        log.info(f"hand crops: {crop_report['with_hand']} of {crop_report['images']} photos have a hand; "
                 f"without a hand (left out): {crop_report['without_hand_by_source_and_label'] or 'none'}")
    fingerprint = backbone_fingerprint(model)
    data_fp = data_fingerprint(index)

    key = embedding_cache_key(fingerprint, data_fp, prep, config.frame_stride)
    recordings, was_cached = cached_embeddings(
        config.cache_dir, key, lambda: embed_recordings(model, index, labels, prep, device, config.frame_stride, config.data))
    embed_seconds = time.perf_counter() - started
    log.info(f"embeddings: {len(recordings.targets)} frames x {recordings.embeddings.shape[1]} ({'cached' if was_cached else 'computed'}, {embed_seconds:.1f} s)")

    if config.per_label is not None:
        train_rows, test_rows = count_split(recordings.targets, config.per_label, labels, config.data)
    else:
        train_rows, test_rows = time_split(recordings, config.seconds_per_letter, config.gap_seconds, config.holdout_seconds, labels, config.data)
    embeddings = torch.from_numpy(recordings.embeddings).to(device)
    targets = torch.from_numpy(recordings.targets).to(device)
    with torch.no_grad():
        base_logits = model.head.eval()(embeddings[test_rows]).cpu().numpy()
    before = metrics_from_logits(base_logits, recordings.targets[test_rows], labels)

    head_started, head_cpu_started = time.perf_counter(), time.process_time()
    if config.init == "fresh":
        model.head.fc.reset_parameters()
    losses = train_head(model.head, embeddings[train_rows], targets[train_rows], config)
    head_seconds, head_cpu_seconds = time.perf_counter() - head_started, time.process_time() - head_cpu_started
    with torch.no_grad():
        after = metrics_from_logits(model.head(embeddings[test_rows]).cpu().numpy(), recordings.targets[test_rows], labels)

    report = {
        "before": summary(before), "after": summary(after),
        "train_frames": int(len(train_rows)), "heldout_frames": int(len(test_rows)),
        "labels_seen": sorted({labels[t] for t in recordings.targets[train_rows]}),
        "final_train_loss": losses[-1] if losses else None,
        "embedding_seconds": round(embed_seconds, 2), "embeddings_cached": was_cached, "head_train_seconds": round(head_seconds, 2),
        "head_train_cpu_seconds": round(head_cpu_seconds, 2),
    }
    source = {
        "kind": "finetune", "checkpoint": str(config.checkpoint), "data": str(config.data), "data_fingerprint": data_fp,
        "optimizer": config.optimizer, "lr": head_lr(config), "weight_decay": config.weight_decay, "epochs": config.epochs,
        "seconds_per_letter": None if config.per_label else config.seconds_per_letter, "per_label": config.per_label, "gap_seconds": config.gap_seconds,
        "holdout_seconds": config.holdout_seconds, "frame_stride": config.frame_stride, "init": config.init, "seed": config.seed,
    }
    head = head_from_model(model, labels, fingerprint=fingerprint, metrics=report, source=source)
    weights_path = save_head(config.out, head)
    plot_confusion_matrix(weights_path.with_suffix(".confusion.png"), np.asarray(after["confusion_matrix"]), labels,
                          title=f"new head on held-out frames: top-1 {after['top1']:.3f} (base head {before['top1']:.3f})")
    log.info(f"held-out frames ({len(test_rows)}): base head top-1 {before['top1']:.4f} -> new head {after['top1']:.4f} "
             f"(trained on {f'{config.per_label} photos' if config.per_label else f'{config.seconds_per_letter:g} s'} per label, "
             f"{len(train_rows)} samples, {config.optimizer}, {head_seconds:.1f} s)")
    log.info(f"wrote {weights_path} and {weights_path.with_suffix('.json')}")
    return {**report, "head": str(weights_path), "before_full": before, "after_full": after}
