"""The 3-D -> 2-D rewrite of 3D-MobileNetV2: exact, 2-D only, quantizable, fully delegated to XNNPACK."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from signport.export.formats.executorch import undelegated_ops
from signport.export.transforms import int8_node_filter
from signport.models.rewrite_3d import FrameLayout, gather_frames, residue_blocks, rewrite_3d_to_2d
from signport.models import build_model


SHAPES = [  # (width, clips, frames, size): T=16/32 as trained, odd T=7 (uneven stride-2 halves), batch of 2
    (0.5, 2, 16, 32),
    (1.0, 1, 32, 32),
    (0.5, 2, 7, 32),
    (1.0, 2, 16, 32),
    (0.5, 1, 1, 32),
]


@pytest.mark.parametrize("name", ["mobilenet_v2_3d", "mobilenet_v2_3d_causal"])
def test_rewrite_is_exact_in_float64(random_video_model, name):
    # In float64 rounding vanishes, so any indexing or folding mistake shows as a large difference.
    # Tiny frames: PyTorch's float64 depthwise convs are slow. T=7 halves unevenly at each stride.
    clips, frames, size = 2, 7, 8
    model = random_video_model(name, width=0.25).double()
    rewritten = rewrite_3d_to_2d(model)
    clip = torch.randn(clips, 3, frames, size, size, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(rewritten.backbone(clip), model.backbone(clip), rtol=0, atol=1e-10)
        torch.testing.assert_close(rewritten(clip), model(clip), rtol=0, atol=1e-10)


@pytest.mark.parametrize("width,clips,frames,size", SHAPES[:4])
def test_rewrite_fp32_logits_within_1e4_of_eager(random_video_model, width, clips, frames, size):
    model = random_video_model(width=width)
    clip = torch.randn(clips, 3, frames, size, size)
    with torch.no_grad():
        expected, actual = model(clip), rewrite_3d_to_2d(model)(clip)
    if clips > 1:  # the network is alive: different clips give clearly different logits
        assert (expected[0] - expected[1]).abs().max() > 1e-2
    assert (actual - expected).abs().max().item() <= 1e-4


def test_rewrite_uses_only_2d_modules_and_keeps_the_input_model(random_video_model):
    model = random_video_model()
    before = copy.deepcopy(model.state_dict())
    rewritten = rewrite_3d_to_2d(model)
    kinds = {type(m) for m in rewritten.modules()}
    assert not kinds & {nn.Conv3d, nn.BatchNorm3d, nn.BatchNorm2d}
    assert nn.Conv2d in kinds
    assert rewritten.head.fc.weight.data_ptr() != model.head.fc.weight.data_ptr()
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0)


def test_rewritten_graph_has_no_5d_compute(random_video_model):
    model = random_video_model(width=0.25)
    program = torch.export.export(rewrite_3d_to_2d(model), (torch.randn(1, 3, 8, 32, 32),))
    for node in program.graph.nodes:
        if node.op == "call_function" and node.target not in (torch.ops.aten.permute.default,):
            value = node.meta.get("val")
            if isinstance(value, torch.Tensor):
                assert value.dim() <= 4, f"{node.target} produces a {value.dim()}-D tensor"


def test_model_without_3d_ops_is_returned_unchanged():
    model = build_model("landmarks", 4)
    assert rewrite_3d_to_2d(model) is model


def test_residue_blocks_keep_even_frames_whole_for_each_halving():
    assert residue_blocks(8, 2) == ((0, 4), (1, 5), (2, 6), (3, 7))
    assert residue_blocks(3, 2) == ((0,), (1,), (2,))
    assert residue_blocks(5, 0) == ((0, 1, 2, 3, 4),)


def test_gather_frames_moves_whole_blocks_and_pads_only_the_wrap_around():
    layout = FrameLayout(clips=2, blocks=residue_blocks(6, 1))  # ((0, 2, 4), (1, 3, 5))
    # Row m·2 + n holds 10·t + n, so every value names its frame and clip.
    blocks = [torch.tensor([[10.0 * t + n] for t in frames for n in range(2)]).reshape(-1, 1, 1, 1) for frames in layout.blocks]

    def values(x):
        return x.flatten().tolist()

    def previous(t):
        return t - 1 if t >= 1 else None

    # Previous frames of the odd block are the even block, untouched (no copy).
    assert gather_frames(blocks, layout, (1, 3, 5), previous) is blocks[0]
    # Previous frames of the even block: a zero frame, then frames 1 and 3 of the odd block.
    assert values(gather_frames(blocks, layout, (0, 2, 4), previous)) == [0, 0, 10, 11, 30, 31]
    assert gather_frames(blocks, layout, (0,), previous) is None


def test_xnnpack_leaves_a_conv3d_undelegated():
    # Why the rewrite exists (and that the delegation check below can fail).
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    model = nn.Sequential(nn.Conv3d(3, 4, 3, padding=1), nn.BatchNorm3d(4), nn.ReLU6()).eval()
    edge = to_edge_transform_and_lower(torch.export.export(model, (torch.randn(1, 3, 4, 8, 8),)), partitioner=[XnnpackPartitioner()])
    assert "aten.convolution" in undelegated_ops(edge.exported_program())


def test_lowered_rewrite_is_fully_delegated_and_runs_in_executorch_like_eager(random_video_model, tmp_path):
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower
    from executorch.runtime import Runtime

    model = random_video_model(width=0.25, classes=5)
    clip = torch.randn(1, 3, 4, 32, 32)
    edge = to_edge_transform_and_lower(torch.export.export(rewrite_3d_to_2d(model), (clip,)), partitioner=[XnnpackPartitioner()])
    assert undelegated_ops(edge.exported_program()) == []
    path = tmp_path / "video3d.pte"
    path.write_bytes(edge.to_executorch().buffer)
    method = Runtime.get().load_program(path).load_method("forward")
    for sample in (clip, torch.randn_like(clip)):
        (logits,) = method.execute((sample,))
        with torch.no_grad():
            torch.testing.assert_close(logits, model(sample), rtol=0, atol=1e-4)


def test_pt2e_int8_quantizes_every_conv_of_the_rewrite(random_video_model):
    # A conv shared by several frame blocks would be annotated once and stay float; XNNPACK then
    # refuses the program at load time. Each block has its own weight copy, so all are quantized.
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    model = rewrite_3d_to_2d(random_video_model(width=0.25, classes=5))
    clip = torch.randn(1, 3, 4, 32, 32)
    quantizer = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
    prepared = prepare_pt2e(torch.export.export(model, (clip,)).module(), quantizer)
    prepared(clip)
    converted = convert_pt2e(prepared)
    convs = [n for n in converted.graph.nodes if n.target == torch.ops.aten.conv2d.default]
    assert len(convs) > 20
    for conv in convs:
        weight = conv.args[1]
        assert weight.op == "call_function" and "dequantize" in str(weight.target), f"{conv.name} kept a float weight"


def test_int8_node_filter_keeps_only_the_temporal_tap_sums_float(random_video_model):
    rewritten = rewrite_3d_to_2d(random_video_model(width=0.25))
    graph = torch.export.export(rewritten, (torch.randn(1, 3, 4, 32, 32),)).module().graph
    quantize = int8_node_filter(rewritten)
    convs = [n for n in graph.nodes if n.target == torch.ops.aten.conv2d.default]
    float_convs = [n for n in convs if not quantize(n)]
    groups = [n.args[-1] if len(n.args) > 6 else 1 for n in float_convs]
    assert float_convs and all(g > 1 for g in groups)  # only depthwise tap convs stay float
    assert sum(quantize(n) for n in convs) > len(convs) // 3  # the stem and all 1x1 convs are quantized
    assert all(int8_node_filter(build_model("landmarks", 3))(n) for n in graph.nodes)


def test_onnx_int8_keeps_the_same_tap_sums_float(random_video_model, tmp_path):
    # ONNX Runtime's QDQ quantizer gets the nodes torch.onnx exported from the tap-sum modules
    # as nodes_to_exclude, so both int8 runtimes round the same places.
    import onnx

    from signport.export.formats.onnx import nodes_in_modules
    from signport.export.transforms import float_module_paths

    rewritten = rewrite_3d_to_2d(random_video_model(width=0.25)).backbone
    path = tmp_path / "backbone.onnx"
    torch.onnx.export(rewritten, (torch.randn(1, 3, 4, 32, 32),), dynamo=True, opset_version=18).save(str(path))
    paths = float_module_paths(rewritten)
    excluded = set(nodes_in_modules(path, paths))
    nodes = onnx.load(str(path)).graph.node
    depthwise = [n for n in nodes if n.op_type == "Conv" and any(a.name == "group" and a.i > 1 for a in n.attribute)]
    pointwise = [n for n in nodes if n.op_type == "Conv" and n not in depthwise]
    assert depthwise and {n.name for n in depthwise} <= excluded
    assert pointwise and not {n.name for n in pointwise} & excluded
    assert any(n.op_type == "Add" for n in nodes if n.name in excluded)
    assert nodes_in_modules(path, set()) == []
