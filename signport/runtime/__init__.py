"""signport.runtime: load and run an exported artifact of any format, or a whole bundle.

One small API shared by the export-time parity check, the benchmark and the live pipeline:

    runner = load_runner("bundle/onnx/backbone-fp32.onnx", "onnx", threads=2)
    embedding = runner.run(batch)          # np.ndarray in, np.ndarray out
    model = BundleModel("bundle", format="executorch", precision="int8")
    logits = model.logits(batch)           # backbone artifact + head.bin

Runners are a registry keyed by format name ("executorch", "onnx", "coreml", "pytorch");
heavy toolchains are imported only when a runner of that format is loaded.
"""

from signport.runtime.base import RUNNERS, Runner, load_runner, register_runner
from signport.runtime.bundle import BundleModel, select_artifact

__all__ = ["RUNNERS", "Runner", "load_runner", "register_runner", "BundleModel", "select_artifact"]

# Registration side effects: one import per runner (each imports its toolchain lazily).
from signport.runtime import coreml_runner, eager_runner, executorch_runner, onnx_runner  # noqa: E402,F401
