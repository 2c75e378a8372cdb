"""The format table: name -> ExportFormat. Adding a format is one file here plus one import line.

Each format module imports its toolchain (executorch, coremltools, onnx) inside functions, so
this table loads instantly.
"""

from __future__ import annotations

from signport.core.registry import Registry
from signport.export.formats.base import (
    ArtifactRequest, ArtifactSkipped, ExportContext, ExportedArtifact, ExportFormat, ExportJob, quiet_toolchain_logs,
)

FORMATS: Registry[ExportFormat] = Registry("export format")


def register_format(name: str):
    """Class decorator: names the format and registers one instance of it."""

    def decorator(cls: type[ExportFormat]) -> type[ExportFormat]:
        cls.name = name
        FORMATS[name] = cls()
        return cls

    return decorator


def get_format(name: str) -> ExportFormat:
    return FORMATS.get_or_fail(name)


# Registration side effects: one import per format, in the order artifacts are exported.
from signport.export.formats import executorch, onnx, coreml  # noqa: E402,F401

__all__ = ["FORMATS", "register_format", "get_format", "ArtifactRequest", "ArtifactSkipped", "ExportContext", "ExportedArtifact", "ExportFormat",
           "ExportJob",
           "quiet_toolchain_logs"]
