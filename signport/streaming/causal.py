"""Frame-by-frame inference of a causal 3-D model ("mobilenet_v2_3d_causal") with explicit state.

`StreamingStep` is the exportable module: (frame, *states) -> (logits or embedding, *new_states).
Every causal temporal conv keeps its last k-1 input frames as one state tensor, stacked on
channels oldest first (MoViNets' stream buffers), so a new frame costs one frame of compute and
only 2-D ops, which XNNPACK delegates. The final state is a window of the last `window`
per-frame features; its mean is the embedding. From zero states, after T frames the window
holds exactly the T per-frame features the clip forward averages, so the step reproduces the
causal clip model on that clip. Until `window` frames have been seen the mean still counts
the zero-initialised slots (the runner reports when it is warm).

`CausalStreamRunner` drives a step function (eager module or an ExecuTorch method) and carries
the states between frames.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from signport.models.rewrite_3d import conv2d_from, convert_3d_layers, fold_batchnorm, is_temporal, stacks_taps, temporal_padding
from signport.models.base import SignModel


def _spatial_out(conv: nn.Conv2d, size: tuple[int, int]) -> tuple[int, int]:
    return tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                 for s, p, d, k, st in zip(size, conv.padding, conv.dilation, conv.kernel_size, conv.stride))


class StepModule(nn.Module):
    """forward(x, states) -> (y, new_states), consuming `state_count` states in order."""

    state_count = 0

    def state_shapes(self, size: tuple[int, int]) -> tuple[list[tuple[int, ...]], tuple[int, int]]:
        """Shapes (without batch) of this module's states for an input of spatial `size`, and its output size."""
        raise NotImplementedError


class StepPointwise(StepModule):
    def __init__(self, conv: nn.Conv3d, bn, activation):
        super().__init__()
        weight, bias = fold_batchnorm(conv, bn)
        self.conv = conv2d_from(weight[:, :, 0], bias, conv.stride[1:], conv.padding[1:], conv.groups)
        self.activation = activation if activation is not None else nn.Identity()

    def forward(self, x, states):
        return self.activation(self.conv(x)), []

    def state_shapes(self, size):
        return [], _spatial_out(self.conv, size)


class StepCausalConv(StepModule):
    """A causal temporal conv on one frame; its state is the last k-1 input frames on channels."""

    state_count = 1

    def __init__(self, conv: nn.Conv3d, bn, activation):
        super().__init__()
        if conv.stride[0] != 1 or temporal_padding(conv) != (conv.kernel_size[0] - 1, 0):
            raise ValueError(f"{conv}: streaming needs causal temporal padding and no temporal stride (use mobilenet_v2_3d_causal)")
        weight, bias = fold_batchnorm(conv, bn)
        self.taps, self.in_channels = conv.kernel_size[0], conv.in_channels
        spatial = dict(stride=conv.stride[1:], padding=conv.padding[1:], groups=conv.groups)
        self.stacked = stacks_taps(conv)
        self.sums_taps = not self.stacked  # see signport.export.transforms.int8_node_filter
        if self.stacked:
            # The state is the older taps on channels, oldest first; the new frame is the last tap.
            stacked = weight.permute(0, 2, 1, 3, 4).reshape(weight.shape[0], -1, *weight.shape[3:])
            self.convs = nn.ModuleList([conv2d_from(stacked, bias, **spatial)])
        else:
            # The newest tap always reads a real frame, so it carries the bias.
            last = self.taps - 1
            self.convs = nn.ModuleList([conv2d_from(weight[:, :, k], bias if k == last else None, **spatial) for k in range(self.taps)])
        self.activation = activation if activation is not None else nn.Identity()

    def forward(self, x, states):
        (history,) = states
        c = self.in_channels
        if self.stacked:
            y = self.convs[0](torch.cat([history, x], dim=1))
        else:
            y = self.convs[-1](x)
            for k in range(self.taps - 1):
                y = y + self.convs[k](history[:, k * c:(k + 1) * c])
        new_history = torch.cat([history[:, c:], x], dim=1) if self.taps > 2 else x
        return self.activation(y), [new_history]

    def state_shapes(self, size):
        return [((self.taps - 1) * self.in_channels, *size)], _spatial_out(self.convs[0], size)


class StepResidual(StepModule):
    def __init__(self, body: list[StepModule], use_residual: bool):
        super().__init__()
        self.body = nn.ModuleList(body)
        self.use_residual = use_residual
        self.state_count = sum(m.state_count for m in body)

    def forward(self, x, states):
        y, new_states, used = x, [], 0
        for module in self.body:
            y, produced = module(y, states[used:used + module.state_count])
            used += module.state_count
            new_states += produced
        return (x + y if self.use_residual else y), new_states

    def state_shapes(self, size):
        shapes = []
        for module in self.body:
            produced, size = module.state_shapes(size)
            shapes += produced
        return shapes, size


def _step_conv(conv: nn.Conv3d, bn, activation) -> StepModule:
    return StepCausalConv(conv, bn, activation) if is_temporal(conv) else StepPointwise(conv, bn, activation)


class StreamingStep(nn.Module):
    """(frame (N, 3, H, W), *states) -> (logits or embedding, *new_states) for a causal 3-D model.

    `window`: how many per-frame features the embedding averages (the clip length it was
    trained on). `with_head`: output logits through the model's head instead of the embedding
    (a bundle keeps the head as a separate file, so it exports the embedding).
    """

    def __init__(self, model: nn.Module, window: int, with_head: bool = False):
        super().__init__()
        backbone = model.backbone if isinstance(model, SignModel) else model
        if with_head and not isinstance(model, SignModel):
            raise ValueError("with_head needs a SignModel (backbone + head)")
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        self.features = nn.ModuleList(convert_3d_layers(backbone.features, _step_conv, StepResidual))
        self.window = window
        self.embedding_size = backbone.last_channel
        self.head = model.head.eval() if with_head else None
        self.eval()

    def state_shapes(self, height: int, width: int) -> list[tuple[int, ...]]:
        """Shapes (without batch) of the states for frames of height x width, in forward order."""
        shapes, size = [], (height, width)
        for module in self.features:
            produced, size = module.state_shapes(size)
            shapes += produced
        return shapes + [(self.window * self.embedding_size, 1, 1)]

    def initial_states(self, height: int, width: int, batch: int = 1) -> list[torch.Tensor]:
        """Zero states: exactly the causal clip model's zero padding before the first frame."""
        return [torch.zeros(batch, *shape) for shape in self.state_shapes(height, width)]

    def forward(self, frame: torch.Tensor, *states: torch.Tensor):
        x, new_states, used = frame, [], 0
        for module in self.features:
            x, produced = module(x, list(states[used:used + module.state_count]))
            used += module.state_count
            new_states += produced
        features = states[used]  # (N, window·C, 1, 1), oldest frame first
        channels = self.embedding_size
        features = torch.cat([features[:, channels:], x.mean(dim=(2, 3), keepdim=True)], dim=1)
        clips = frame.shape[0]
        # Mean over the window as a 4-D mean over (2, 3), the only form XNNPACK's mean takes.
        by_frame = features.reshape(clips, self.window, channels, 1).permute(0, 2, 1, 3)
        embedding = by_frame.mean(dim=(2, 3), keepdim=True).reshape(clips, channels)
        output = self.head(embedding) if self.head is not None else embedding
        return (output, *new_states, features)


StepFunction = Callable[[Sequence[torch.Tensor]], Sequence[torch.Tensor]]


class CausalStreamRunner:
    """Feeds frames one at a time through a step function, carrying the states.

    `step` takes [frame, *states] and returns [output, *new_states]: a StreamingStep called
    eagerly (`eager_step(module)`) or an ExecuTorch method's `execute`.
    """

    def __init__(self, step: StepFunction, initial_states: list[torch.Tensor], window: int):
        self.step_fn = step
        self.initial = [s.clone() for s in initial_states]
        self.window = window
        self.reset()

    def reset(self) -> None:
        self.states = [s.clone() for s in self.initial]
        self.frames_seen = 0

    @property
    def warm(self) -> bool:
        """True once the feature window holds only real frames (no zero start-up slots)."""
        return self.frames_seen >= self.window

    def step(self, frame: torch.Tensor) -> torch.Tensor:
        """frame (N, 3, H, W) preprocessed -> the output for the window ending at this frame."""
        output, *self.states = self.step_fn([frame, *self.states])
        self.frames_seen += 1
        return output


def eager_step(module: StreamingStep) -> StepFunction:
    def run(inputs):
        with torch.no_grad():
            return module(*inputs)

    return run
