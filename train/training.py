"""`signport train`: one flat loop, read top to bottom (after torchvision's references/classification/train.py).

OUT/ after a run:
  weights.safetensors + checkpoint.json   the best model by validation accuracy (a signport checkpoint)
  train_state.pt                          everything --resume needs (tensors and primitives only)
  history.json + curves.png               loss and accuracy per epoch
  evaluation/results.json + confusion.png the held-out test split, evaluated with the best weights
"""

from __future__ import annotations

import inspect
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, WeightedRandomSampler
from tqdm import tqdm

from signport.core import atomic
from signport.core.checkpoint import META_FILE, WEIGHTS_FILE, CheckpointMeta, save_checkpoint
from signport.core.errors import DataError, InputError, SignportError
from signport.train import distributed
from signport.train.augment import AugmentSettings, build_augmentation
from signport.train.config import TrainConfig
from signport.train.datasets import build_dataset, check_index_kind, empty_split_reason, make_splits, split_source
from signport.train.evaluate import evaluate_dataset, metrics_from_logits, per_source_metrics, summary, write_evaluation
from signport.train.inference import predict
from signport.train.metrics import class_weights
from signport.models import backbone_fingerprint, build_model
from signport.models.inflate import inflate_from_checkpoint
from signport.models.registry import get_spec, model_preprocessing
from signport.train.optim import build_optimizer, build_scheduler, step_scheduler
from signport.train.plots import plot_training_curves
from signport.train.presets import describe_preset
from signport.train.device import autocast_dtype, resolve_device, set_threads
from signport.train.sources import data_fingerprint, open_dataset, with_hand_crops
from signport.train.state import STATE_FILE, check_resumable, load_train_state, restore_rng_state, rng_state, save_train_state

log = logging.getLogger("signport.train")

# TrainConfig fields that are architecture arguments when the family's builder takes them.
ARCH_FIELDS = ("width", "input_size", "clip_length", "clip_fps", "hidden", "features", "mirror", "channel_attention", "weights", "head_dropout")


@dataclass
class TrainResult:
    out: Path
    history: list[dict]
    best_epoch: int
    finished: bool  # False when --stop-after-epochs ended this invocation early
    test_metrics: dict | None
    seconds: float


def arch_args(config: TrainConfig) -> dict:
    """The family builder's keyword arguments from the config; a flag the family does not take is an error."""
    accepted = set(inspect.signature(get_spec(config.model).build_backbone).parameters) | {"head_dropout"}
    args = {}
    for name in ARCH_FIELDS:
        value = getattr(config, name)
        if value is None or (name == "channel_attention" and value is False) or (name == "weights" and value == "none"):
            continue
        if name not in accepted:
            raise InputError(f"--{name.replace('_', '-')} does not apply to model {config.model}; drop it")
        args[name] = list(value) if isinstance(value, tuple) else value
    return args


def source_balanced_weights(sources: list[str]) -> torch.Tensor:
    """Per-sample draw weights that give every source the same share of an epoch."""
    names, source_of, counts = np.unique(np.asarray(sources), return_inverse=True, return_counts=True)
    return torch.from_numpy(1.0 / counts[source_of]).double()


class TrainingDiverged(SignportError):
    """The loss became NaN or infinite."""


def epochs_within_budget(planned: int, first_epoch_seconds: float, budget_seconds: float, minimum: int = 3) -> int:
    """How many epochs fit in `budget_seconds` at the first epoch's pace (never more than planned,
    never fewer than `minimum`: a schedule shorter than that does not converge at all)."""
    if first_epoch_seconds <= 0:
        return planned
    return max(min(planned, int(budget_seconds // first_epoch_seconds)), min(minimum, planned))


def train_one_epoch(model, loader, augment, criterion, optimizer, scaler, device, amp_dtype, desc: str, show_progress: bool = True) -> dict:
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    bar = tqdm(loader, desc=desc, unit="batch", leave=False, disable=None if show_progress else True)
    for batch, target in bar:
        inputs = augment(batch.to(device, non_blocking=True), train=True)
        target = target.to(device, non_blocking=True)
        with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
            logits = model(inputs)
            loss = criterion(logits, target)
        if not torch.isfinite(loss):
            # A NaN never recovers; stop before it overwrites the best checkpoint's successors.
            raise TrainingDiverged(f"training diverged ({desc}: loss is {loss.item()}); check the data for NaN inputs or lower --lr")
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        total_loss += loss.item() * len(target)
        correct += (logits.argmax(dim=1) == target).sum().item()
        seen += len(target)
        bar.set_postfix(loss=f"{total_loss / seen:.3f}", acc=f"{correct / seen:.3f}")
    return {"train_loss": total_loss / max(seen, 1), "train_top1": correct / max(seen, 1)}


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, dataset, augment, device, batch_size: int, max_batches: int) -> None:
    """Re-estimate BatchNorm running statistics with the final weights of the epoch ("precise BN").

    Running averages lag behind weights that still move fast, which on short CPU runs makes
    eval-mode accuracy far worse than the network is; averaging over a few batches of training
    images (eval preprocessing, only BatchNorm in train mode) fixes that at the cost of a few forwards.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]
    if not norms or max_batches <= 0:
        return
    momenta = [m.momentum for m in norms]
    model.eval()
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the batches below
        m.train()
    order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(len(dataset)))
    for start in range(0, min(len(dataset), max_batches * batch_size), batch_size):
        rows = order[start : start + batch_size]
        batch = torch.stack([dataset[int(i)][0] for i in rows]).to(device)
        model(augment(batch, train=False))
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
        m.eval()


# What a run writes into --out; --overwrite removes exactly these, nothing else in the folder.
RUN_FILES = (META_FILE, WEIGHTS_FILE, STATE_FILE, "history.json", "curves.png", "evaluation", "hand_crops.json")


def _prepare_out_folder(config: TrainConfig) -> dict | None:
    """Refuse to clobber a run by accident; returns the saved state when resuming (checked before any data is read)."""
    has_run = (config.out / META_FILE).exists() or (config.out / STATE_FILE).exists()
    if config.resume:
        state = load_train_state(config.out)
        check_resumable(state["config"], config.to_dict(), config.out, defaults=TrainConfig().to_dict())
        return state
    if has_run and not config.overwrite:
        raise InputError(f"{config.out} already holds a training run; pass --resume to continue it, --overwrite to replace it, or another --out")
    if has_run and distributed.is_main_process(config.rank):
        for name in RUN_FILES:
            path = config.out / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    return None


def train(config: TrainConfig) -> TrainResult:
    """Train `config.model` on `config.data` and write the run to `config.out` (see module docstring)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    main_process = distributed.is_main_process(config.rank)
    device = resolve_device(config.device, config.local_rank)
    set_threads(config.threads)
    distributed.init_distributed(config.world_size, config.rank, device)
    state = _prepare_out_folder(config)
    torch.manual_seed(config.seed)
    amp_dtype = autocast_dtype(device, config.amp)
    if device.type == "cpu" and config.compile:
        log.info("--compile is for CUDA; ignored on CPU")
    log.info(describe_preset(config))

    # Data: an index, a seeded split, and datasets that hand out uint8 pixels / raw landmarks.
    model_args = arch_args(config)
    prep = model_preprocessing(config.model, **model_args)
    index = open_dataset(config.data, prep.input_kind, config.cache_dir, config.seed, config.on_missing)
    check_index_kind(index, prep.input_kind, config.data)
    if config.hand_crop:
        index, crop_report = with_hand_crops(index, config.cache_dir, config.hand_model, config.crop_margin, config.data)
        log.info(f"hand crops: {crop_report['with_hand']} of {crop_report['images']} images have a hand ({crop_report['detected_now']} detected now); "
                 f"without a hand (left out): {crop_report['without_hand_by_source_and_label'] or 'none'}")
        if main_process:
            atomic.write_json(config.out / "hand_crops.json", crop_report)
    labels = list(index.classes)
    if len(labels) < 2:
        raise DataError(f"{config.data}: only one class ({', '.join(map(repr, labels)) or 'none'}) in the data; "
                        "a classifier needs at least two (add the other classes' folders or rows)")
    splits = make_splits(index, config.val_fraction, config.test_fraction, config.seed, config.max_per_class, config.split_by, config.holdout)
    if len(splits["train"]) == 0:
        raise DataError(f"{config.data}: the training split is empty; lower --val-fraction/--test-fraction or add data")
    for name in ("val", "test"):
        if len(splits[name]) == 0:
            # Loud, not silent: without a test split no evaluation/ is written, without val the last epoch is kept.
            log.warning(f"WARNING: the {name} split of {config.data} is empty ({empty_split_reason(index, name)}); "
                        + ("no evaluation/ will be written" if name == "test" else "the last epoch is kept, without model selection"))
    fingerprint = data_fingerprint(index)
    log.info(f"data {config.data}: {len(index)} samples, {len(labels)} classes; split train {len(splits['train'])} / val {len(splits['val'])} / test {len(splits['test'])} ({split_source(index, config.split_by)})")
    train_set = build_dataset(index, splits["train"], prep, train=True)
    val_set = build_dataset(index, splits["val"], prep, train=False)

    train_sources = [index.sources[i] for i in splits["train"]] if getattr(index, "sources", None) else None
    if config.world_size > 1:
        sampler = DistributedSampler(train_set, num_replicas=config.world_size, rank=config.rank, shuffle=True, seed=config.seed)
    elif config.balance_sources and train_sources and len(set(train_sources)) > 1:
        sampler = WeightedRandomSampler(source_balanced_weights(train_sources), len(train_set), replacement=True, generator=torch.Generator())
    else:
        sampler = RandomSampler(train_set, generator=torch.Generator())
    train_loader = DataLoader(
        train_set, batch_size=config.batch_size, sampler=sampler, num_workers=config.workers,
        drop_last=len(train_set) > config.batch_size, pin_memory=device.type == "cuda",
        generator=torch.Generator(), persistent_workers=False,
    )
    augment_settings = AugmentSettings(hflip=config.hflip)
    if config.augment_signers:
        augment_settings = augment_settings.with_signer_variation()
    augment_settings = augment_settings.scaled(config.augment_strength)
    augment = build_augmentation(prep, augment_settings) if config.augment else _no_augmentation(prep)

    # Model, loss, optimizer, schedule.
    model = build_model(config.model, len(labels), **model_args)
    if config.inflate_from is not None and state is None:  # a resumed run loads its own weights below
        inflate_from_checkpoint(model, config.inflate_from, config.inflation)
        log.info(f"inflated the 2-D backbone of {config.inflate_from} into {config.model} ({config.inflation} over time)")
    model = model.to(device)
    model_without_ddp = model
    if config.world_size > 1:
        model = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    step_model = torch.compile(model) if config.compile and device.type == "cuda" else model
    train_targets = index.targets()[splits["train"]]
    weights = torch.from_numpy(class_weights(train_targets, len(labels))).to(device) if config.class_weights else None
    criterion = nn.CrossEntropyLoss(weight=weights, label_smoothing=config.label_smoothing)
    optimizer = build_optimizer(config.optimizer, [p for p in model.parameters() if p.requires_grad], config.lr, config.weight_decay, config.momentum)
    # A resumed run keeps the epoch count its time budget chose.
    total_epochs = state.get("total_epochs", config.epochs) if state is not None else config.epochs
    scheduler = build_scheduler(config.scheduler, optimizer, total_epochs, config.warmup_epochs)
    scaler = torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16)

    start_epoch, history = 0, []
    best = {"epoch": -1, "val_top1": -1.0, "val_loss": float("inf"), "bad_epochs": 0}
    if state is not None:
        model_without_ddp.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        restore_rng_state(state["rng"])
        start_epoch, history, best = state["epoch"], list(state["history"]), dict(state["best"])
        log.info(f"resuming {config.out} after epoch {start_epoch}")

    meta = CheckpointMeta(
        architecture=config.model, arch_args=model_args, labels=labels, preprocessing=prep.to_dict(),
        backbone_fingerprint="", embedding_size=model_without_ddp.embedding_size, data_fingerprint=fingerprint,
        train_config=config.to_dict(),
    )
    finished = best["bad_epochs"] >= config.patience > 0 or start_epoch >= total_epochs
    epochs_this_run = 0
    epoch = start_epoch
    while epoch < total_epochs and not finished:
        epoch_started, epoch_cpu_started = time.perf_counter(), time.process_time()
        # Shuffling depends only on (seed, epoch), so a resumed run sees the same order.
        if config.world_size > 1:
            sampler.set_epoch(epoch)
        else:
            sampler.generator.manual_seed(config.seed * 100_003 + epoch)
        train_loader.generator.manual_seed(config.seed * 100_019 + epoch)
        lr = optimizer.param_groups[0]["lr"]
        record = {"epoch": epoch + 1, "lr": lr}
        record.update(train_one_epoch(step_model, train_loader, augment, criterion, optimizer, scaler, device, amp_dtype,
                                      desc=f"epoch {epoch + 1}/{total_epochs}", show_progress=main_process))
        recalibrate_batchnorm(model_without_ddp, train_set, augment, device, config.batch_size, config.precise_bn_batches)
        val = evaluate_dataset(model_without_ddp, val_set, prep, labels, device, config.batch_size * 2, amp_dtype) if len(val_set) else None
        record.update({"val_loss": val["loss"], "val_top1": val["top1"]} if val else {"val_loss": None, "val_top1": None})
        step_scheduler(scheduler, record["val_loss"])
        # Wall time, and the CPU time the process used: on a shared host the latter is what the work costs.
        record["seconds"] = round(time.perf_counter() - epoch_started, 2)
        record["cpu_seconds"] = round(time.process_time() - epoch_cpu_started, 2)
        history.append(record)
        if epoch == 0 and config.time_budget_minutes:
            fitted = epochs_within_budget(total_epochs, record["seconds"], 60 * config.time_budget_minutes)
            if fitted < total_epochs:
                log.info(f"time budget: at {record['seconds']:.0f} s per epoch on this host, {total_epochs} epochs would take "
                         f"{total_epochs * record['seconds'] / 60:.1f} min > --time-budget-minutes {config.time_budget_minutes:g}; "
                         f"training {fitted} epochs with the schedule compressed to fit")
                total_epochs = fitted
                scheduler = build_scheduler(config.scheduler, optimizer, total_epochs, config.warmup_epochs)
                step_scheduler(scheduler, record["val_loss"])

        improved = val is None or val["top1"] > best["val_top1"] or (val["top1"] == best["val_top1"] and val["loss"] < best["val_loss"])
        if improved:
            best = {"epoch": epoch + 1, "val_top1": val["top1"] if val else None, "val_loss": val["loss"] if val else None, "bad_epochs": 0}
            if main_process:
                _save_best(config.out, model_without_ddp, meta, best)
        else:
            best["bad_epochs"] += 1
        log.info(
            f"epoch {epoch + 1}/{total_epochs}  lr {lr:.2e}  train loss {record['train_loss']:.3f} acc {record['train_top1']:.3f}"
            + (f"  |  val loss {val['loss']:.3f} acc {val['top1']:.3f}" if val else "")
            + f"  |  {record['seconds']:.1f} s (cpu {record['cpu_seconds']:.1f} s)" + ("  *" if improved else "")
        )
        if main_process:
            save_train_state(config.out, {
                "epoch": epoch + 1, "model": model_without_ddp.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(), "rng": rng_state(),
                "history": history, "best": best, "config": config.to_dict(), "total_epochs": total_epochs,
            })
        epochs_this_run += 1
        epoch += 1
        if config.patience > 0 and best["bad_epochs"] >= config.patience:
            log.info(f"early stop: validation accuracy has not improved for {config.patience} epochs (best epoch {best['epoch']})")
            finished = True
        elif epoch >= total_epochs:
            finished = True
        elif config.stop_after_epochs and epochs_this_run >= config.stop_after_epochs:
            log.info(f"stopping after {epochs_this_run} epochs as asked; continue with --resume --out {config.out}")
            break
    distributed.barrier(config.world_size)

    test_metrics = None
    if finished and main_process:
        test_metrics = _finish(config, index, splits, prep, labels, device, amp_dtype, history, best,
                               time.perf_counter() - started, time.process_time() - cpu_started)
    distributed.shutdown_distributed()
    return TrainResult(config.out, history, best["epoch"], finished, test_metrics, time.perf_counter() - started)


def _no_augmentation(prep):
    to_input = build_augmentation(prep, AugmentSettings())
    return lambda batch, train: to_input(batch, train=False)


def _save_best(out: Path, model, meta: CheckpointMeta, best: dict) -> None:
    meta.backbone_fingerprint = backbone_fingerprint(model)
    meta.metrics = {"best_epoch": best["epoch"], "val_top1": best["val_top1"], "val_loss": best["val_loss"]}
    save_checkpoint(out, model.state_dict(), meta)


def _finish(config, index, splits, prep, labels, device, amp_dtype, history, best, seconds, cpu_seconds) -> dict | None:
    """Evaluate the best weights on the test split; record metrics, history and pictures."""
    from signport.models import model_from_checkpoint

    model, meta = model_from_checkpoint(config.out)
    model.to(device)
    metrics = None
    if len(splits["test"]):
        test_set = build_dataset(index, splits["test"], prep, train=False)
        logits, targets = predict(model, test_set, prep, device, config.batch_size * 2, amp_dtype)
        metrics = metrics_from_logits(logits, targets, labels)
        if getattr(index, "sources", None):
            metrics["per_source"] = per_source_metrics(logits, targets, [index.sources[i] for i in splits["test"]], labels)
        write_evaluation(config.out / "evaluation", metrics, title=f"{config.model} on {config.data} (test split)")
    meta.metrics = {
        **meta.metrics, "epochs_run": len(history), "train_seconds": round(seconds, 1), "train_cpu_seconds": round(cpu_seconds, 1),
        "test": summary(metrics) if metrics else None,
        "test_per_source": metrics.get("per_source") if metrics else None,
    }
    atomic.write_json(config.out / META_FILE, meta.to_dict())
    atomic.write_json(config.out / "history.json", history)
    plot_training_curves(config.out / "curves.png", history, title=f"{config.model} on {config.data}")
    if metrics:
        log.info(f"test split ({metrics['num_samples']} samples, best epoch {best['epoch']}): top-1 {metrics['top1']:.4f}  top-5 {metrics['top5']:.4f}  macro F1 {metrics['macro_f1']:.4f}")
        for source, numbers in metrics.get("per_source", {}).items():
            log.info(f"  {source}: {numbers['num_samples']} samples, top-1 {numbers['top1']:.4f}")
    log.info(f"wrote {config.out} in {seconds:.0f} s (process CPU time {cpu_seconds:.0f} s)")
    return metrics
