"""Shared fixtures. Real-data tests read SIGNPORT_SHARED_DATA and skip with a reason without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

# Tests run on 2 cores; keep torch from oversubscribing them.
torch.set_num_threads(2)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real sample data (../shared/data). Skips the test when it is not available."""
    root = os.environ.get("SIGNPORT_SHARED_DATA")
    if not root:
        pytest.skip("SIGNPORT_SHARED_DATA is not set: real-data test skipped (set it to the shared/data folder)")
    path = Path(root)
    if not path.is_dir():
        pytest.skip(f"SIGNPORT_SHARED_DATA={root} is not a directory: real-data test skipped")
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
        pytest.skip(f"hand model unavailable: {e}")
