"""What runs on this host: the runtime each artifact format needs, the names the bench result
schema uses for them, and why an artifact cannot run here (a clearly labelled N/A row, never a
crash and never a failure)."""

from __future__ import annotations

import platform
from functools import lru_cache

# Artifact format -> runtime name as signport/core/bench_result.schema.json spells it.
RUNTIME_NAMES = {"executorch": "executorch", "onnx": "onnxruntime", "pytorch": "pytorch", "coreml": "coreml"}
# Python module each runtime needs; the measuring subprocess imports it before loading the model
# so the model's own memory can be told apart from the runtime library's.
RUNTIME_MODULES = {"executorch": "executorch.runtime", "onnx": "onnxruntime", "pytorch": "torch", "coreml": "coremltools"}
# Core ML compute-unit settings measured on a Mac (MLComputeUnits names, as the iOS demo and the schema use).
COREML_COMPUTE_UNITS = ("all", "cpuOnly", "cpuAndNeuralEngine")
# Formats whose runtime exists only on one operating system: format -> (platform.system(), reason).
PLATFORM_ONLY = {"coreml": ("Darwin", "not available here: needs macOS")}
# ExecuTorch delegates -> the backend the runtime must be built with.
EXECUTORCH_DELEGATE_BACKENDS = {"xnnpack": "XnnpackBackend", "coreml": "CoreMLBackend", "mps": "MPSBackend",
                                "vulkan": "VulkanBackend", "qnn": "QnnBackend"}


def runtime_name(fmt: str) -> str:
    return RUNTIME_NAMES.get(fmt, fmt)


@lru_cache(maxsize=1)
def executorch_backends() -> frozenset[str]:
    from signport.runtime.executorch_runner import executorch_backends as registered

    return frozenset(registered())


def unavailable_reason(fmt: str, delegate: str | None = None) -> str | None:
    """Why an artifact of `fmt` (with an ExecuTorch `delegate`) cannot run on this host; None if it can."""
    required = PLATFORM_ONLY.get(fmt)
    if required and platform.system() != required[0]:
        return required[1]
    backend = EXECUTORCH_DELEGATE_BACKENDS.get(delegate or "") if fmt == "executorch" else None
    if backend and backend not in executorch_backends():
        return f"not available here: this ExecuTorch runtime has no {backend} (the {delegate} delegate runs in the phone app)"
    return None
