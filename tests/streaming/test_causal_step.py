"""StreamingStep: a causal 3-D model fed one frame at a time reproduces its clip forward."""

from __future__ import annotations

import pytest
import torch

from signport.streaming.causal import CausalStreamRunner, StreamingStep, eager_step


def stream(step: StreamingStep, clip: torch.Tensor) -> list[torch.Tensor]:
    """Outputs after each frame of `clip` (N, 3, T, H, W), from zero states."""
    runner = CausalStreamRunner(eager_step(step), step.initial_states(*clip.shape[3:], batch=clip.shape[0]), step.window)
    return [runner.step(clip[:, :, t]) for t in range(clip.shape[2])]


@pytest.mark.parametrize("frames", [8, 5])
def test_feeding_a_window_frame_by_frame_equals_the_causal_clip_forward(random_video_model, frames):
    model = random_video_model("mobilenet_v2_3d_causal", width=0.5)
    clip = torch.randn(2, 3, frames, 32, 32)
    with torch.no_grad():
        expected_logits, expected_embedding = model(clip), model.backbone(clip)
    logits = stream(StreamingStep(model, window=frames, with_head=True), clip)[-1]
    embedding = stream(StreamingStep(model, window=frames), clip)[-1]
    assert expected_logits.abs().max() > 0.1
    torch.testing.assert_close(logits, expected_logits, rtol=0, atol=1e-4)
    torch.testing.assert_close(embedding, expected_embedding, rtol=0, atol=1e-4)


def test_past_the_window_the_output_averages_the_last_window_frames(random_video_model):
    # Per-frame features keep their whole causal history; only the average is over the window.
    model = random_video_model("mobilenet_v2_3d_causal", width=0.25)
    clip = torch.randn(1, 3, 11, 32, 32)
    window = 4
    outputs = stream(StreamingStep(model, window=window), clip)
    with torch.no_grad():
        per_frame = model.backbone.features(clip).mean(dim=(3, 4))  # (N, C, T)
    for t in (window - 1, 7, 10):
        torch.testing.assert_close(outputs[t], per_frame[:, :, t - window + 1:t + 1].mean(dim=2), rtol=0, atol=1e-4)


def test_runner_is_warm_after_a_window_and_reset_restarts_from_zero(random_video_model):
    step = StreamingStep(random_video_model("mobilenet_v2_3d_causal", width=0.25), window=3)
    runner = CausalStreamRunner(eager_step(step), step.initial_states(32, 32), step.window)
    frames = torch.randn(4, 1, 3, 32, 32)
    first = [runner.step(f) for f in frames[:3]]
    assert runner.warm and runner.frames_seen == 3
    runner.reset()
    assert not runner.warm
    again = [runner.step(f) for f in frames[:3]]
    torch.testing.assert_close(again[-1], first[-1], rtol=0, atol=0)


def test_state_shapes_are_what_the_step_returns(random_video_model):
    step = StreamingStep(random_video_model("mobilenet_v2_3d_causal", width=0.25), window=5)
    states = step.initial_states(48, 40, batch=2)
    _, *new_states = step(torch.randn(2, 3, 48, 40), *states)
    assert [tuple(s.shape) for s in new_states] == [tuple(s.shape) for s in states]
    assert tuple(states[0].shape) == (2, 6, 48, 40)  # the stem keeps 2 raw RGB frames


def test_streaming_rejects_a_model_with_temporal_strides(random_video_model):
    with pytest.raises(ValueError, match="mobilenet_v2_3d_causal"):
        StreamingStep(random_video_model("mobilenet_v2_3d", width=0.25), window=4)


def test_streaming_step_lowers_fully_to_xnnpack_and_streams_in_executorch(random_video_model, tmp_path):
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower
    from executorch.runtime import Runtime

    from signport.export.formats.executorch import undelegated_ops

    step = StreamingStep(random_video_model("mobilenet_v2_3d_causal", width=0.25), window=3)
    states = step.initial_states(32, 32)
    frames = torch.randn(4, 1, 3, 32, 32)
    edge = to_edge_transform_and_lower(torch.export.export(step, (frames[0], *states)), partitioner=[XnnpackPartitioner()])
    assert undelegated_ops(edge.exported_program()) == []
    path = tmp_path / "step.pte"
    path.write_bytes(edge.to_executorch().buffer)
    method = Runtime.get().load_program(path).load_method("forward")
    executorch_runner = CausalStreamRunner(lambda inputs: method.execute(list(inputs)), states, step.window)
    eager_runner = CausalStreamRunner(eager_step(step), states, step.window)
    for frame in frames:
        torch.testing.assert_close(executorch_runner.step(frame), eager_runner.step(frame), rtol=0, atol=1e-4)
