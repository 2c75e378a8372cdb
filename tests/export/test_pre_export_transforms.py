"""The hook other code uses to rewrite a family's modules for one format before torch.export."""

import pytest
import torch
from torch import nn

from signport.export.modules import PRE_EXPORT_TRANSFORMS, apply_pre_export_transforms, register_pre_export_transform


class Doubled(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return 2 * self.inner(x)


@pytest.fixture
def clean_registry():
    saved = {family: list(transforms) for family, transforms in PRE_EXPORT_TRANSFORMS.items()}
    yield
    PRE_EXPORT_TRANSFORMS.clear()
    PRE_EXPORT_TRANSFORMS.update(saved)


def test_transform_applies_to_its_family_and_formats_only(clean_registry):
    register_pre_export_transform("landmarks", formats=["executorch"])(Doubled)
    module = nn.Linear(3, 2)
    assert isinstance(apply_pre_export_transforms(module, "landmarks", "executorch"), Doubled)
    assert apply_pre_export_transforms(module, "landmarks", "onnx") is module
    assert apply_pre_export_transforms(module, "mobilenet_v2", "executorch") is module


def test_transforms_chain_in_registration_order_and_return_eval_modules(clean_registry):
    register_pre_export_transform("landmarks")(Doubled)
    register_pre_export_transform("landmarks")(lambda m: nn.Sequential(m, nn.ReLU()))
    out = apply_pre_export_transforms(nn.Linear(3, 2).train(), "landmarks", "coreml")
    assert isinstance(out, nn.Sequential) and isinstance(out[0], Doubled) and not out.training
    assert out(torch.ones(1, 3)).shape == (1, 2)
