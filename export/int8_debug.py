"""Where int8 loses accuracy: layer-by-layer comparison of an int8 graph with its fp32 original.

Both graphs run in PyTorch on the same real inputs; after each compute layer (convolution or
linear, with its BatchNorm: int8 export folds BatchNorm into the convolution) the int8 graph's
output is compared with the fp32 one as SQNR = 10 log10(|fp32|^2 / |fp32 - int8|^2) in dB. The
error propagates, so the first layer below a threshold is where int8 starts to hurt, and the
layers with the largest SQNR drop are the ones worth keeping in float (`--quant auto`).

The int8 graph is PT2E's reference representation (quantize/dequantize around float ops), which
XNNPACK's int8 kernels reproduce up to rounding. Layers are matched by their order: PT2E keeps
every convolution and linear op, in order, and re-exporting the converted graph drops the module
names, which therefore come from the fp32 graph.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

COMPUTE_OPS = ("aten.conv2d.default", "aten.linear.default", "aten.conv1d.default", "aten.convolution.default", "aten.addmm.default")
# What belongs to a layer after its convolution: BatchNorm, the activation, and the int8 graph's
# quantize/dequantize pairs (its output quantizer already clamps to the activation's range).
LAYER_TAIL_OPS = ("aten.batch_norm.default", "aten._native_batch_norm_legit_no_training.default", "aten.hardtanh.default",
                  "aten.hardtanh_.default", "aten.relu.default", "aten.relu_.default", "aten.clamp.default",
                  "quantized_decomposed.quantize_per_tensor.default", "quantized_decomposed.dequantize_per_tensor.default")
QUANTIZE_OP = "quantized_decomposed.quantize_per_tensor.default"


@dataclass
class LayerError:
    index: int
    layer: str  # module path in the fp32 model, e.g. "features.3.conv.0.0"
    sqnr_db: float
    drop_db: float  # SQNR lost in this layer: previous layer's SQNR minus this one's


def compute_nodes(graph_module: torch.fx.GraphModule) -> list[tuple[torch.fx.Node, torch.fx.Node, str]]:
    """(compute node, the node whose output is compared, module path) in execution order: each
    layer is compared after its BatchNorm and activation (never on an int8-valued tensor)."""
    found = []
    for node in graph_module.graph.nodes:
        if node.op != "call_function" or str(node.target) not in COMPUTE_OPS:
            continue
        compared = cursor = node
        while len(cursor.users) == 1 and str(next(iter(cursor.users)).target) in LAYER_TAIL_OPS:
            cursor = next(iter(cursor.users))
            if str(cursor.target) != QUANTIZE_OP:
                compared = cursor
        stack = node.meta.get("nn_module_stack") or {}
        path = list(stack.values())[-1][0] if stack else node.name
        found.append((node, compared, path))
    return found


class _Recorder(torch.fx.Interpreter):
    def __init__(self, module: torch.fx.GraphModule, wanted: set[torch.fx.Node]):
        super().__init__(module)
        self.wanted, self.values = wanted, {}

    def run_node(self, node):
        value = super().run_node(node)
        if node in self.wanted:
            self.values[node] = value.detach() if isinstance(value, torch.Tensor) else value[0].detach()
        return value


@torch.no_grad()
def layer_outputs(graph_module: torch.fx.GraphModule, inputs: np.ndarray, batch: int = 8) -> tuple[list[str], list[torch.Tensor]]:
    """(module paths, outputs concatenated over `inputs`) of every compute layer, in order."""
    nodes = compute_nodes(graph_module)
    recorded: list[list[torch.Tensor]] = [[] for _ in nodes]
    for start in range(0, len(inputs), batch):
        x = torch.from_numpy(np.ascontiguousarray(inputs[start : start + batch], np.float32))
        for i in range(len(x)):  # exported graphs may have a fixed batch of 1
            recorder = _Recorder(graph_module, {compared for _, compared, _ in nodes})
            recorder.run(x[i : i + 1])
            for k, (_, compared, _) in enumerate(nodes):
                recorded[k].append(recorder.values[compared])
    return [path for _, _, path in nodes], [torch.cat(values) for values in recorded]


def sqnr_db(reference: torch.Tensor, actual: torch.Tensor) -> float:
    signal = float(reference.double().pow(2).sum())
    noise = float((reference.double() - actual.double()).pow(2).sum())
    if noise == 0.0:
        return math.inf
    return 10.0 * math.log10(max(signal, 1e-30) / noise)


def layer_errors(names: list[str], reference: list[torch.Tensor], actual: list[torch.Tensor]) -> list[LayerError]:
    """Per-layer SQNR of `actual` vs `reference` outputs, matched by order (pure)."""
    if len(reference) != len(actual):
        raise ValueError(f"the graphs have {len(reference)} and {len(actual)} compute layers; they are not the same model")
    errors, previous = [], math.inf
    for index, (name, ref, act) in enumerate(zip(names, reference, actual)):
        if ref.shape != act.shape:
            raise ValueError(f"layer {index} ({name}) has shapes {tuple(ref.shape)} and {tuple(act.shape)}")
        value = sqnr_db(ref, act)
        drop = 0.0 if math.isinf(previous) and math.isinf(value) else (previous - value if not math.isinf(previous) else 0.0)
        errors.append(LayerError(index, name, value, drop))
        previous = value
    return errors


def first_below(errors: list[LayerError], threshold_db: float) -> LayerError | None:
    return next((e for e in errors if e.sqnr_db < threshold_db), None)


def compare_graphs(float_module: torch.fx.GraphModule, int8_module: torch.fx.GraphModule, inputs: np.ndarray) -> list[LayerError]:
    names, reference = layer_outputs(float_module, inputs)
    _, actual = layer_outputs(int8_module, inputs)
    return layer_errors(names, reference, actual)


def summary(errors: list[LayerError], threshold_db: float, inputs_source: str) -> dict:
    """The manifest/bench block: every layer's SQNR and the first below the threshold."""
    worst = first_below(errors, threshold_db)
    return {
        "status": "measured", "threshold_db": threshold_db, "inputs": inputs_source,
        "first_below_threshold": None if worst is None else asdict(worst),
        "largest_drops": [asdict(e) for e in sorted(errors, key=lambda e: -e.drop_db)[:5]],
        "layers": [{**asdict(e), "sqnr_db": None if math.isinf(e.sqnr_db) else round(e.sqnr_db, 2),
                    "drop_db": round(e.drop_db, 2)} for e in errors],
    }


def bundle_int8_layer_errors(bundle_root: Path, manifest: dict, inputs: np.ndarray, threshold_db: float) -> dict:
    """For each int8 ExecuTorch artifact with an ETRecord and an fp32 sibling with one: the
    per-layer comparison on `inputs` (the bench's held-out data)."""
    import warnings

    from executorch.devtools import parse_etrecord

    rows = {(a["role"], a["precision"]): a for a in manifest["artifacts"]
            if a["format"] == "executorch" and a.get("etrecord") and a.get("delegate") in (None, "xnnpack")}
    results = {}
    for (role, precision), artifact in rows.items():
        if precision != "int8" or (role, "fp32") not in rows:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            float_program = parse_etrecord(str(bundle_root / rows[(role, "fp32")]["etrecord"])).exported_program
            int8_program = parse_etrecord(str(bundle_root / artifact["etrecord"])).exported_program
        try:
            errors = compare_graphs(float_program.module(), int8_program.module(), inputs)
        except ValueError as e:
            results[artifact["id"]] = {"status": "error", "reason": str(e)}
            continue
        results[artifact["id"]] = summary(errors, threshold_db, f"{len(inputs)} held-out inputs")
    if not results:
        return {"status": "not measured", "reason": "no int8 ExecuTorch artifact with an ETRecord and an fp32 sibling "
                                                    "(export with --quant fp32,int8 and the default --etrecord)"}
    return {"status": "measured", "artifacts": results}
