"""Runners: load one artifact in its runtime and run it on numpy input.

Stand-in for the shared signport.runtime package (same call shape:
`load_runner(path, format, threads) -> Runner` with `.run(x) -> np.ndarray` and `.load_seconds`);
the bench switches to it and this module goes away once it lands on main.
"""

from __future__ import annotations

import platform
import time
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from signport.core.errors import ToolchainError

# The Python module each runtime needs; the measuring subprocess imports it before loading the
# model so the model's own memory can be told apart from the runtime library's.
RUNTIME_MODULES = {"executorch": "executorch.runtime", "onnx": "onnxruntime", "pytorch": "torch", "coreml": "coremltools"}
# Runtime names as the bench result schema spells them (signport/core/bench_result.schema.json).
RUNTIME_NAMES = {"executorch": "executorch", "onnx": "onnxruntime", "pytorch": "pytorch", "coreml": "coreml"}
# Core ML compute units: the schema's (MLComputeUnits) name -> coremltools.ComputeUnit member.
COREML_COMPUTE_UNITS = {"all": "ALL", "cpuOnly": "CPU_ONLY", "cpuAndNeuralEngine": "CPU_AND_NE"}


class Runner(Protocol):
    load_seconds: float

    def run(self, x: np.ndarray) -> np.ndarray: ...


RUNNER_LOADERS: dict[str, Callable[..., Runner]] = {}


def register_runner(fmt: str):
    def decorator(loader):
        RUNNER_LOADERS[fmt] = loader
        return loader

    return decorator


def load_runner(path: str | Path, fmt: str, threads: int, compute_units: str | None = None) -> Runner:
    if fmt not in RUNNER_LOADERS:
        raise ToolchainError(f"no runtime for format {fmt!r} (known: {', '.join(RUNNER_LOADERS)})")
    kwargs = {"compute_units": compute_units} if compute_units else {}
    return RUNNER_LOADERS[fmt](Path(path), threads, **kwargs)


class _TimedLoad:
    def __init__(self):
        self._start = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self._start


@register_runner("executorch")
class ExecuTorchRunner:
    def __init__(self, path: Path, threads: int):
        import torch
        from executorch.extension.pybindings import portable_lib
        from executorch.runtime import Runtime

        # XNNPACK runs on ExecuTorch's process-wide threadpool, sized to the core count by
        # default; this experimental call is the one knob the Python runtime exposes.
        portable_lib._unsafe_reset_threadpool(threads)
        self.threads = portable_lib._threadpool_get_thread_count()
        timer = _TimedLoad()
        self._method = Runtime.get().load_program(path).load_method("forward")
        self.load_seconds = timer.seconds()
        self._torch = torch

    def run(self, x: np.ndarray) -> np.ndarray:
        return self._method.execute([self._torch.from_numpy(np.ascontiguousarray(x))])[0].numpy()


@register_runner("onnx")
class OnnxRuntimeRunner:
    def __init__(self, path: Path, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        timer = _TimedLoad()
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.load_seconds = timer.seconds()
        self._input = self._session.get_inputs()[0].name
        self.threads = threads

    def run(self, x: np.ndarray) -> np.ndarray:
        return self._session.run(None, {self._input: np.ascontiguousarray(x)})[0]


@register_runner("pytorch")
class EagerRunner:
    """The eager baseline: the full model rebuilt from a checkpoint folder."""

    def __init__(self, path: Path, threads: int):
        import torch

        from signport.train.models import model_from_checkpoint

        torch.set_num_threads(threads)
        timer = _TimedLoad()
        self._model, _ = model_from_checkpoint(path)
        self.load_seconds = timer.seconds()
        self._torch = torch
        self.threads = torch.get_num_threads()

    def run(self, x: np.ndarray) -> np.ndarray:
        with self._torch.inference_mode():
            return self._model(self._torch.from_numpy(np.ascontiguousarray(x))).numpy()


@register_runner("coreml")
class CoreMLRunner:
    def __init__(self, path: Path, threads: int, compute_units: str = "all"):
        if platform.system() != "Darwin":
            raise ToolchainError("not available here: Core ML predict needs macOS (run `signport bench --device macos` on a Mac)")
        import coremltools as ct

        timer = _TimedLoad()
        self._model = ct.models.MLModel(str(path), compute_units=ct.ComputeUnit[COREML_COMPUTE_UNITS[compute_units]])
        self.load_seconds = timer.seconds()
        spec = self._model.get_spec()
        self._input = spec.description.input[0].name
        self._output = spec.description.output[0].name
        self.threads = threads  # Core ML schedules its own threads

    def run(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._model.predict({self._input: x})[self._output])
