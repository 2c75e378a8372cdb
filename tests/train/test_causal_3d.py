"""mobilenet_v2_3d_causal: a normal registered clip family whose output at frame t ignores later frames."""

from __future__ import annotations

import torch

from signport.core.checkpoint import CheckpointMeta, save_checkpoint
from signport.models import MODEL_REGISTRY, backbone_fingerprint, build_model, model_from_checkpoint
from signport.models.mobilenet_v2_3d_causal import CausalConv3d
from signport.models.registry import model_preprocessing


def test_causal_family_is_registered_with_clip_preprocessing():
    spec = MODEL_REGISTRY["mobilenet_v2_3d_causal"]
    assert spec.family == "mobilenet_v2_3d_causal"
    prep = model_preprocessing("mobilenet_v2_3d_causal", input_size=64, clip_length=16, clip_fps=15.0)
    assert prep.input_shape(2) == (2, 3, 16, 64, 64)


def test_causal_model_has_the_clip_models_parameters_and_no_temporal_stride():
    causal, clip = build_model("mobilenet_v2_3d_causal", 600), build_model("mobilenet_v2_3d", 600)
    assert sum(p.numel() for p in causal.parameters()) == 3_122_648
    assert {k: v.shape for k, v in causal.state_dict().items()} == {k: v.shape for k, v in clip.state_dict().items()}
    temporal = [m for m in causal.modules() if isinstance(m, CausalConv3d)]
    assert len(temporal) == 18  # the stem and every depthwise conv
    assert all(m.stride[0] == 1 and m.causal_padding == (2, 0) for m in temporal)


def test_features_at_frame_t_do_not_depend_on_later_frames(random_video_model):
    model = random_video_model("mobilenet_v2_3d_causal", width=0.25)
    clip = torch.randn(2, 3, 8, 32, 32)
    changed = clip.clone()
    changed[:, :, 5:] = torch.randn_like(changed[:, :, 5:])
    with torch.no_grad():
        before, after = model.backbone.features(clip), model.backbone.features(changed)
    assert before.shape[2] == 8  # one feature per frame: no temporal stride
    torch.testing.assert_close(after[:, :, :5], before[:, :, :5], rtol=0, atol=0)
    assert (after[:, :, 5:] - before[:, :, 5:]).abs().max() > 1e-3


def test_causal_model_trains_and_round_trips_through_a_checkpoint(tmp_path):
    torch.manual_seed(0)
    args = {"width": 0.25, "input_size": 16, "clip_length": 4}
    model = build_model("mobilenet_v2_3d_causal", 3, **args)
    clips, labels = torch.randn(3, 3, 4, 16, 16), torch.tensor([0, 1, 2])
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    losses = []
    for _ in range(6):
        loss = torch.nn.functional.cross_entropy(model(clips), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.7
    model.eval()
    meta = CheckpointMeta(
        architecture="mobilenet_v2_3d_causal", arch_args=args, labels=["a", "b", "c"],
        preprocessing=model_preprocessing("mobilenet_v2_3d_causal", **args).to_dict(),
        backbone_fingerprint=backbone_fingerprint(model), embedding_size=model.embedding_size,
    )
    save_checkpoint(tmp_path / "ckpt", model.state_dict(), meta)
    loaded, _ = model_from_checkpoint(tmp_path / "ckpt")
    with torch.no_grad():
        torch.testing.assert_close(loaded(clips), model(clips), rtol=0, atol=0)


def test_clip_model_weights_load_into_the_causal_model():
    # Same shapes: a trained mobilenet_v2_3d is a starting point for causal fine-tuning.
    clip_model = build_model("mobilenet_v2_3d", 4, width=0.25)
    causal = build_model("mobilenet_v2_3d_causal", 4, width=0.25)
    causal.load_state_dict(clip_model.state_dict(), strict=True)
    assert backbone_fingerprint(causal) == backbone_fingerprint(clip_model)
