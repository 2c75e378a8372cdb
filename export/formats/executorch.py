"""ExecuTorch .pte: torch.export -> (PT2E int8) -> to_edge_transform_and_lower(partitioners) -> to_executorch.

Backends and quantizers are objects chosen by name from the two tables below; the pipeline
itself has no per-backend branches. XNNPACK is the default (Android and iOS CPU); a Core
ML-delegated .pte is written for iOS when the ExecuTorch Core ML backend can compile here.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from signport.core.errors import ToolchainError
from signport.export.config import ExportConfig
from signport.export.formats import register_format
from signport.export.formats.base import (
    ArtifactRequest, ArtifactSkipped, ExportedArtifact, ExportFormat, ExportJob, exports_role, first_line, tensor_spec,
)

DEFAULT_DELEGATE = "xnnpack"
CALIBRATION_BATCH = 32

# Modules a delegate of ExecuTorch 1.5.1 cannot run, checked after the pre-export transforms
# (a registered rewrite that removes them makes the family exportable).
UNSUPPORTED_MODULES: dict[str, dict[type[nn.Module], str]] = {
    "xnnpack": {
        nn.Conv3d: "Conv3d unsupported by XNNPACK in executorch 1.5.1 (XNNPACK refuses 3-D kernels and the portable "
        "kernel fails on 5-D input); use the ONNX or Core ML artifact, or register a Conv3d -> Conv2d rewrite",
    },
}


def xnnpack_partitioners(config: ExportConfig | None = None) -> list:
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner

    return [XnnpackPartitioner()]


def coreml_partitioners(config: ExportConfig) -> list:
    import coremltools as ct
    from executorch.backends.apple.coreml.compiler import CoreMLBackend
    from executorch.backends.apple.coreml.partition import CoreMLPartitioner

    compile_specs = CoreMLBackend.generate_compile_specs(
        minimum_deployment_target=getattr(ct.target, config.coreml_target),
        compute_precision=ct.precision.FLOAT16 if config.coreml_compute_precision == "fp16" else ct.precision.FLOAT32,
    )
    return [CoreMLPartitioner(compile_specs=compile_specs, lower_full_graph=True)]


def xnnpack_int8_quantizer(module: nn.Module, float_tap_sums: bool = True, float_layers: tuple[str, ...] = ()):
    """PT2E static quantization as XNNPACK runs it: int8 symmetric, per-channel weights. Nodes
    inside a rewritten 3-D conv's temporal tap sum stay float (see export/transforms.py);
    `float_tap_sums=False` quantizes them too (only for comparing the two). The modules in
    `float_layers` (chosen by --quant auto) stay float as well."""
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import XNNPACKQuantizer, get_symmetric_quantization_config

    from signport.export.transforms import int8_node_filter

    quantizer = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True, is_dynamic=False))
    if not float_tap_sums and not float_layers:
        return quantizer
    filter_fn = int8_node_filter(module, set(float_layers)) if float_tap_sums else int8_node_filter(nn.Module(), set(float_layers))
    return quantizer.set_filter_function(filter_fn)


def describe_xnnpack_int8(module: nn.Module) -> dict:
    """The XNNPACK int8 settings as the manifest records them."""
    from signport.export.transforms import float_module_paths

    kept_float = sorted(float_module_paths(module))
    return {
        "tool": "torch.export PT2E + XNNPACKQuantizer (symmetric config)",
        "format": "QDQ lowered to XNNPACK qs8 kernels",
        "activations": "QInt8 per-tensor asymmetric",
        "weights": "QInt8 per-channel symmetric, 8-bit range",
        "calibration": "observers over the calibration inputs",
        "host_independent": True,
        "why": "XNNPACK's x86 qs8 kernels widen to 16 bits before multiplying (no saturation without VNNI); its ARM "
               "kernels use dotprod/i8mm, so the same program gives the same integers on every host",
        **({"kept_float": f"{len(kept_float)} temporal tap sums of the 3-D rewrite"} if kept_float else {}),
    }


BACKENDS = {"xnnpack": xnnpack_partitioners, "coreml": coreml_partitioners}
QUANTIZERS = {"int8": xnnpack_int8_quantizer}


def export_program(module: nn.Module, example: tuple, quantizer=None, calibration: np.ndarray | None = None):
    """torch.export of `module`, statically quantized first (quantize_pt2e) when a quantizer is given."""
    if quantizer is None:
        return torch.export.export(module, example, strict=False)
    return quantize_pt2e(module, example, quantizer, calibration)


def lower_to_xnnpack(module: nn.Module, example: tuple, quantizer=None, calibration: np.ndarray | None = None):
    """What export writes for the XNNPACK delegate, as an edge program manager (call
    `.to_executorch().buffer` for the .pte bytes)."""
    from executorch.exir import to_edge_transform_and_lower

    return to_edge_transform_and_lower(export_program(module, example, quantizer, calibration), partitioner=xnnpack_partitioners())


@register_format("executorch")
class ExecutorchFormat(ExportFormat):
    title = "ExecuTorch"
    extension = ".pte"
    default_delegate = DEFAULT_DELEGATE
    calibrated_precisions = tuple(QUANTIZERS)

    def requests(self, config: ExportConfig, roles: list[str]) -> list[ArtifactRequest]:
        requests = [self.request(role, precision) for precision in config.quant for role in roles
                    if exports_role(role, precision, config)]
        if config.executorch_coreml and "fp32" in config.quant:
            for role in roles:
                if role != "head":
                    requests.append(self.request(role, config.coreml_compute_precision, "coreml"))
        return requests

    def export(self, job: ExportJob) -> ExportedArtifact:
        request, part, module, path = job.request, job.part, job.module, job.path
        check_supported(module, request.delegate)
        from executorch.exir import to_edge_transform_and_lower

        example = (part.example_input(),)
        quantizer = QUANTIZERS[request.precision](module, float_layers=job.config.float_layers) if request.precision in QUANTIZERS else None
        program = export_program(module, example, quantizer, job.calibration)
        try:
            if request.delegate == "coreml":
                from signport.export.formats.coreml import fresh_mil_names

                fresh_mil_names()  # the Core ML delegate converts with coremltools too
            partitioners = BACKENDS[request.delegate](job.config)
            # The ETRecord maps the runtime's per-operator events (ETDump) back to this graph, for
            # `signport bench --profile-ops`; only the runtime this host can run gets one.
            with_etrecord = job.config.etrecord and request.delegate == DEFAULT_DELEGATE
            edge = to_edge_transform_and_lower(program, partitioner=partitioners, generate_etrecord=with_etrecord)
            remaining = undelegated_ops(edge.exported_program())  # before to_executorch adds memory-planning ops
            executorch_program = edge.to_executorch()
        except ArtifactSkipped:
            raise
        except Exception as e:  # the lowering stack raises many types; the message is what matters
            if request.delegate == "coreml":
                raise ArtifactSkipped(f"the ExecuTorch Core ML backend could not compile on this machine: {first_line(e)}") from e
            raise ToolchainError(f"ExecuTorch lowering of the {part.role} failed: {first_line(e)}") from e
        if request.delegate == "coreml" and remaining:
            raise ArtifactSkipped(f"the Core ML partitioner left {', '.join(remaining)} outside the delegate")
        path.write_bytes(executorch_program.buffer)
        extra = {"undelegated_ops": remaining}
        if with_etrecord:
            from signport.export.profiling import save_etrecord

            extra["etrecord"] = save_etrecord(executorch_program, path, request.relative_path)
        notes = [f"delegate {request.delegate}: whole graph delegated" if not remaining else
                 f"delegate {request.delegate}; on portable kernels: {', '.join(remaining)}"]
        parity_here = None
        if request.delegate == "coreml":
            from signport.runtime.executorch_runner import executorch_backends

            if "CoreMLBackend" not in executorch_backends():
                parity_here = {
                    "measured": False,
                    "reason": "not measured: the Core ML delegate runs only in an ExecuTorch runtime built with CoreMLBackend "
                    f"(iOS/macOS); this runtime has {', '.join(executorch_backends())}",
                    "validation": {"whole_graph_delegated": True, "passed": True, "failures": []},
                    "passed": True, "failures": [],
                }
        return ExportedArtifact(
            request, path,
            inputs=[tensor_spec(part.input_name, part.example_input().shape)],
            outputs=[tensor_spec(part.output_name, _output_shape(module, example))],
            notes=notes, parity_here=parity_here, extra=extra,
            quantization=describe_xnnpack_int8(module) if request.precision in QUANTIZERS else None,
        )


def check_supported(module: nn.Module, delegate: str) -> None:
    unsupported = UNSUPPORTED_MODULES.get(delegate, {})
    for child in module.modules():
        reason = unsupported.get(type(child))
        if reason:
            raise ArtifactSkipped(reason, status="unsupported")


def quantize_pt2e(module: nn.Module, example: tuple, quantizer, calibration: np.ndarray):
    """Static PT2E quantization: annotate with `quantizer`, observe `calibration`, convert, re-export.

    The graph is captured with a dynamic batch so calibration runs in batches (the histogram
    observers cost per call), then re-exported at the artifact's batch of 1.
    """
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    batched = (torch.from_numpy(np.ascontiguousarray(calibration[:2])),) if len(calibration) > 1 else example
    dynamic = ({0: torch.export.Dim("batch", min=1, max=max(2, CALIBRATION_BATCH))},) if len(calibration) > 1 else None
    captured = torch.export.export(module, batched, dynamic_shapes=dynamic, strict=False).module()
    prepared = prepare_pt2e(captured, quantizer)
    with torch.no_grad():
        for start in range(0, len(calibration), CALIBRATION_BATCH):
            prepared(torch.from_numpy(np.ascontiguousarray(calibration[start : start + CALIBRATION_BATCH])))
    converted = convert_pt2e(prepared)
    return torch.export.export(converted, example, strict=False)


def undelegated_ops(exported_program) -> list[str]:
    """Compute ops left outside any delegate (they run on ExecuTorch's portable kernels)."""
    skip = {"executorch_call_delegate", "getitem"}
    names = []
    for node in exported_program.graph.nodes:
        if node.op != "call_function":
            continue
        name = ".".join(getattr(node.target, "__name__", str(node.target)).split(".")[:2])  # "aten.convolution"
        if name not in skip and name not in names:
            names.append(name)
    return names


def _output_shape(module: nn.Module, example: tuple) -> tuple[int, ...]:
    with torch.no_grad():
        return tuple(module(*example).shape)

