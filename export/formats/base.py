"""The contract every export format implements, and the rows it produces."""

from __future__ import annotations

import contextlib
import io
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from signport.core.errors import SignportError, ToolchainError
from signport.export.config import ExportConfig
from signport.export.modules import ExportPart
from signport.export.parity import verdict_kind


@dataclass(frozen=True)
class ArtifactRequest:
    """One artifact to produce: which format, role, precision and delegate."""

    format: str
    role: str  # "backbone" | "head" | "model"
    precision: str  # "fp32", "fp16", "int8", "palettized4", ...
    extension: str
    delegate: str | None = None
    default_delegate: str | None = None

    @property
    def variant(self) -> str:
        suffix = f"-{self.delegate}" if self.delegate and self.delegate != self.default_delegate else ""
        return f"{self.role}-{self.precision}{suffix}"

    @property
    def id(self) -> str:
        return f"{self.format}-{self.variant}"

    @property
    def relative_path(self) -> str:
        return f"{self.format}/{self.variant}{self.extension}"

    @property
    def verdict_kind(self) -> str:
        """Which thresholds apply (signport.export.parity.verdict_kind, the rule the bench uses too)."""
        return verdict_kind(self.precision)


@dataclass
class ExportedArtifact:
    """What a format hands back after writing its file; the pipeline adds sha256, size and parity."""

    request: ArtifactRequest
    path: Path
    inputs: list[dict]
    outputs: list[dict]
    notes: list[str] = field(default_factory=list)
    # None: the pipeline measures parity with signport.runtime; otherwise the parity block to
    # record as is (e.g. Core ML on Linux: not measured, plus the weight validation).
    parity_here: dict | None = None
    export_seconds: float = 0.0
    outputs_probabilities: bool = False  # a classifier that ends in softmax (Core ML's fused model)
    extra: dict = field(default_factory=dict)  # format-specific manifest fields (e.g. the ETRecord beside a .pte)
    quantization: dict | None = None  # the int8 settings, recorded in the manifest row


class ArtifactSkipped(SignportError):
    """The format cannot produce this artifact here; recorded as a manifest row, not a crash.

    status "unsupported": the model uses something the toolchain cannot run (a fact about
    the model); "skipped": this machine or toolchain version cannot build it.
    """

    def __init__(self, reason: str, status: str = "skipped"):
        super().__init__(reason)
        self.status = status


@dataclass
class ExportJob:
    """One artifact to write: the request, the part and its module (already transformed for the
    format), calibration inputs (None unless the request is quantized), the path, the options and
    the model facts some formats need."""

    request: ArtifactRequest
    part: ExportPart
    module: object  # torch.nn.Module; torch is imported by the formats, not by this table
    calibration: np.ndarray | None
    path: Path
    config: ExportConfig
    context: "ExportContext"


def exports_role(role: str, quant: str, config: ExportConfig) -> bool:
    """The head-quantisation rule every format follows: the head is written at fp32 and at a
    quantized precision only with --quantize-head (it is tiny, and quantizing it costs agreement)."""
    return role != "head" or quant == "fp32" or config.quantize_head


class ExportFormat:
    """A format: which artifacts it makes for a config, and how to make one.

    `export(job)` writes `job.path`; it raises ArtifactSkipped for what it cannot build and
    ToolchainError when its toolchain fails. Callers go through `run(job)`, which adds what every
    format shares: the calibration check, quiet toolchain logs, timing and error mapping.
    """

    name: str = ""
    title: str = ""  # the toolchain's name in messages
    extension: str = ""
    default_delegate: str | None = None
    calibrated_precisions: tuple[str, ...] = ()  # precisions whose quantizer observes calibration inputs

    def requests(self, config: ExportConfig, roles: list[str]) -> list[ArtifactRequest]:
        raise NotImplementedError

    def request(self, role: str, precision: str, delegate: str | None = None) -> ArtifactRequest:
        return ArtifactRequest(self.name, role, precision, self.extension, delegate or self.default_delegate, self.default_delegate)

    def export(self, job: ExportJob) -> ExportedArtifact:
        raise NotImplementedError

    def run(self, job: ExportJob) -> ExportedArtifact:
        if job.request.precision in self.calibrated_precisions and (job.calibration is None or len(job.calibration) == 0):
            raise ToolchainError(f"{job.request.precision} needs calibration inputs; pass --calibration")
        started = time.perf_counter()
        try:
            with quiet_toolchain_logs():
                artifact = self.export(job)
        except SignportError:
            raise
        except Exception as e:  # toolchains raise many types; the first line names the cause
            raise ToolchainError(f"{self.title or self.name} export of the {job.part.role} failed: {first_line(e)}") from e
        artifact.export_seconds = time.perf_counter() - started
        return artifact


@dataclass
class ExportContext:
    """Facts about the model that some formats need (labels for classifiers, preprocessing for image inputs)."""

    family: str
    labels: list[str]
    preprocessing: dict
    backbone_fingerprint: str
    bundle_name: str


def tensor_spec(name: str, shape, dtype: str = "float32") -> dict:
    return {"name": name, "shape": [d if isinstance(d, (int, str)) else int(d) for d in shape], "dtype": dtype}


def first_line(error: BaseException) -> str:
    """A toolchain exception's first line: the part that names the cause, without its traceback dump."""
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


# Toolchains that log every op and pass at INFO; an export shows our own lines instead.
CHATTY_LOGGERS = ("coremltools", "executorch", "onnxscript", "onnx_ir", "torch.onnx", "torchao")


@contextlib.contextmanager
def quiet_toolchain_logs():
    """Toolchain INFO logs off, and their progress bars (coremltools draws one per pass with
    tqdm on sys.stderr) into a buffer; warnings and errors still reach the user."""
    loggers = [logging.getLogger(name) for name in CHATTY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))  # quieter only, never louder
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
