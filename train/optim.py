"""Optimizers and learning-rate schedules, registered by name (the fine-tuning ablation compares them)."""

from __future__ import annotations

from typing import Callable, Iterable

import torch

from signport.core.errors import InputError


def _adamw(params, lr: float, weight_decay: float, momentum: float):
    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)


def _adam(params, lr: float, weight_decay: float, momentum: float):
    # Adam's weight decay is L2 in the gradient (not decoupled): that difference is the ablation.
    return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)


def _rmsprop(params, lr: float, weight_decay: float, momentum: float):
    return torch.optim.RMSprop(params, lr=lr, weight_decay=weight_decay, momentum=momentum, alpha=0.9, eps=1e-6)


def _sgd(params, lr: float, weight_decay: float, momentum: float):
    return torch.optim.SGD(params, lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=momentum > 0)


OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adamw": _adamw,
    "adam": _adam,
    "rmsprop": _rmsprop,
    "sgd": _sgd,
}


def build_optimizer(name: str, params: Iterable, lr: float, weight_decay: float = 0.0, momentum: float = 0.9) -> torch.optim.Optimizer:
    if name not in OPTIMIZERS:
        raise InputError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](params, lr=lr, weight_decay=weight_decay, momentum=momentum)


def _cosine(optimizer, epochs: int, warmup_epochs: int):
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, epochs - warmup_epochs))
    if warmup_epochs <= 0:
        return cosine
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=warmup_epochs)
    return torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[warmup_epochs])


def _plateau(optimizer, epochs: int, warmup_epochs: int):
    if warmup_epochs:
        raise InputError("--warmup-epochs works with --scheduler cosine only; drop it or use the cosine schedule")
    return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.3, patience=2)


def _constant(optimizer, epochs: int, warmup_epochs: int):
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: min(1.0, (epoch + 1) / (warmup_epochs + 1)))


SCHEDULERS: dict[str, Callable[..., object]] = {
    "cosine": _cosine,
    "plateau": _plateau,
    "constant": _constant,
}


def build_scheduler(name: str, optimizer: torch.optim.Optimizer, epochs: int, warmup_epochs: int = 0):
    """Stepped once per epoch; the plateau schedule is stepped with the validation loss."""
    if name not in SCHEDULERS:
        raise InputError(f"unknown scheduler {name!r}; choose one of: {', '.join(SCHEDULERS)}")
    return SCHEDULERS[name](optimizer, epochs=epochs, warmup_epochs=warmup_epochs)


def step_scheduler(scheduler, val_loss: float | None) -> None:
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        if val_loss is not None:
            scheduler.step(val_loss)
    else:
        scheduler.step()
