"""The resumable training state: OUT/train_state.pt, tensors and primitives only.

Written with torch.save (atomically) and read with torch.load(weights_only=True), so resuming
never unpickles arbitrary objects. Holds model, optimizer, scheduler, AMP scaler, epoch,
early-stopping bookkeeping, history and every RNG state the loop draws from.
"""

from __future__ import annotations

import random
from pathlib import Path

import torch

from signport.core import atomic
from signport.core.errors import CheckpointError, InputError

STATE_FILE = "train_state.pt"
# Fields that may differ between an interrupted run and its resumption.
RESUMABLE_DIFFERENCES = {"resume", "stop_after_epochs", "device", "threads", "workers", "overwrite", "cache_dir"}


def rng_state() -> dict:
    version, internal, gauss_next = random.getstate()
    state = {"torch": torch.get_rng_state(), "python": list(internal), "python_version": version, "python_gauss_next": gauss_next}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate((state["python_version"], tuple(state["python"]), state["python_gauss_next"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_train_state(out: Path, state: dict) -> Path:
    path = Path(out) / STATE_FILE
    with atomic.staged_path(path) as staged:
        torch.save(state, staged)
    return path


def load_train_state(out: Path) -> dict:
    path = Path(out) / STATE_FILE
    if not path.is_file():
        raise InputError(f"--resume: {path} not found; {out} holds no interrupted run (drop --resume to start one)")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises UnpicklingError / RuntimeError for bad files
        raise CheckpointError(f"{path} is not a readable training state ({str(e).splitlines()[0]}); start again without --resume") from e


def check_resumable(saved_config: dict, config: dict, out: Path, defaults: dict | None = None) -> None:
    """InputError when a setting that shapes the result differs from the interrupted run's.

    A setting the saved run did not know yet (added in a newer version) counts as its default.
    """
    defaults = defaults or {}
    saved = lambda k: saved_config[k] if k in saved_config else defaults.get(k)
    changed = sorted(k for k in config if k not in RESUMABLE_DIFFERENCES and saved(k) != config[k])
    if changed:
        details = ", ".join(f"{k}: {saved(k)!r} -> {config[k]!r}" for k in changed)
        raise InputError(f"--resume: {out} was trained with other settings ({details}); resume with the same flags or start a new --out")
