"""Which artifacts run on this host: a format whose runtime exists only on one OS, or an
ExecuTorch delegate this runtime was not built with, cannot run here (the phone app runs it)."""

from __future__ import annotations

import platform
from functools import lru_cache

# Formats whose runtime exists only on one operating system: format -> (platform.system(), reason).
PLATFORM_ONLY = {"coreml": ("Darwin", "not available here: needs macOS")}
# ExecuTorch delegates -> the backend the runtime must be built with.
EXECUTORCH_DELEGATE_BACKENDS = {"xnnpack": "XnnpackBackend", "coreml": "CoreMLBackend", "mps": "MPSBackend",
                                "vulkan": "VulkanBackend", "qnn": "QnnBackend"}


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
