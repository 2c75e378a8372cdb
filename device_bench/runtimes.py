"""What runs on this host: the runtime each artifact format needs, the names the bench result
schema uses for them, and why an artifact cannot run here (a clearly labelled N/A row, never a
crash and never a failure)."""

from __future__ import annotations

from signport.runtime.availability import unavailable_reason  # noqa: F401  (re-exported for the bench)

# Artifact format -> runtime name as signport/core/bench_result.schema.json spells it.
RUNTIME_NAMES = {"executorch": "executorch", "onnx": "onnxruntime", "pytorch": "pytorch", "coreml": "coreml"}
# Python module each runtime needs; the measuring subprocess imports it before loading the model
# so the model's own memory can be told apart from the runtime library's.
RUNTIME_MODULES = {"executorch": "executorch.runtime", "onnx": "onnxruntime", "pytorch": "torch", "coreml": "coremltools"}
# Core ML compute-unit settings measured on a Mac (MLComputeUnits names, as the iOS demo and the schema use).
COREML_COMPUTE_UNITS = ("all", "cpuOnly", "cpuAndNeuralEngine")


def runtime_name(fmt: str) -> str:
    return RUNTIME_NAMES.get(fmt, fmt)
