"""ONNX through ONNX Runtime's CPU execution provider."""

from __future__ import annotations

import numpy as np

from signport.core.errors import ToolchainError
from signport.runtime.base import Runner, register_runner


@register_runner("onnx")
class OnnxRunner(Runner):
    def __init__(self, path, threads: int | None = None, spinning: bool | None = None):
        # spinning: ONNX Runtime's intra-op spin-wait (None: its default, on); off can win on a
        # shared host where spinning threads steal the cores they wait for.
        self.spinning = spinning
        super().__init__(path, threads)

    def _load(self) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        if self.threads:
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1  # one graph, one request at a time: no inter-op parallelism to win
        options.log_severity_level = 3
        if self.spinning is not None:
            options.add_session_config_entry("session.intra_op.allow_spinning", "1" if self.spinning else "0")
        try:
            self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own Fail/InvalidGraph types
            raise ToolchainError(f"{self.path}: ONNX Runtime could not load the model ({e}); re-export the bundle") from e
        model_input = self._session.get_inputs()[0]
        self._input_name = model_input.name
        self.input_shape = tuple(d if isinstance(d, int) else None for d in model_input.shape)

    def _run(self, batch: np.ndarray) -> np.ndarray:
        return self._session.run(None, {self._input_name: batch})[0]
