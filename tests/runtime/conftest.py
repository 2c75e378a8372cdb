"""One small landmark bundle (ONNX + ExecuTorch, fp32) shared by the runtime tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from signport.core.checkpoint import CheckpointMeta, save_checkpoint
from signport.models import backbone_fingerprint, build_model
from signport.models.registry import model_preprocessing


@pytest.fixture(scope="session")
def runtime_checkpoint(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    args = {"hidden": [32, 16]}
    model = build_model("landmarks", 3, **args).eval()
    meta = CheckpointMeta(
        architecture="landmarks", arch_args=args, labels=["x", "y", "z"], preprocessing=model_preprocessing("landmarks").to_dict(),
        backbone_fingerprint=backbone_fingerprint(model), embedding_size=model.embedding_size,
    )
    return save_checkpoint(tmp_path_factory.mktemp("ckpt") / "landmarks", model.state_dict(), meta)


@pytest.fixture(scope="session")
def runtime_bundle(tmp_path_factory, runtime_checkpoint) -> Path:
    from signport.export.config import ExportConfig
    from signport.export.pipeline import export_bundle

    out = tmp_path_factory.mktemp("bundles") / "landmarks"
    export_bundle(ExportConfig(checkpoint=runtime_checkpoint, out=out, formats=("executorch", "onnx"), fused=False, executorch_coreml=False, parity_samples=32))
    return out


@pytest.fixture
def landmark_batch():
    """Plausible raw MediaPipe coordinates (the model normalizes them itself)."""
    import numpy as np

    return np.random.default_rng(0).uniform(0.2, 0.8, (7, 63)).astype(np.float32)
