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
