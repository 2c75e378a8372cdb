"""ExecuTorch .pte through `executorch.runtime.Runtime`: the same C++ runtime and XNNPACK
kernels that the Android and iOS apps link, here through its Python bindings."""

from __future__ import annotations

import numpy as np

from signport.core.errors import ToolchainError
from signport.core.native_stderr import quiet_native_stderr
from signport.runtime.base import Runner, register_runner


def set_executorch_threads(threads: int | None) -> None:
    """Create (threads=None: at its default size) or resize ExecuTorch's process-wide threadpool,
    the one XNNPACK runs on.

    The pybindings expose only this global switch (`_unsafe_reset_threadpool`); it is
    "unsafe" while another method executes, so set it at load time, not mid-inference. The pool's
    first use logs its CPU probing to stderr, which is held back here.
    """
    from executorch.extension.pybindings import portable_lib

    with quiet_native_stderr():
        if portable_lib._threadpool_get_thread_count() != threads and threads:
            portable_lib._unsafe_reset_threadpool(threads)


def executorch_backends() -> list[str]:
    from executorch.runtime import Runtime

    return list(Runtime.get().backend_registry.registered_backend_names)


# Delegate ids as ExecuTorch writes them into a program; a runtime runs only those it registered.
KNOWN_BACKENDS = ("CoreMLBackend", "MPSBackend", "QnnBackend", "VulkanBackend", "XnnpackBackend", "ArmBackend")


def load_failure_reason(path) -> str:
    """Why a .pte would not load, from its bytes: not a program at all (damaged, truncated, another
    file), a delegate this runtime lacks (a Core ML .pte is for the iOS app), or neither."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8 or data[4:6] != b"ET":
        return "it is not an ExecuTorch program (no ET header): the file is damaged or truncated; re-export the bundle"
    registered = executorch_backends()
    missing = [name for name in KNOWN_BACKENDS if name.encode() in data and name not in registered]
    if missing:
        return (f"it is delegated to {', '.join(missing)}, which this runtime lacks (it has {', '.join(registered)}): "
                "such a .pte runs only on a runtime built with it (a Core ML .pte: the iOS app)")
    return "its backends are all available here, so the program is damaged or from another ExecuTorch version; re-export the bundle"


@register_runner("executorch")
class ExecutorchRunner(Runner):
    def _load(self) -> None:
        import torch
        from executorch.runtime import Runtime

        self._torch = torch
        set_executorch_threads(self.threads)
        try:
            program = Runtime.get().load_program(self.path)
            self._method = program.load_method("forward")
        except (RuntimeError, ValueError) as e:
            raise ToolchainError(f"{self.path}: ExecuTorch could not load this program ({e}); {load_failure_reason(self.path)}") from e
        meta = self._method.metadata
        self.input_shape = tuple(meta.input_tensor_meta(0).sizes())

    def _run(self, batch: np.ndarray) -> np.ndarray:
        return self.execute([self._torch.from_numpy(batch)])[0].numpy()

    def execute(self, tensors: list) -> list:
        """All outputs of the program for a list of input tensors (multi-input programs, such as
        the causal streaming step with its states)."""
        try:
            return self._method.execute(tensors)
        except RuntimeError as e:
            raise ToolchainError(f"{self.path}: ExecuTorch failed to execute the program ({e}); an operator is missing from this runtime or unsupported by its kernels") from e
