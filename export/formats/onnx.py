"""ONNX: torch.onnx.export(dynamo=True) at opset >= 18; int8 by ONNX Runtime static QDQ
quantization (per-channel weights) on the same calibration inputs as the other formats."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from signport.core.errors import ToolchainError
from signport.export.config import ExportConfig
from signport.export.formats import register_format
from signport.export.formats.base import (
    ArtifactRequest, ExportedArtifact, ExportFormat, ExportJob, exports_role, first_line, tensor_spec,
)
from signport.export.modules import ExportPart
from signport.export.transforms import float_module_paths, in_modules

CALIBRATION_BATCH = 1  # the fp32 graph may have a fixed batch of 1


def ort_int8_options() -> dict:
    """ONNX Runtime static QDQ: uint8 activations, int8 per-channel weights in a 7-bit range.

    Why the 7-bit range (`reduce_range`): on x86 without VNNI (AVX2, plain AVX-512) ONNX Runtime's
    u8s8 kernels multiply with VPMADDUBSW, whose int16 pair sums saturate for 8-bit weights, so the
    same artifact loses top-1 agreement on one CPU and not on another. 7-bit weights cannot
    saturate there, keep the fast u8s8 kernels on every host (u8u8 is as accurate but slower on
    AVX2), and cost VNNI and ARM hosts one bit of weight precision. Measurements: docs/quantization.md.
    """
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType

    return dict(
        quant_format=QuantFormat.QDQ, per_channel=True, reduce_range=True, activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
    )


def describe_ort_options(options: dict) -> dict:
    """The quantization settings as the manifest records them (plain strings, for people and apps)."""
    weight_bits = 7 if options["reduce_range"] else 8
    return {
        "tool": "onnxruntime.quantization.quantize_static",
        "format": options["quant_format"].name,
        "activations": f"{options['activation_type'].name} per-tensor asymmetric",
        "weights": f"{options['weight_type'].name} {'per-channel' if options['per_channel'] else 'per-tensor'} symmetric, "
                   f"{weight_bits}-bit range" + (" (reduce_range)" if options["reduce_range"] else ""),
        "calibration": options["calibrate_method"].name,
        "host_independent": bool(options["reduce_range"]),
        "why": "7-bit weights cannot saturate ONNX Runtime's u8s8 VPMADDUBSW kernels on x86 without VNNI, so parity "
               "holds on AVX2, AVX-512, VNNI and ARM hosts alike" if options["reduce_range"] else
               "8-bit weights: u8s8 kernels may saturate on x86 without VNNI; parity holds only where measured",
    }


QUANTIZERS = {"int8": ort_int8_options}


@register_format("onnx")
class OnnxFormat(ExportFormat):
    title = "ONNX"
    extension = ".onnx"
    calibrated_precisions = tuple(QUANTIZERS)

    def requests(self, config: ExportConfig, roles: list[str]) -> list[ArtifactRequest]:
        return [self.request(role, precision) for precision in config.quant for role in roles
                if exports_role(role, precision, config)]

    def export(self, job: ExportJob) -> ExportedArtifact:
        request, part, module, path, config = job.request, job.part, job.module, job.path, job.config
        batch_dim = "batch" if config.dynamic_batch else 1
        if request.precision in QUANTIZERS:
            with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
                fp32_path = Path(scratch) / "fp32.onnx"
                prepared_path = Path(scratch) / "prepared.onnx"
                export_fp32(module, part, fp32_path, config.opset, config.dynamic_batch)
                options = QUANTIZERS[request.precision]()
                quantize_onnx(fp32_path, prepared_path, path, part.input_name, job.calibration, options,
                              float_module_paths(module) | set(config.float_layers))
            quantization = describe_ort_options(options)
        else:
            quantization = None
            export_fp32(module, part, path, config.opset, config.dynamic_batch)
        check_onnx(path)
        with torch.no_grad():
            output_shape = tuple(module(part.example_input()).shape)
        return ExportedArtifact(
            request, path,
            inputs=[tensor_spec(part.input_name, (batch_dim, *part.sample_shape))],
            outputs=[tensor_spec(part.output_name, (batch_dim, *output_shape[1:]))],
            notes=[f"opset {config.opset}" + (", dynamic batch" if config.dynamic_batch else ", batch 1")],
            quantization=quantization,
        )


def export_fp32(module: nn.Module, part: ExportPart, path: Path, opset: int, dynamic_batch: bool = False) -> None:
    """The fp32 ONNX graph export writes (also the input of int8 quantization)."""
    dynamic_shapes = ({0: torch.export.Dim("batch", min=1, max=4096)},) if dynamic_batch else None
    example = part.example_input().repeat(2, *[1] * len(part.sample_shape)) if dynamic_batch else part.example_input()
    try:
        # The exporter prints its progress; keep the CLI's output to our own lines.
        with contextlib.redirect_stdout(io.StringIO()):
            program = torch.onnx.export(
                module, (example,), dynamo=True, opset_version=opset, input_names=[part.input_name],
                output_names=[part.output_name], dynamic_shapes=dynamic_shapes, verbose=False, optimize=True,
            )
    except Exception as e:  # torch.onnx raises its own error types with the unsupported op in the text
        raise ToolchainError(f"ONNX export of the {part.role} failed: {first_line(e)}") from e
    program.save(str(path))


def nodes_in_modules(model_path: Path, module_paths: set[str]) -> list[str]:
    """Names of the ONNX nodes torch.onnx exported from inside any of `module_paths` (it records
    each node's module path in the 'pkg.torch.onnx.name_scopes' metadata)."""
    import ast

    import onnx

    if not module_paths:
        return []
    names = []
    for node in onnx.load(str(model_path), load_external_data=False).graph.node:
        scopes = next((ast.literal_eval(p.value) for p in node.metadata_props if p.key == "pkg.torch.onnx.name_scopes"), [])
        if any(in_modules(scope, module_paths) for scope in scopes):
            names.append(node.name)
    return names


def quantize_onnx(
    fp32_path: Path, prepared_path: Path, out_path: Path, input_name: str, calibration: np.ndarray, options: dict,
    float_modules: set[str] = frozenset(),
) -> None:
    """Static QDQ quantization; nodes exported from `float_modules` stay float (the 3-D rewrite's
    temporal tap sums, as for ExecuTorch)."""
    from onnxruntime.quantization import CalibrationDataReader, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self._batches = iter(
                {input_name: np.ascontiguousarray(calibration[i : i + CALIBRATION_BATCH], np.float32)}
                for i in range(0, len(calibration), CALIBRATION_BATCH)
            )

        def get_next(self):
            return next(self._batches, None)

    try:
        # Shape inference + graph optimization (folds BatchNorm into Conv) before placing Q/DQ pairs.
        quant_pre_process(str(fp32_path), str(prepared_path), skip_symbolic_shape=True)
        excluded = nodes_in_modules(prepared_path, set(float_modules))
        if float_modules and not excluded:
            raise ToolchainError("the ONNX graph lost the module names needed to keep the temporal tap sums float")
        quantize_static(str(prepared_path), str(out_path), Reader(), nodes_to_exclude=excluded, **options)
    except Exception as e:
        raise ToolchainError(f"ONNX Runtime static quantization failed: {first_line(e)}") from e


def check_onnx(path: Path) -> None:
    import onnx

    try:
        onnx.checker.check_model(str(path), full_check=True)
    except onnx.checker.ValidationError as e:
        raise ToolchainError(f"{path.name} fails onnx.checker: {first_line(e)}") from e

