import pytest
import torch
from torch import nn

from signport.models.macs import count_macs, count_parameters
from signport.models import build_model


def test_mac_counter_matches_hand_counts():
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),  # 10*10 outputs x 8 channels x (3*3*3)
        nn.Conv2d(8, 8, 3, padding=1, groups=8),  # depthwise: 10*10 x 8 x (1*3*3)
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(8, 4),  # 8 x 4
    )
    assert count_macs(model, torch.zeros(2, 3, 10, 10)) == 100 * 8 * 27 + 100 * 8 * 9 + 32


def test_mobilenet_v2_3d_costs_about_half_a_giga_mac_per_16_frame_clip():
    model = build_model("mobilenet_v2_3d", 600, width=1.0)
    macs = count_macs(model, torch.zeros(1, 3, 16, 112, 112))
    assert macs == pytest.approx(0.52e9, rel=0.01)
    assert count_parameters(model) == 3_122_648


def test_mobilenet_v2_matches_the_published_size():
    model = build_model("mobilenet_v2", 1000, width=1.0)
    assert count_parameters(model) == 3_504_872  # torchvision's MobileNetV2, 1000 classes
    assert count_macs(model, torch.zeros(1, 3, 224, 224)) == pytest.approx(300e6, rel=0.01)


def test_frozen_backbone_leaves_only_the_head_trainable():
    model = build_model("mobilenet_v2", 29, width=0.35, input_size=64)
    model.freeze_backbone()
    assert count_parameters(model, trainable_only=True) == model.embedding_size * 29 + 29
