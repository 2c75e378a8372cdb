"""Core ML .mlpackage (ML Program) with coremltools from the torch.export program.

fp16 compute by default; int8 weights by linear_quantize_weights; optional k-means
palettization; optionally an image input with the preprocessing baked in (an iOS app hands
over a CVPixelBuffer). The fused model is a classifier with its labels embedded; backbone
and head carry the labels in their metadata.

Core ML predicts only on macOS. Elsewhere each package is validated instead of run: spec
inputs/outputs, and every conv/linear weight read back from the saved package must equal the
checkpoint's (BatchNorm folded where Core ML folded it) within the precision's tolerance.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
import torch
from torch import nn

from signport.core.errors import ToolchainError
from signport.export.config import ExportConfig
from signport.export.formats import register_format
from signport.export.formats.base import (
    ArtifactRequest, ExportContext, ExportedArtifact, ExportFormat, ExportJob, exports_role, first_line, tensor_spec,
)
from signport.export.modules import ChannelScale, ExportPart, WithSoftmax
from signport.runtime.coreml_runner import LABELS_METADATA_KEY, PREDICT_NEEDS_MACOS, coreml_predict_available

CLASS_LABEL = "classLabel"
PROBABILITIES = CLASS_LABEL + "_probs"  # coremltools always names a classifier's probability dict this way
CONVERSION_DATE_KEY = "com.github.apple.coremltools.conversion_date"


def linear_int8_config():
    """Symmetric int8 per-channel weights (activations stay fp16)."""
    from coremltools.optimize.coreml import OpLinearQuantizerConfig, OptimizationConfig

    return OptimizationConfig(global_config=OpLinearQuantizerConfig(mode="linear_symmetric", dtype="int8", granularity="per_channel"))


def palettize_config(bits: int):
    from coremltools.optimize.coreml import OpPalettizerConfig, OptimizationConfig

    return OptimizationConfig(global_config=OpPalettizerConfig(mode="kmeans", nbits=bits))


def fresh_mil_names() -> None:
    """coremltools numbers unnamed MIL ops with a process-wide counter (Builder.name_count), so a
    model's op names depended on what was converted before it in the same process. Restart the
    numbering before each conversion: the same model then always gets the same bytes."""
    from coremltools.converters.mil.mil import Builder

    Builder.name_count.clear()


def compress(mlmodel, precision: str):
    """Weight compression by precision name; fp16/fp32 are conversion settings, not compression."""
    from coremltools.optimize.coreml import linear_quantize_weights, palettize_weights

    if precision == "int8":
        return linear_quantize_weights(mlmodel, linear_int8_config())
    if precision.startswith("palettized"):
        return palettize_weights(mlmodel, palettize_config(int(precision.removeprefix("palettized"))))
    return mlmodel


@register_format("coreml")
class CoreMLFormat(ExportFormat):
    title = "Core ML"
    extension = ".mlpackage"

    def requests(self, config: ExportConfig, roles: list[str]) -> list[ArtifactRequest]:
        requests = []
        for quant in config.quant:
            precision = config.coreml_compute_precision if quant == "fp32" else quant
            for role in roles:
                if exports_role(role, quant, config):
                    # An unquantized head stays fp32 whatever the compute precision.
                    requests.append(self.request(role, "fp32" if role == "head" and quant == "fp32" else precision))
        requests += [self.request("backbone", f"palettized{bits}") for bits in config.coreml_palettize]
        return requests

    def export(self, job: ExportJob) -> ExportedArtifact:
        import coremltools as ct

        request, part, module, path, config, context = job.request, job.part, job.module, job.path, job.config, job.context
        prep = context.preprocessing
        image_input = config.coreml_image_input and part.role != "head" and prep["input_kind"] == "image"
        classifier = part.role == "model"
        wrapped = nn.Sequential(ChannelScale(prep["std"]), module) if image_input else module
        wrapped = WithSoftmax(wrapped) if classifier else wrapped
        example = part.example_input()
        if image_input:
            # ImageType computes scale * pixel + bias per channel: pixel/255 - mean; ChannelScale then divides by std.
            inputs = [ct.ImageType(name=part.input_name, shape=tuple(example.shape), scale=1 / 255.0,
                                   bias=[-m for m in prep["mean"]], color_layout=ct.colorlayout.RGB)]
        else:
            inputs = [ct.TensorType(name=part.input_name, shape=tuple(example.shape), dtype=np.float32)]
        full_precision = request.precision == "fp32"
        try:
            program = torch.export.export(wrapped.eval(), (example,), strict=False).run_decompositions({})
            fresh_mil_names()
            mlmodel = ct.convert(
                program, inputs=inputs,
                outputs=None if classifier else [ct.TensorType(name=part.output_name, dtype=np.float32)],
                classifier_config=ct.ClassifierConfig(context.labels, predicted_feature_name=CLASS_LABEL) if classifier else None,
                convert_to="mlprogram", minimum_deployment_target=getattr(ct.target, config.coreml_target),
                compute_precision=ct.precision.FLOAT32 if full_precision else ct.precision.FLOAT16,
                skip_model_load=True,
            )
            mlmodel = compress(mlmodel, request.precision)
        except Exception as e:  # coremltools raises ValueError/RuntimeError/NotImplementedError with the op in the text
            raise ToolchainError(f"Core ML conversion of the {part.role} failed: {first_line(e)}") from e
        _describe(mlmodel, part, context, request)
        mlmodel.save(str(path))
        make_spec_reproducible(path)

        output_shape = tuple(module(example).shape) if not classifier else (1, len(context.labels))
        expected_inputs = [tensor_spec(part.input_name, example.shape)]
        if classifier:
            expected_outputs = [tensor_spec(PROBABILITIES, output_shape), tensor_spec(CLASS_LABEL, [1], "string")]
        else:
            expected_outputs = [tensor_spec(part.output_name, output_shape)]
        validation = validate_package(path, module, expected_inputs, expected_outputs, request.precision, image_input=image_input,
                                      input_std=prep["std"] if image_input else None, example=example)
        notes = [f"ML Program, {config.coreml_target}, compute {'fp32' if full_precision else 'fp16'}"]
        notes += ["image input (RGB pixels 0-255, mean/std baked in)"] if image_input else []
        notes += [f"classifier: '{PROBABILITIES}' is softmax(logits) as {{label: p}}, '{CLASS_LABEL}' the top label"] if classifier else []
        parity_here = None
        if not coreml_predict_available():
            parity_here = {
                "measured": False, "reason": f"not measured: {PREDICT_NEEDS_MACOS}", "validation": validation,
                "passed": validation["passed"], "failures": validation["failures"],
            }
        return ExportedArtifact(
            request, path, inputs=expected_inputs, outputs=expected_outputs, notes=notes, parity_here=parity_here,
            outputs_probabilities=classifier,
        )


def _describe(mlmodel, part: ExportPart, context: ExportContext, request: ArtifactRequest) -> None:
    mlmodel.author = "signport"
    mlmodel.short_description = f"{context.bundle_name} {part.role} ({context.family}, {request.precision})"
    metadata = mlmodel.user_defined_metadata
    metadata[LABELS_METADATA_KEY] = json.dumps(context.labels)
    metadata["signport.role"] = part.role
    metadata["signport.backbone_fingerprint"] = context.backbone_fingerprint
    metadata["signport.preprocessing"] = json.dumps(context.preprocessing)
    # The day of conversion is not a property of the model; dropping it keeps re-exports identical.
    if CONVERSION_DATE_KEY in metadata:
        del metadata[CONVERSION_DATE_KEY]


def make_spec_reproducible(package: Path) -> None:
    """Make re-exports byte-identical. coremltools writes protobuf maps (the metadata) in hash
    order, and gives the package's Manifest.json random item UUIDs; the same model then has
    different bytes per process. Rewrite the spec with sorted map keys and derive each item's
    identifier from its path (still a UUID, which is all ModelPackage asks of it)."""
    from coremltools.proto import Model_pb2

    for spec_path in package.glob("Data/*/*.mlmodel"):
        spec = Model_pb2.Model()
        spec.ParseFromString(spec_path.read_bytes())
        spec_path.write_bytes(spec.SerializeToString(deterministic=True))
    manifest_path = package / "Manifest.json"
    manifest = json.loads(manifest_path.read_text())
    renamed = {old: str(uuid.uuid5(uuid.NAMESPACE_URL, "signport:" + entry["path"])) for old, entry in manifest["itemInfoEntries"].items()}
    manifest["itemInfoEntries"] = {renamed[old]: entry for old, entry in sorted(manifest["itemInfoEntries"].items(), key=lambda kv: kv[1]["path"])}
    manifest["rootModelIdentifier"] = renamed[manifest["rootModelIdentifier"]]
    manifest_path.write_text(json.dumps(manifest, indent=4, sort_keys=True) + "\n")


# Weight tolerance: for fp16 and int8, the worst element relative to the tensor's max |value|
# (fp16 rounding; int8 per-channel symmetric, half a step of max/127). A k-means LUT with
# 2**bits entries bounds no single element (an outlier gets a coarse centroid), so palettized
# weights are judged by RMS error relative to the tensor's RMS: uniform levels would give
# about 1/2**bits, k-means does better; allow twice that.
def weight_tolerance(precision: str) -> float:
    if precision == "fp32":
        return 1e-6
    if precision == "int8":
        return 1 / 127
    if precision.startswith("palettized"):
        return 2 / 2 ** int(precision.removeprefix("palettized"))
    return 2e-3


def validate_package(
    path: Path, module: nn.Module, inputs: list[dict], outputs: list[dict], precision: str, *,
    image_input: bool = False, input_std=None, example: torch.Tensor | None = None,
) -> dict:
    """Check a saved .mlpackage without running it: I/O names and shapes against what we
    promise in the manifest, and its conv/linear weights against `module`'s."""
    import coremltools as ct

    failures = []
    spec = ct.utils.load_spec(str(path))
    actual_inputs = {i.name: i for i in spec.description.input}
    for expected in inputs:
        feature = actual_inputs.get(expected["name"])
        if feature is None:
            failures.append(f"input {expected['name']!r} missing (has {sorted(actual_inputs)})")
        elif image_input:
            image = feature.type.imageType
            if feature.type.WhichOneof("Type") != "imageType" or [image.height, image.width] != expected["shape"][2:]:
                failures.append(f"input {expected['name']!r} is not a {expected['shape'][2:]} image")
        elif list(feature.type.multiArrayType.shape) != expected["shape"]:
            failures.append(f"input {expected['name']!r} has shape {list(feature.type.multiArrayType.shape)}, expected {expected['shape']}")
    actual_outputs = {o.name for o in spec.description.output}
    failures += [f"output {o['name']!r} missing (has {sorted(actual_outputs)})" for o in outputs if o["name"] not in actual_outputs]

    weights = weight_check(path, module, precision, input_std, example)
    failures += weights.pop("failures")
    return {"passed": not failures, "failures": failures, "weights": weights, "spec_version": int(spec.specificationVersion)}


def weight_check(path: Path, module: nn.Module, precision: str, input_std=None, example: torch.Tensor | None = None) -> dict:
    """Match every checkpoint conv/linear weight to a weight in the package.

    Core ML folds BatchNorm into the preceding conv (and an input scale into the first conv),
    so each checkpoint tensor may appear raw or folded; any candidate within tolerance counts.
    """
    # Identical tensors count once on both sides: a module may hold copies of one weight (the 3-D
    # rewrite gives each frame block its own, see rewrite_3d) and Core ML merges equal constants.
    stored = _unique(package_weights(path))
    tolerance = weight_tolerance(precision)
    failures, worst = [], 0.0
    unused = list(range(len(stored)))
    expected: dict[bytes, tuple[str, list[np.ndarray]]] = {}
    for name, candidates in expected_weights(module, input_std, layers_run_by(module, example) if example is not None else None):
        expected.setdefault(candidates[0].tobytes(), (name, candidates))
    expected = list(expected.values())
    for name, candidates in expected:
        best, best_index = np.inf, None
        for index in unused:
            value = stored[index]
            if value.shape != candidates[0].shape:
                continue
            error = min(_relative_error(value, candidate, rms=precision.startswith("palettized")) for candidate in candidates)
            if error < best:
                best, best_index = error, index
        if best_index is None or best > tolerance:
            failures.append(f"weight {name}: no package weight within {tolerance:.1e} (best {best:.2e})")
            continue
        unused.remove(best_index)
        worst = max(worst, best)
    if unused:
        failures.append(f"{len(unused)} package weights match no checkpoint tensor")
    return {"checked": len(expected), "matched": len(expected) - len([f for f in failures if f.startswith("weight ")]),
            "max_relative_error": worst, "tolerance": tolerance, "failures": failures}


def _unique(arrays: list[np.ndarray]) -> list[np.ndarray]:
    return list({(a.shape, a.tobytes()): a for a in arrays}.values())


def package_weights(path: Path) -> list[np.ndarray]:
    """Conv and linear weights of a saved package, dequantized/de-palettized, in program order."""
    import coremltools as ct
    from coremltools.converters.mil.frontend.milproto import load as milproto

    model = ct.models.MLModel(str(path), skip_model_load=True)
    spec = model.get_spec()
    program = milproto.load(spec, spec.specificationVersion, model.weights_dir)
    values = []
    for op in program.functions["main"].operations:
        if op.op_type in ("conv", "linear"):
            weight = op.inputs["weight"]
            value = weight.val if weight.val is not None else weight.op.materialized_val_inference()
            values.append(np.asarray(value, np.float64))
    return values


@torch.no_grad()
def layers_run_by(module: nn.Module, example: torch.Tensor) -> set[str]:
    """Names of the leaf modules a forward pass on `example` calls. A module may hold layers an
    input shape never reaches (the 3-D rewrite's taps that would only read temporal padding);
    they are not in the exported graph, so the package cannot hold their weights."""
    called: set[str] = set()
    handles = [
        m.register_forward_hook(lambda _m, _i, _o, name=name: called.add(name))
        for name, m in module.named_modules() if not list(m.children())
    ]
    try:
        module(example)
    finally:
        for handle in handles:
            handle.remove()
    return called


def expected_weights(module: nn.Module, input_std=None, run: set[str] | None = None) -> list[tuple[str, list[np.ndarray]]]:
    """(name, candidates) per conv/linear weight (of the layers in `run`, when given): raw,
    BatchNorm-folded, and input-scaled for 3-channel convs when the image input divides by std."""
    leaves = [(name, m) for name, m in module.named_modules() if not list(m.children())]
    expected = []
    for index, (name, layer) in enumerate(leaves):
        if not isinstance(layer, (nn.Conv2d, nn.Conv3d, nn.Linear)) or (run is not None and name not in run):
            continue
        weight = layer.weight.detach().double().numpy()
        candidates = [weight]
        following = leaves[index + 1][1] if index + 1 < len(leaves) else None
        if isinstance(following, nn.modules.batchnorm._BatchNorm) and following.num_features == weight.shape[0]:
            scale = (following.weight.detach().double() / torch.sqrt(following.running_var.double() + following.eps)).numpy()
            candidates.append(weight * scale.reshape(-1, *[1] * (weight.ndim - 1)))
        if input_std is not None and weight.ndim >= 4 and weight.shape[1] == len(input_std):
            inv_std = (1.0 / np.asarray(input_std, np.float64)).reshape(1, -1, *[1] * (weight.ndim - 2))
            candidates += [c * inv_std for c in list(candidates)]
        expected.append((name + ".weight", candidates))
    return expected


def _relative_error(value: np.ndarray, reference: np.ndarray, rms: bool = False) -> float:
    if rms:
        return float(np.sqrt(np.mean((value - reference) ** 2)) / max(np.sqrt(np.mean(reference ** 2)), 1e-12))
    return float(np.abs(value - reference).max() / max(np.abs(reference).max(), 1e-12))
