"""ExportConfig: every export option, built once from the CLI and passed down unchanged."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from signport.core.config import BOUNDS, field_
from signport.core.errors import InputError

ALL_FORMATS = ("executorch", "coreml", "onnx")
QUANT_CHOICES = ("fp32", "int8", "auto")


def _split_commas(values) -> tuple[str, ...]:
    """Accept `--formats onnx,coreml` as well as `--formats onnx coreml`."""
    if isinstance(values, str):
        values = [values]
    return tuple(part.strip() for value in values for part in str(value).split(",") if part.strip())


@dataclass(frozen=True)
class ParityThresholds:
    """The parity verdict, at export and in the bench. Logit deltas are relative to the eager
    logit range on the parity set. Each field is also a flag of both commands (threshold_flags)."""

    fp32_max_logit_delta: float = field_(1e-3, help="verdict: max |Δlogit| / logit range for float artifacts", ge=0)
    fp32_min_top1_agreement: float = field_(1.0, help="verdict: min top-1 agreement of float artifacts with eager", ge=0, le=1)
    int8_min_top1_agreement: float = field_(0.98, help="verdict: min top-1 agreement of int8 artifacts with eager fp32", ge=0, le=1)

    @classmethod
    def from_config(cls, config) -> "ParityThresholds":
        return cls(**{name: getattr(config, name) for name in cls.names()})

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))


def threshold_flags(*, optional: bool, frozen: bool, default_note: str = "") -> type:
    """A dataclass base with one field (so one CLI flag) per ParityThresholds field, the same names
    for `signport export` and `signport bench`. optional: the fields default to None (= not given)."""
    fields = []
    for f in dataclasses.fields(ParityThresholds):
        help_text = f.metadata["help"] + (f" ({default_note}, else {f.default:g})" if optional else "")
        bounds = {key: f.metadata[key] for key in BOUNDS if key in f.metadata}
        fields.append((f.name, float | None if optional else float, field_(None if optional else f.default, help=help_text, **bounds)))
    return dataclasses.make_dataclass("ParityThresholdFlags", fields, frozen=frozen)


@dataclass(frozen=True)
class ExportConfig(threshold_flags(optional=False, frozen=True)):
    checkpoint: Path = field_(None, help="checkpoint folder (weights.safetensors + checkpoint.json) from `signport train`", cli=False, path="in", flag="--from")
    out: Path = field_(None, help="bundle folder to write (replaced atomically when it already holds a bundle); not needed with --check", path="out")
    formats: tuple[str, ...] = field_(ALL_FORMATS, help="formats to export, comma-separated: executorch,coreml,onnx")
    quant: tuple[str, ...] = field_(("fp32",), help="backbone precisions, comma-separated: fp32,int8 (int8 needs --calibration); "
                                    "auto: search which layers to keep float until top-1 is within --max-accuracy-drop, and keep int8 only where it is faster")
    max_accuracy_drop: float = field_(1.0, help="--quant auto: largest top-1 loss vs fp32 accepted, in percentage points")
    budget_ms: float | None = field_(None, help="--quant auto: per-inference latency budget (ms); configurations over it are marked and not chosen when one fits")
    profile: str = field_("local", help="--quant auto: device profile (threads) the latencies are measured under, see `signport bench --profile`")
    data: Path | None = field_(None, help="--quant auto: labelled real held-out data for top-1 (any dataset signport.data.loaders reads, e.g. image class folders)")
    search_samples: int = field_(300, help="--quant auto: held-out samples top-1 is measured on")
    float_layers: tuple[str, ...] = field_((), help="module paths kept float in int8 artifacts (--quant auto fills this), e.g. features.0.0")
    check: bool = field_(False, help="only check operator coverage per target runtime (what would not be delegated or supported, with the fix); writes nothing")
    fused: bool = field_(True, help="also write a fused model.<ext> (backbone + head in one artifact)")
    name: str | None = field_(None, help="bundle name recorded in the manifest (default: the checkpoint folder's name)")
    calibration: str | None = field_(
        None, help="int8 calibration and held-out parity inputs: a folder of .npy/.npz inputs (or images for image models), "
        "or 'synthetic' to generate them from the checkpoint's preprocessing",
    )
    calibration_samples: int = field_(100, help="number of calibration samples for int8", ge=1)
    parity_samples: int = field_(200, help="held-out samples on which each artifact is compared with eager PyTorch", ge=1)
    quantize_head: bool = field_(False, help="quantize the head artifacts too (the head stays fp32 by default)")
    dynamic_batch: bool = field_(False, help="ONNX: dynamic batch dimension (phones use batch 1)")
    opset: int = field_(18, help="ONNX opset (>= 18)", ge=18)
    etrecord: bool = field_(True, help="ExecuTorch: write an ETRecord beside each XNNPACK .pte (maps `signport bench --profile-ops` timings to layers; not shipped to phones)")
    executorch_coreml: bool = field_(True, help="ExecuTorch: also write a Core ML-delegated .pte for iOS")
    coreml_compute_precision: Literal["fp16", "fp32"] = field_("fp16", help="Core ML compute precision of the unquantized artifacts")
    coreml_palettize: tuple[int, ...] = field_((), help="Core ML: also write k-means palettized backbones with these bit widths, e.g. 6 4")
    coreml_image_input: bool = field_(False, help="Core ML: take an RGB image (CVPixelBuffer) with mean/std baked in, for image models")
    coreml_target: str = field_("iOS16", help="Core ML minimum deployment target")
    on_parity_failure: Literal["fail", "warn"] = field_("fail", help="fail: no bundle is written when a verdict fails; warn: write it and record the failure")
    seed: int = field_(0, help="seed for synthetic inputs and sampling")
    threads: int | None = field_(None, help="threads for the parity runs (default: the runtimes' own)", ge=1)

    def __post_init__(self):
        object.__setattr__(self, "formats", _split_commas(self.formats))
        object.__setattr__(self, "quant", _split_commas(self.quant))
        object.__setattr__(self, "float_layers", _split_commas(self.float_layers))
        object.__setattr__(self, "coreml_palettize", tuple(int(b) for b in _split_commas(self.coreml_palettize)))
        if self.checkpoint is None or (self.out is None and not self.check):
            raise InputError("export needs --from CHECKPOINT and --out DIR (or --check, which writes nothing)")
        if "auto" in self.quant and len(self.quant) > 1:
            raise InputError(f"--quant {','.join(self.quant)}: auto decides the precisions itself; pass --quant auto alone")
        if self.max_accuracy_drop < 0:
            raise InputError("--max-accuracy-drop is in percentage points and must be >= 0")
        for name, value, allowed in (("--formats", self.formats, ALL_FORMATS), ("--quant", self.quant, QUANT_CHOICES)):
            unknown = [v for v in value if v not in allowed]
            if unknown or not value:
                raise InputError(f"{name} {','.join(unknown) or '(empty)'} not understood; choose from {','.join(allowed)}")
        bad_bits = [b for b in self.coreml_palettize if b not in (1, 2, 3, 4, 6, 8)]
        if bad_bits:
            raise InputError(f"--coreml-palettize {bad_bits} not supported; Core ML palettizes to 1, 2, 3, 4, 6 or 8 bits")

    @property
    def thresholds(self) -> ParityThresholds:
        return ParityThresholds.from_config(self)


@dataclass(frozen=True)
class SwapHeadConfig:
    bundle: Path = field_(None, help="bundle folder written by `signport export`", required=True, path="in")
    head: Path = field_(None, help="head to install: NAME.safetensors (+ NAME.json beside it) from `signport finetune`",
                        required=True, path="in")
    force: bool = field_(False, help="accept a head trained on another backbone or label set (never another embedding size)")
    threads: int | None = field_(None, help="threads for the parity check", ge=1)
