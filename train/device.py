"""Device and thread choices, shared by train, finetune and evaluate."""

from __future__ import annotations

import logging

import torch

from signport.core.errors import InputError

log = logging.getLogger("signport.train")


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """'auto' -> cuda when available, else cpu; under torchrun each process takes cuda:LOCAL_RANK."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise InputError("--device cuda: no CUDA device is visible here; use --device cpu or auto")
        return torch.device("cuda", local_rank)
    if name == "cpu":
        return torch.device("cpu")
    raise InputError(f"unknown --device {name!r}; use auto, cpu or cuda")


def set_threads(threads: int | None) -> None:
    if threads:
        torch.set_num_threads(threads)


def autocast_dtype(device: torch.device, amp: bool) -> torch.dtype | None:
    """bfloat16 where the GPU has it, else float16 (with a GradScaler); None = full precision (always on CPU)."""
    if not amp or device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
