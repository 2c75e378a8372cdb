"""The Runner contract and the registry of runners keyed by format name."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Callable

import numpy as np

from signport.core.errors import InputError
from signport.core.registry import Registry

RUNNERS: Registry[type["Runner"]] = Registry("runtime")


def register_runner(format_name: str) -> Callable[[type["Runner"]], type["Runner"]]:
    def decorator(cls: type["Runner"]) -> type["Runner"]:
        cls.format = format_name
        RUNNERS[format_name] = cls
        return cls

    return decorator


def load_runner(artifact_path: str | Path, format: str, threads: int | None = None, **options) -> "Runner":
    """Load one artifact for inference. `threads` None leaves the runtime's default; `options`
    go to the runner (e.g. part="backbone" for a PyTorch checkpoint)."""
    runner = RUNNERS.get_or_fail(format)
    path = Path(artifact_path)
    if not path.exists():
        raise InputError(f"{path} not found; pass an artifact file from a bundle written by `signport export`")
    return runner(path, threads, **options)


class Runner(ABC):
    """One loaded artifact: `run(batch) -> batch` on float32 numpy arrays.

    Artifacts exported with a fixed batch size (phones run one sample at a time) accept any
    batch here: `run` feeds them one sample after another and stacks the outputs.
    """

    format: str = ""

    def __init__(self, path: Path, threads: int | None = None):
        self.path = path
        self.threads = threads
        started = time.perf_counter()
        self._load()
        self.load_seconds = time.perf_counter() - started

    # Static input shape including the batch dimension; None entries are dynamic.
    input_shape: tuple[int | None, ...] | None = None

    @abstractmethod
    def _load(self) -> None:
        """Open the artifact and set `input_shape` when the format records it."""

    @abstractmethod
    def _run(self, batch: np.ndarray) -> np.ndarray:
        """Run one batch that already has the artifact's batch size."""

    def run(self, inputs: np.ndarray) -> np.ndarray:
        inputs = np.ascontiguousarray(inputs, dtype=np.float32)
        shape = self.input_shape
        if shape is None:
            return self._run(inputs)
        if inputs.ndim != len(shape) or any(s is not None and s != d for s, d in zip(shape[1:], inputs.shape[1:])):
            raise InputError(
                f"{self.path}: input of shape {tuple(inputs.shape)} does not fit the artifact's {tuple(shape)}; "
                "preprocess as the bundle manifest's `preprocessing` says"
            )
        fixed_batch = shape[0]
        if fixed_batch is None or inputs.shape[0] == fixed_batch:
            return self._run(inputs)
        if fixed_batch != 1:
            raise InputError(f"{self.path}: artifact has a fixed batch of {fixed_batch}; feed batches of that size")
        return np.concatenate([self._run(inputs[i : i + 1]) for i in range(len(inputs))])
