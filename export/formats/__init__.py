"""The format table: name -> ExportFormat. Adding a format is one file here plus one import line.

Each format module imports its toolchain (executorch, coremltools, onnx) inside functions, so
this table loads instantly.
"""

from __future__ import annotations

from signport.core.errors import InputError
from signport.export.formats.base import (
    ArtifactRequest, ArtifactSkipped, ExportContext, ExportedArtifact, ExportFormat, quiet_toolchain_logs,
)

FORMATS: dict[str, ExportFormat] = {}


def register_format(name: str):
    def decorator(cls: type[ExportFormat]) -> type[ExportFormat]:
        cls.name = name
        FORMATS[name] = cls()
        return cls

    return decorator


def get_format(name: str) -> ExportFormat:
    if name not in FORMATS:
        raise InputError(f"unknown export format {name!r}; choose one of: {', '.join(sorted(FORMATS))}")
    return FORMATS[name]


# Registration side effects: one import per format, in the order artifacts are exported.
from signport.export.formats import executorch, onnx, coreml  # noqa: E402,F401

__all__ = ["FORMATS", "register_format", "get_format", "ArtifactRequest", "ArtifactSkipped", "ExportContext", "ExportedArtifact", "ExportFormat",
           "quiet_toolchain_logs"]
