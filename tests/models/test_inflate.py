"""I3D inflation of a 2-D MobileNetV2 into the 3-D networks: exact on a static clip."""

from __future__ import annotations

import pytest
import torch

from signport.core.errors import InputError
from signport.models import build_model
from signport.models.inflate import inflate_backbone


def _trained_looking_2d(width: float) -> torch.nn.Module:
    """A 2-D MobileNetV2 with non-trivial BatchNorm statistics (fresh ones are the identity)."""
    torch.manual_seed(0)
    model = build_model("mobilenet_v2", 5, width=width).eval()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return model.double()


@pytest.mark.parametrize("family, width", [("mobilenet_v2_3d", 0.25), ("mobilenet_v2_3d_causal", 0.35)])
def test_center_inflation_reproduces_the_2d_model_on_a_static_clip(family, width):
    model_2d = _trained_looking_2d(width)
    model_3d = build_model(family, 7, width=width).double().eval()
    inflate_backbone(model_3d.backbone, model_2d.backbone.state_dict(), "center")
    image = torch.randn(2, 3, 32, 32, dtype=torch.float64)
    static_clip = image.unsqueeze(2).repeat(1, 1, 4, 1, 1)
    with torch.no_grad():
        expected, got = model_2d.backbone(image), model_3d.backbone(static_clip)
    scale = expected.abs().max()
    assert scale > 0.1
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-9 * float(scale))


def test_center_inflation_averages_per_frame_2d_embeddings_on_a_moving_clip():
    """No temporal stride in the causal net: the clip embedding is the mean over frames of the 2-D ones."""
    model_2d = _trained_looking_2d(0.25)
    model_3d = build_model("mobilenet_v2_3d_causal", 7, width=0.25).double().eval()
    inflate_backbone(model_3d.backbone, model_2d.backbone.state_dict(), "center")
    clip = torch.randn(1, 3, 4, 32, 32, dtype=torch.float64)
    with torch.no_grad():
        per_frame = model_2d.backbone(clip[0].permute(1, 0, 2, 3))
        got = model_3d.backbone(clip)
    torch.testing.assert_close(got[0], per_frame.mean(dim=0), rtol=0, atol=1e-9 * float(per_frame.abs().max()))


def test_mean_inflation_is_exact_inside_a_static_clip_and_dimmer_at_its_ends():
    model_2d = _trained_looking_2d(0.25)
    model_3d = build_model("mobilenet_v2_3d", 7, width=0.25).double().eval()
    inflate_backbone(model_3d.backbone, model_2d.backbone.state_dict(), "mean")
    image = torch.randn(1, 3, 32, 32, dtype=torch.float64)
    with torch.no_grad():
        stem_2d = model_2d.backbone.features[0](image)
        stem_3d = model_3d.backbone.features[0](image.unsqueeze(2).repeat(1, 1, 6, 1, 1))
    torch.testing.assert_close(stem_3d[:, :, 2], stem_2d, rtol=0, atol=1e-9 * float(stem_2d.abs().max()))
    assert not torch.allclose(stem_3d[:, :, 0], stem_2d)


def test_inflation_refuses_a_2d_model_of_another_width():
    model_2d = _trained_looking_2d(0.5)
    model_3d = build_model("mobilenet_v2_3d", 7, width=0.25)
    with pytest.raises(InputError, match=r"train the 3-D model at the 2-D checkpoint's --width"):
        inflate_backbone(model_3d.backbone, model_2d.backbone.state_dict(), "center")
