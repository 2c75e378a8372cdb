"""`signport evaluate`: a checkpoint (optionally with a swapped head) on a dataset -> results.json + confusion.png."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from signport.core import atomic
from signport.core.errors import DataError, InputError
from signport.core.heads import load_head
from signport.core.preprocessing import Preprocessing
from signport.data.types import VideoIndex
from signport.train.config import EvaluateConfig
from signport.train.inference import predict, predict_video_frames
from signport.train.metrics import classification_metrics
from signport.train.plots import plot_confusion_matrix
from signport.train.device import resolve_device, set_threads

log = logging.getLogger("signport.train")

SUMMARY_KEYS = ("num_samples", "top1", "top5", "macro_precision", "macro_recall", "macro_f1")


def summary(metrics: dict) -> dict:
    """The headline numbers of a metrics dict (what checkpoints and head manifests record)."""
    return {k: metrics[k] for k in SUMMARY_KEYS + ("loss",) if k in metrics}


def metrics_from_logits(logits: np.ndarray, targets: np.ndarray, labels: list[str]) -> dict:
    """classification_metrics plus the mean (unweighted) cross-entropy."""
    metrics = classification_metrics(targets, logits, labels)
    if len(targets):
        metrics["loss"] = float(F.cross_entropy(torch.from_numpy(logits).float(), torch.from_numpy(targets).long()))
    return metrics


def per_source_metrics(logits: np.ndarray, targets: np.ndarray, sources: list[str], labels: list[str]) -> dict[str, dict]:
    """{source: headline metrics} for data merged from several datasets (`--data A,B`)."""
    sources_ = np.asarray(sources)
    return {name: summary(metrics_from_logits(logits[sources_ == name], targets[sources_ == name], labels))
            for name in dict.fromkeys(sources)}


def evaluate_dataset(model, dataset, prep: Preprocessing, labels: list[str], device: torch.device, batch_size: int = 128,
                     amp_dtype: torch.dtype | None = None) -> dict:
    logits, targets = predict(model, dataset, prep, device, batch_size, amp_dtype)
    return metrics_from_logits(logits, targets, labels)


def write_evaluation(out_dir: Path, metrics: dict, title: str) -> dict[str, Path]:
    out_dir = Path(out_dir)
    results = atomic.write_json(out_dir / "results.json", metrics)
    picture = plot_confusion_matrix(out_dir / "confusion.png", np.asarray(metrics["confusion_matrix"]), metrics["labels"],
                                    title=f"{title}\ntop-1 {metrics['top1']:.3f}, macro F1 {metrics['macro_f1']:.3f}, n={metrics['num_samples']}")
    return {"results": results, "confusion": picture}


def targets_in_label_order(index_labels: list[str], labels: list[str], data: str) -> np.ndarray:
    """Map a dataset's per-sample labels onto a model's output order; unknown labels are an error."""
    lookup = {label: i for i, label in enumerate(labels)}
    unknown = sorted(set(index_labels) - set(lookup))
    if unknown:
        raise DataError(f"{data} has labels the model does not know ({', '.join(unknown[:8])}); evaluate on data with the model's labels ({', '.join(labels[:8])}...)")
    return np.array([lookup[label] for label in index_labels], dtype=np.int64)


def run_evaluate(config: EvaluateConfig) -> dict:
    """Evaluate and write OUT/results.json + OUT/confusion.png. Returns the metrics."""
    from signport.train.datasets import build_dataset, check_index_kind, empty_split_reason, make_splits
    from signport.models.head_io import apply_head
    from signport.models import model_from_checkpoint
    from signport.train.sources import data_fingerprint, open_dataset, with_hand_crops

    set_threads(config.threads)
    device = resolve_device(config.device)
    model, meta = model_from_checkpoint(config.checkpoint)
    labels = list(meta.labels)
    if config.head is not None:
        head = load_head(config.head)
        forced = apply_head(model, head, force=config.force, labels=None if config.force else labels, head_path=config.head)
        if forced:
            log.warning(f"--force: applied {config.head} despite: {'; '.join(forced)}")
        labels = list(head.manifest.labels)
    model.to(device).eval()
    prep = Preprocessing.from_dict(meta.preprocessing)
    train_config = meta.train_config or {}
    index = open_dataset(config.data, prep.input_kind, config.cache_dir, int(train_config.get("seed", 0)))
    hand_crop = train_config.get("hand_crop", False) if config.hand_crop is None else config.hand_crop
    crop_report = None
    if hand_crop and prep.input_kind == "image" and not isinstance(index, VideoIndex):
        hand_model = train_config.get("hand_model")
        index, crop_report = with_hand_crops(index, config.cache_dir, Path(hand_model) if hand_model else None,
                                             float(train_config.get("crop_margin", 0.25)), str(config.data))
        log.info(f"hand crops: {crop_report['with_hand']} of {crop_report['images']} images have a hand; "
                 f"without a hand (not scored): {crop_report['without_hand_by_source_and_label'] or 'none'}")

    if isinstance(index, VideoIndex) and prep.input_kind == "image":
        # Recordings evaluated frame by frame (the personalisation setting).
        if config.split not in ("auto", "all"):
            raise InputError(f"--split {config.split}: video recordings evaluated with an image model have no training split; use --split all")
        frames = predict_video_frames(model, index, prep, device, config.frame_stride, config.batch_size)
        targets = targets_in_label_order(index.labels, labels, config.data)[frames.video]
        metrics = metrics_from_logits(frames.outputs, targets, labels)
        split = "all frames"
    else:
        check_index_kind(index, prep.input_kind, config.data)
        split = config.split
        same_data = meta.data_fingerprint is not None and data_fingerprint(index) == meta.data_fingerprint
        if split == "auto":
            split = "test" if same_data else "all"
        if split == "all":
            chosen = np.arange(len(index))
        else:
            if not same_data:
                raise InputError(f"--split {split} exists only for the data {config.checkpoint} was trained on; pass that data or --split all")
            splits = make_splits(index, train_config["val_fraction"], train_config["test_fraction"], train_config["seed"],
                                 train_config.get("max_per_class"), train_config.get("split_by", "sample"), train_config.get("holdout"))
            chosen = splits[split]
            if len(chosen) == 0:
                raise DataError(f"the {split} split of {config.data} is empty ({empty_split_reason(index, split)}); "
                                "evaluate --split all or another split")
        dataset = build_dataset(index, chosen, prep, train=False)
        # Every dataset exposes `targets`; re-map them from the data's label order to the model's.
        dataset.targets = targets_in_label_order([index.labels[i] for i in chosen], labels, config.data)
        logits, targets = predict(model, dataset, prep, device, config.batch_size)
        metrics = metrics_from_logits(logits, targets, labels)
        if getattr(index, "sources", None):
            metrics["per_source"] = per_source_metrics(logits, targets, [index.sources[i] for i in chosen], labels)
    metrics["split"] = split
    metrics["checkpoint"] = str(config.checkpoint)
    metrics["head"] = str(config.head) if config.head else None
    metrics["data"] = str(config.data)
    metrics["hand_crops"] = crop_report
    title = f"{meta.architecture}{' + ' + Path(config.head).name if config.head else ''} on {config.data} ({split})"
    paths = write_evaluation(config.out, metrics, title)
    log.info(f"{metrics['num_samples']} samples ({split}): top-1 {metrics['top1']:.4f}  top-5 {metrics['top5']:.4f}  "
             f"macro P/R/F1 {metrics['macro_precision']:.4f}/{metrics['macro_recall']:.4f}/{metrics['macro_f1']:.4f}")
    log.info(f"wrote {paths['results']} and {paths['confusion']}")
    return metrics
