"""3D-MobileNetV2 as 2-D ops: an exact module swap so ExecuTorch's XNNPACK delegate runs video models.

The conversion is the model's own (export registers it as a pre-export transform in
signport/export/transforms.py; streaming reuses its layer walk and BatchNorm folding).

ExecuTorch 1.5.1 cannot run nn.Conv3d at all (XNNPACK refuses 3-D kernels, the portable kernel
rejects 5-D input), and BatchNorm3d / 3-D pooling are not delegated either. `rewrite_3d_to_2d`
returns a model computing the same function (eval-mode BatchNorm) with only ops XNNPACK takes:

- A clip is a list of frame *blocks*, each a (frames·N, C, H, W) tensor, so every 1x1x1 conv and
  the spatial part of every 3x3x3 conv is a Conv2d; BatchNorm3d is folded into its conv.
- Blocks group frames by residue modulo 2**h, h = temporal stride-2 layers still ahead (16
  blocks of 2 frames for T=32 in 3D-MobileNetV2). A frame's neighbours t±1 then sit at the same
  row of the neighbouring block and a stride-2 layer keeps the even blocks whole, so temporal
  taps and strides select whole tensors instead of copying frames (XNNPACK's slice has no step,
  and a reshape across frames would force NHWC<->NCHW transposes). Only the blocks that wrap
  around get one slice + constant_pad. Blocks of a few frames also stay in cache between taps,
  which is faster than one (T·N)-frame batch with frame gathers (docs/measurements.md).
- A depthwise conv with k temporal taps is k depthwise Conv2d (one per tap, each run on the
  blocks it reads) whose outputs are added at the frames they feed; its 27 MACs per output stay
  27. Stacking the taps into channels would need a channel-interleaved grouped conv, which
  XNNPACK runs as a GEMM with one output channel per group. The dense stem (3 input channels)
  does stack its taps into channels: one Conv2d over 9 channels beats 3 convs plus adds over its
  32-channel output.
- Each block gets its own copy of a conv's weights: PT2E's XNNPACKQuantizer annotates a weight
  node once, so a conv reused across blocks would stay float and XNNPACK would refuse the mixed
  int8/float conv. ExecuTorch stores constants by content hash, so the .pte does not grow.
- int8: a native int8 Conv3d rounds each output once; the tap sum rounds three partial sums and
  two additions, and trained temporal filters cancel (motion = frame differences), so partial
  sums are larger than their total. int8 export keeps the tap sums in float
  (signport.export.transforms.int8_node_filter); docs/measurements.md has the agreement.
- The global average pool is a 4-D mean over (H, W) per frame, then over frames.

All frame bookkeeping is plain Python on static shapes, so torch.export sees only tensor ops.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Iterable

import torch
from torch import nn

from signport.models.base import SignModel

Blocks = list[torch.Tensor]

# ---------------------------------------------------------------------------------------------
# Frame layout: a clip batch as a list of frame blocks.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameLayout:
    """Row m·N + n of block b is frame `blocks[b][m]` of clip n (clips are the fastest axis, so
    a frame is N contiguous rows)."""

    clips: int
    blocks: tuple[tuple[int, ...], ...]

    @property
    def num_frames(self) -> int:
        return sum(len(b) for b in self.blocks)

    def locations(self) -> dict[int, tuple[int, int]]:
        """frame -> (block index, row of frames within the block)."""
        return {t: (b, m) for b, frames in enumerate(self.blocks) for m, t in enumerate(frames)}


def residue_blocks(num_frames: int, halvings: int) -> tuple[tuple[int, ...], ...]:
    """Frames grouped by residue modulo 2**halvings, in time order within a block (empty groups dropped)."""
    period = 2 ** halvings
    return tuple(b for r in range(period) if (b := tuple(range(r, num_frames, period))))


def gather_frames(
    blocks: list[torch.Tensor | None], src: FrameLayout, dst_frames: tuple[int, ...],
    source_of: Callable[[int], int | None],
) -> torch.Tensor | None:
    """One block holding, for each frame t of `dst_frames`, source frame `source_of(t)` of
    `blocks` (laid out as `src`), or zeros where that is None. None when every frame is zero.

    A whole source block in order is returned as is (free); otherwise the fewest row slices,
    zeros as constant padding of a neighbouring slice, and one cat: ops XNNPACK delegates.
    """
    n = src.clips
    where = src.locations()
    sources = [where.get(s) if (s := source_of(t)) is not None else None for t in dst_frames]
    if all(s is None for s in sources):
        return None
    if sources[0] is not None:
        first_block = sources[0][0]
        if sources == [(first_block, m) for m in range(len(src.blocks[first_block]))]:
            return blocks[first_block]
    runs: list[list] = []  # [(block, first row) or None for zeros, number of frames]
    for s in sources:
        last = runs[-1] if runs else None
        if last and s is None and last[0] is None:
            last[1] += 1
        elif last and s is not None and last[0] is not None and last[0][0] == s[0] and last[0][1] + last[1] == s[1]:
            last[1] += 1
        else:
            runs.append([s, 1])
    pieces: list[list] = []  # [tensor, zero frames before, zero frames after]
    leading_zeros = 0
    for start, length in runs:
        if start is None:
            if pieces:
                pieces[-1][2] += length
            else:
                leading_zeros = length
            continue
        block, row = start
        whole = row == 0 and length == len(src.blocks[block])
        pieces.append([blocks[block] if whole else blocks[block][row * n:(row + length) * n], 0, 0])
    pieces[0][1] = leading_zeros
    tensors = [
        nn.functional.pad(t, (0, 0, 0, 0, 0, 0, before * n, after * n)) if before or after else t
        for t, before, after in pieces
    ]
    return tensors[0] if len(tensors) == 1 else torch.cat(tensors, dim=0)


def stack_taps(taps: list[torch.Tensor | None], channels: int) -> torch.Tensor:
    """Taps concatenated on channels, missing ones (only ever at the ends) as zero channels."""
    present = [k for k, t in enumerate(taps) if t is not None]
    first, last = present[0], present[-1]
    if present != list(range(first, last + 1)):
        raise RuntimeError("a temporal tap is missing between present taps")
    stacked = torch.cat([taps[k] for k in present], dim=1) if len(present) > 1 else taps[first]
    before, after = first * channels, (len(taps) - 1 - last) * channels
    return nn.functional.pad(stacked, (0, 0, 0, 0, before, after)) if before or after else stacked


# ---------------------------------------------------------------------------------------------
# BatchNorm folding and the 2-D modules that replace 3-D ones.
# ---------------------------------------------------------------------------------------------


@torch.no_grad()
def fold_batchnorm(conv: nn.Conv3d | nn.Conv2d, bn: nn.BatchNorm3d | nn.BatchNorm2d | None) -> tuple[torch.Tensor, torch.Tensor]:
    """(weight, bias) of `conv` followed by eval-mode `bn`, computed in float64, cast back."""
    weight = conv.weight.detach().double()
    bias = conv.bias.detach().double() if conv.bias is not None else torch.zeros(conv.out_channels, dtype=torch.float64)
    if bn is not None:
        scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.detach().double() + bn.eps)
        weight = weight * scale.reshape(-1, *([1] * (weight.dim() - 1)))
        bias = (bias - bn.running_mean.detach().double()) * scale + bn.bias.detach().double()
    return weight.to(conv.weight.dtype), bias.to(conv.weight.dtype)


def temporal_padding(conv: nn.Conv3d) -> tuple[int, int]:
    """(frames of zeros before, after) a 3-D conv pads its input with; causal convs declare theirs."""
    causal = getattr(conv, "causal_padding", None)
    if causal is not None:
        return tuple(causal)
    if isinstance(conv.padding, str):
        raise ValueError(f"{conv}: string padding is not supported by the 3-D rewrite")
    return conv.padding[0], conv.padding[0]


def is_temporal(conv: nn.Conv3d) -> bool:
    """Whether a 3-D conv mixes or strides frames (anything but a per-frame 2-D conv)."""
    return conv.kernel_size[0] != 1 or conv.stride[0] != 1 or temporal_padding(conv) != (0, 0)


def conv2d_from(weight: torch.Tensor, bias: torch.Tensor | None, stride, padding, groups: int) -> nn.Conv2d:
    out_channels, in_per_group, kh, kw = weight.shape
    conv = nn.Conv2d(in_per_group * groups, out_channels, (kh, kw), stride, padding, groups=groups, bias=bias is not None,
                     dtype=weight.dtype, device=weight.device)
    with torch.no_grad():
        conv.weight.copy_(weight)
        if bias is not None:
            conv.bias.copy_(bias)
    return conv


def per_block_copies(conv: nn.Conv2d, copies: int) -> nn.ModuleList:
    """`copies` identical convs, one per frame block (see the module docstring for why)."""
    return nn.ModuleList([conv] + [copy.deepcopy(conv) for _ in range(copies - 1)])


class FrameModule(nn.Module):
    """A 2-D module over frame blocks: forward(blocks, layout) -> (blocks, layout)."""


class FramePointwise(FrameModule):
    """A 3-D conv with one temporal tap and no temporal stride (the 1x1x1 convs): a Conv2d per block."""

    def __init__(self, conv: nn.Conv3d, bn: nn.Module | None, activation: nn.Module | None, blocks: int):
        super().__init__()
        weight, bias = fold_batchnorm(conv, bn)
        self.convs = per_block_copies(conv2d_from(weight[:, :, 0], bias, conv.stride[1:], conv.padding[1:], conv.groups), blocks)
        self.activation = activation if activation is not None else nn.Identity()

    def forward(self, blocks: Blocks, layout: FrameLayout):
        return [self.activation(self.convs[b](x)) for b, x in enumerate(blocks)], layout


class FrameTemporalConv(FrameModule):
    """A 3-D conv with temporal taps and/or stride as 2-D convs over frame blocks.

    mode "sum": one 2-D conv per (tap, input block), its output moved to the frames it feeds and
    added. mode "stack": per output block, the taps stacked into channels and one 2-D conv.
    """

    def __init__(self, conv: nn.Conv3d, bn: nn.Module | None, activation: nn.Module | None, mode: str,
                 in_blocks: int, out_halvings: int):
        super().__init__()
        if conv.dilation[0] != 1:
            raise ValueError(f"{conv}: temporal dilation is not supported by the 3-D rewrite")
        if mode == "stack" and conv.groups != 1:
            raise ValueError("stacking taps into channels needs a dense (groups=1) conv")
        weight, bias = fold_batchnorm(conv, bn)
        self.mode = mode
        # Read by export's int8 rules (sums_taps): the tap outputs are partial sums that must not be rounded to int8.
        self.sums_taps = mode == "sum"
        self.taps = conv.kernel_size[0]
        self.temporal_stride = conv.stride[0]
        self.pad_before, self.pad_after = temporal_padding(conv)
        if not 0 <= self.pad_before < self.taps:
            raise ValueError(f"{conv}: temporal padding {self.pad_before} leaves output frames without a tap on a real frame")
        self.in_channels = conv.in_channels
        self.out_halvings = out_halvings
        spatial = dict(stride=conv.stride[1:], padding=conv.padding[1:], groups=conv.groups)
        if mode == "stack":
            # Channel k·C_in + c of the stacked input is channel c of tap k.
            stacked = weight.permute(0, 2, 1, 3, 4).reshape(weight.shape[0], -1, *weight.shape[3:])
            self.convs = nn.ModuleList([per_block_copies(conv2d_from(stacked, bias, **spatial), 2 ** out_halvings)])
        else:
            # Tap `pad_before` reads a real frame for every output frame, so it carries the bias.
            self.convs = nn.ModuleList([
                per_block_copies(conv2d_from(weight[:, :, k], bias if k == self.pad_before else None, **spatial), in_blocks)
                for k in range(self.taps)
            ])
        self.activation = activation if activation is not None else nn.Identity()

    def output_frames(self, num_frames: int) -> int:
        return (num_frames + self.pad_before + self.pad_after - self.taps) // self.temporal_stride + 1

    def _source(self, tap: int, num_frames: int) -> Callable[[int], int | None]:
        def source_of(t: int) -> int | None:
            s = t * self.temporal_stride + tap - self.pad_before
            return s if 0 <= s < num_frames else None

        return source_of

    def forward(self, blocks: Blocks, layout: FrameLayout):
        out_layout = FrameLayout(layout.clips, residue_blocks(self.output_frames(layout.num_frames), self.out_halvings))
        sources = [self._source(k, layout.num_frames) for k in range(self.taps)]
        if self.mode == "stack":
            out = [
                self.convs[0][b](stack_taps([gather_frames(blocks, layout, frames, s) for s in sources], self.in_channels))
                for b, frames in enumerate(out_layout.blocks)
            ]
        else:
            out = self._summed(blocks, layout, out_layout, sources)
        return [self.activation(y) for y in out], out_layout

    def _summed(self, blocks, layout, out_layout, sources):
        where = layout.locations()
        tap_outputs: dict[tuple[int, int], torch.Tensor] = {}  # (tap, input block) -> conv output
        out = []
        for frames in out_layout.blocks:
            total = None
            for k, source_of in enumerate(sources):
                for b in sorted({where[s][0] for t in frames if (s := source_of(t)) is not None}):
                    if (k, b) not in tap_outputs:
                        tap_outputs[k, b] = self.convs[k][b](blocks[b])
                moved = gather_frames([tap_outputs.get((k, b)) for b in range(len(blocks))], layout, frames, source_of)
                if moved is not None:
                    total = moved if total is None else total + moved
            out.append(total)
        return out


class FrameResidual(FrameModule):
    """x + body(x), or body(x) alone, as in an inverted residual block."""

    def __init__(self, body: list[FrameModule], use_residual: bool):
        super().__init__()
        self.body = nn.ModuleList(body)
        self.use_residual = use_residual

    def forward(self, blocks: Blocks, layout: FrameLayout):
        out, out_layout = blocks, layout
        for module in self.body:
            out, out_layout = module(out, out_layout)
        if self.use_residual:
            if out_layout != layout:
                raise RuntimeError("a residual branch changed the frame layout")
            out = [x + y for x, y in zip(blocks, out)]
        return out, out_layout


def frames_global_mean(blocks: Blocks, layout: FrameLayout) -> torch.Tensor:
    """Mean over (T, H, W) of every clip as 4-D means (XNNPACK's mean takes 4-D, dims (2, 3), keepdim)."""
    per_frame = [x.mean(dim=(2, 3), keepdim=True) for x in blocks]  # (frames·N, C, 1, 1) each
    per_frame = torch.cat(per_frame, dim=0) if len(per_frame) > 1 else per_frame[0]
    frames, clips, channels = layout.num_frames, layout.clips, per_frame.shape[1]
    by_clip = per_frame.reshape(frames, clips, channels).permute(1, 2, 0).reshape(clips, channels, frames, 1)
    return by_clip.mean(dim=(2, 3), keepdim=True).reshape(clips, channels)


def clip_to_frame_blocks(clip: torch.Tensor, halvings: int) -> tuple[Blocks, FrameLayout]:
    """(N, C, T, H, W) -> channels-last frame blocks grouped by residue modulo 2**halvings.

    The channels-last conversion is explicit here, on the 3-channel input, so XNNPACK's layout
    pass does not insert its transpose later on a wider tensor.
    """
    clips, channels, frames, height, width = clip.shape
    layout = FrameLayout(clips, residue_blocks(frames, halvings))
    by_frame = clip.permute(2, 0, 1, 3, 4)  # (T, N, C, H, W)
    period = len(layout.blocks)
    if frames % period == 0:
        # Residue r is index r of the fast axis of (T / period, period, ...): a slice, not a gather.
        grouped = by_frame.reshape(frames // period, period, clips * channels * height * width)
        blocks = [grouped[:, r:r + 1] for r in range(period)]
    else:
        blocks = [torch.cat([by_frame[t:t + 1] for t in frames_of]) if len(frames_of) > 1
                  else by_frame[frames_of[0]:frames_of[0] + 1] for frames_of in layout.blocks]
    blocks = [
        x.reshape(len(frames_of) * clips, channels, height, width).to(memory_format=torch.channels_last)
        for x, frames_of in zip(blocks, layout.blocks)
    ]
    return blocks, layout


class FrameBackbone(nn.Module):
    """The rewritten backbone: clip (N, C, T, H, W) -> embedding, with 2-D ops only."""

    def __init__(self, features: list[FrameModule], embedding_size: int, input_halvings: int):
        super().__init__()
        self.features = nn.ModuleList(features)
        self.last_channel = embedding_size
        self.input_halvings = input_halvings

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        blocks, layout = clip_to_frame_blocks(clip, self.input_halvings)
        for module in self.features:
            blocks, layout = module(blocks, layout)
        return frames_global_mean(blocks, layout)


# ---------------------------------------------------------------------------------------------
# The rewrite: walk the 3-D backbone in forward order and swap each piece for its 2-D form.
# ---------------------------------------------------------------------------------------------


def convert_3d_layers(
    modules: Iterable[nn.Module],
    convert_conv: Callable[[nn.Conv3d, nn.BatchNorm3d | None, nn.Module | None], nn.Module],
    make_residual: Callable[[list[nn.Module], bool], nn.Module],
) -> list[nn.Module]:
    """Walk 3D-MobileNetV2 layers in forward order: each (Conv3d, [BatchNorm3d], [ReLU6]) run goes
    to `convert_conv` and each inverted residual block to `make_residual(converted body, use_residual)`."""
    from signport.models.mobilenet_v2_3d import InvertedResidual3d

    items = list(modules)
    converted: list[nn.Module] = []
    i = 0
    while i < len(items):
        module = items[i]
        if isinstance(module, nn.Sequential):
            converted += convert_3d_layers(module, convert_conv, make_residual)
            i += 1
        elif isinstance(module, InvertedResidual3d):
            converted.append(make_residual(convert_3d_layers(module.conv, convert_conv, make_residual), module.use_residual))
            i += 1
        elif isinstance(module, nn.Conv3d):
            bn = items[i + 1] if i + 1 < len(items) and isinstance(items[i + 1], nn.BatchNorm3d) else None
            j = i + 1 + (bn is not None)
            activation = None
            if j < len(items) and isinstance(items[j], (nn.ReLU6, nn.ReLU, nn.Hardtanh)):
                activation = copy.deepcopy(items[j])
                activation.inplace = False
                j += 1
            converted.append(convert_conv(module, bn, activation))
            i = j
        else:
            raise TypeError(f"the 3-D rewrite does not know how to convert {type(module).__name__}")
    return converted


def stacks_taps(conv: nn.Conv3d) -> bool:
    """Whether a temporal conv is cheaper with its taps stacked into channels (dense, few inputs: the stem)."""
    return conv.groups == 1 and conv.in_channels <= 8


class _Converter:
    """Converts convs in forward order, tracking the block layout (halvings) each will see."""

    def __init__(self, backbone: nn.Module, max_block_halvings: int | None):
        temporal = [m for m in backbone.modules() if isinstance(m, nn.Conv3d) and is_temporal(m)]
        for conv in temporal:
            if conv.stride[0] not in (1, 2):
                raise ValueError(f"{conv}: temporal stride {conv.stride[0]} is not supported by the 3-D rewrite")
        self.strides_ahead = sum(1 for conv in temporal if conv.stride[0] == 2)
        self.cap = max_block_halvings if max_block_halvings is not None else self.strides_ahead
        self.halvings = self.input_halvings = min(self.cap, self.strides_ahead)

    def conv(self, conv: nn.Conv3d, bn, activation) -> FrameModule:
        if not is_temporal(conv):
            return FramePointwise(conv, bn, activation, blocks=2 ** self.halvings)
        in_halvings = self.halvings
        self.strides_ahead -= conv.stride[0] == 2
        self.halvings = min(self.cap, self.strides_ahead)
        mode = "stack" if stacks_taps(conv) else "sum"
        return FrameTemporalConv(conv, bn, activation, mode, in_blocks=2 ** in_halvings, out_halvings=self.halvings)


def rewrite_backbone_3d_to_2d(backbone: nn.Module, max_block_halvings: int | None = None) -> FrameBackbone:
    """A FrameBackbone computing what the eval-mode 3-D MobileNetV2 backbone computes.

    `max_block_halvings` caps the frame blocks at 2**cap (default: one halving per temporal
    stride); later strides then gather frames within blocks. Only for comparing formulations.
    """
    converter = _Converter(backbone, max_block_halvings)
    features = convert_3d_layers(backbone.features, converter.conv, FrameResidual)
    return FrameBackbone(features, backbone.last_channel, converter.input_halvings).eval()


def rewrite_3d_to_2d(model: nn.Module, max_block_halvings: int | None = None) -> nn.Module:
    """Module swap before torch.export: a SignModel (or bare backbone) whose 3-D ops are all
    replaced by 2-D ops XNNPACK delegates, with the same weights and the same function.

    The input model is not modified. A model without 3-D convs is returned unchanged.
    Meant for every export format: ExecuTorch cannot run Conv3d at all, ONNX Runtime runs the
    rewrite faster than its own Conv3d (benchmarks/bench_video3d.py), and Core ML's Neural Engine
    executes 2-D convolutions while Conv3d is not documented to reach it.
    """
    if not any(isinstance(m, nn.Conv3d) for m in model.modules()):
        return model
    if isinstance(model, SignModel):
        backbone = rewrite_backbone_3d_to_2d(model.backbone, max_block_halvings)
        return SignModel(backbone, copy.deepcopy(model.head), model.embedding_size, model.family).eval()
    return rewrite_backbone_3d_to_2d(model, max_block_halvings)

