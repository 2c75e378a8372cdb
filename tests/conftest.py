"""Shared fixtures. Real-data tests read SIGNPORT_SHARED_DATA and skip with a reason without it.

A prerequisite that is missing here skips its tests on a user's machine, but CI sets
SIGNPORT_REQUIRE_<NAME>=1 (.ci/run) so the same absence fails instead of skipping silently:
SHARED_DATA, HAND_MODEL, KOTLIN, BROWSER.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

# Tests run on 2 cores; keep torch from oversubscribing them.
torch.set_num_threads(2)


def skip_unless_required(prerequisite: str, reason: str) -> None:
    """Skip with `reason`, or fail when SIGNPORT_REQUIRE_<prerequisite> is set (CI)."""
    variable = f"SIGNPORT_REQUIRE_{prerequisite}"
    if os.environ.get(variable):
        pytest.fail(f"{reason} ({variable} is set, so this prerequisite must be present)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def missing_prerequisite():
    """`missing_prerequisite(NAME, reason)`: skip_unless_required for test modules."""
    return skip_unless_required


def pytest_collection_modifyitems(config, items) -> None:
    """Every test that needs the real data, directly or through another fixture, carries the
    `shared_data` marker (so `-m "not shared_data"` selects exactly the tests that run without it)."""
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.shared_data)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real sample data (../shared/data). Skips the test when it is not available."""
    root = os.environ.get("SIGNPORT_SHARED_DATA")
    if not root:
        skip_unless_required("SHARED_DATA", "SIGNPORT_SHARED_DATA is not set: real-data test skipped (set it to the shared/data folder)")
    path = Path(root)
    if not path.is_dir():
        skip_unless_required("SHARED_DATA", f"SIGNPORT_SHARED_DATA={root} is not a directory: real-data test skipped")
    return path


@pytest.fixture(scope="session")
def hand_model(request, tmp_path_factory) -> Path:
    """MediaPipe's hand_landmarker.task, built once from the official wheel into pytest's cache
    (reused across sessions). Skips when it cannot be built here (no PyPI access, no cached file)."""
    from signport.core.errors import OfflineError
    from signport.hands.model_file import fetch_hand_model

    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    folder = cache.mkdir("signport-hand-model") if cache else tmp_path_factory.mktemp("signport-hand-model")
    try:
        return fetch_hand_model(folder, source="pypi")
    except OfflineError as e:
        skip_unless_required("HAND_MODEL", f"hand model unavailable: {e}")


@pytest.fixture
def random_video_model():
    """Factory for a 3-D model family with random weights and random eval-mode BatchNorm statistics,
    scaled so activations neither die nor explode through the depth (real numerical tests)."""
    from torch import nn

    from signport.models import build_model

    def build(name: str = "mobilenet_v2_3d", width: float = 0.5, classes: int = 7, seed: int = 0) -> nn.Module:
        torch.manual_seed(seed)
        model = build_model(name, classes, width=width)
        generator = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    c = module.num_features
                    module.running_mean.copy_(torch.rand(c, generator=generator) * 0.2 - 0.1)
                    module.running_var.copy_(torch.rand(c, generator=generator) * 0.1 + 0.05)
                    module.weight.copy_(torch.rand(c, generator=generator) * 0.5 + 0.5)
                    module.bias.copy_(torch.rand(c, generator=generator) * 0.2 - 0.1)
        return model.eval()

    return build
