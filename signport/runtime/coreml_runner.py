"""Core ML .mlpackage through coremltools. Prediction needs Apple's Core ML framework, so
on Linux loading raises a ToolchainError; exports are validated there without running."""

from __future__ import annotations

import json
import platform

import numpy as np

from signport.core.errors import ToolchainError
from signport.runtime.base import Runner, register_runner

PREDICT_NEEDS_MACOS = "Core ML predict needs macOS"
LABELS_METADATA_KEY = "signport.labels"  # JSON list in the model's metadata, written by signport.export


def coreml_predict_available() -> bool:
    return platform.system() == "Darwin"


# MLComputeUnits names (as the iOS demo and the bench result schema spell them) -> coremltools.ComputeUnit.
COMPUTE_UNITS = {"all": "ALL", "cpuOnly": "CPU_ONLY", "cpuAndGPU": "CPU_AND_GPU", "cpuAndNeuralEngine": "CPU_AND_NE"}


@register_runner("coreml")
class CoreMLRunner(Runner):
    """Image-typed models (CVPixelBuffer input on iOS) take uint8 RGB (N, H, W, 3) pixels here;
    tensor-typed ones take the preprocessed float tensor like every other runner.
    `compute_units` picks where Core ML may run it (the bench measures each setting)."""

    def __init__(self, path, threads: int | None = None, compute_units: str = "all"):
        self.compute_units = compute_units
        super().__init__(path, threads)

    def _load(self) -> None:
        if not coreml_predict_available():
            raise ToolchainError(f"{self.path}: {PREDICT_NEEDS_MACOS} (this is {platform.system()}); run it on a Mac or in the iOS app")
        import coremltools as ct

        self._model = ct.models.MLModel(str(self.path), compute_units=ct.ComputeUnit[COMPUTE_UNITS[self.compute_units]])
        spec = self._model.get_spec()
        model_input = spec.description.input[0]
        self._input_name = model_input.name
        self._image_input = model_input.type.WhichOneof("Type") == "imageType"
        self.input_shape = None if self._image_input else tuple(model_input.type.multiArrayType.shape)
        self._output_name = spec.description.predictedProbabilitiesName or spec.description.output[0].name
        # The classifier's probabilities come back as {label: p}; the metadata gives the order.
        self._labels = json.loads(spec.description.metadata.userDefined.get(LABELS_METADATA_KEY, "[]"))

    def run(self, inputs: np.ndarray) -> np.ndarray:
        if not self._image_input:
            return super().run(inputs)
        from PIL import Image

        return np.concatenate([self._predict(Image.fromarray(np.asarray(rgb, np.uint8))) for rgb in inputs])

    def _run(self, batch: np.ndarray) -> np.ndarray:
        return self._predict(batch)

    def _predict(self, value) -> np.ndarray:
        output = self._model.predict({self._input_name: value})[self._output_name]
        if isinstance(output, dict):
            return np.asarray([[output[label] for label in self._labels]], dtype=np.float32)
        return np.asarray(output, dtype=np.float32)
