"""Pre-export module transforms per model family, and the int8 rules that go with them.

The 3-D -> 2-D rewrite itself is the models' (signport.models.rewrite_3d); export registers it
for every format: ExecuTorch cannot run Conv3d at all, ONNX Runtime runs the rewrite faster than
its own Conv3d and Core ML's Neural Engine documents only 2-D convolutions (docs/bench.md and
benchmarks/bench_video3d.py measure each; parity is always against the original 3-D model).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from signport.export.modules import register_pre_export_transform
from signport.models.rewrite_3d import rewrite_3d_to_2d

for _family in ("mobilenet_v2_3d", "mobilenet_v2_3d_causal"):
    register_pre_export_transform(_family)(rewrite_3d_to_2d)


def float_module_paths(module: nn.Module) -> set[str]:
    """Paths of the submodules whose ops int8 export keeps in float: the rewrite's temporal tap
    sums (see signport.models.rewrite_3d). Empty for modules without them."""
    return {name for name, m in module.named_modules() if getattr(m, "sums_taps", False)}


def in_modules(path: str, paths: set[str]) -> bool:
    """`path` is one of `paths` or inside one under a parent prefix: float layers are named from the
    backbone ("features.0.0") and also apply to the fused model ("backbone.features.0.0")."""
    return path in paths or any(path.endswith("." + p) for p in paths)


def int8_node_filter(module: nn.Module, also_float: set[str] = frozenset()) -> Callable[[torch.fx.Node], bool]:
    """For `XNNPACKQuantizer.set_filter_function`, built from the module that is exported: quantize
    every node except those inside a temporal tap sum or a module path in `also_float` (--quant
    auto's float layers). Modules without either get a filter that quantizes everything."""
    paths = float_module_paths(module) | set(also_float)

    def quantize(node: torch.fx.Node) -> bool:
        return not any(in_modules(path, paths) for path, _ in node.meta.get("nn_module_stack", {}).values())

    return quantize
