"""A tiny real bundle for the bench tests: a landmark MLP checkpoint exported by `signport export`
(ExecuTorch XNNPACK and ONNX, backbone and head, plus the Core ML-delegated ExecuTorch backbone
that cannot run on Linux)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from signport.core.checkpoint import CheckpointMeta, save_checkpoint
from signport.core.manifest import MANIFEST_FILE, artifact_sha256
from signport.export.config import ExportConfig
from signport.export.pipeline import export_bundle
from signport.models import backbone_fingerprint, build_model
from signport.models.registry import model_preprocessing

LABELS = ["A", "B", "C", "D", "E"]
ARCH_ARGS = {"hidden": [32, 16], "dropout": 0.0}
BUNDLE_NAME = "tiny-landmarks"


def save_tiny_checkpoint(model: torch.nn.Module, folder: Path) -> Path:
    return save_checkpoint(folder, model.state_dict(), CheckpointMeta(
        architecture="landmarks", arch_args=ARCH_ARGS, labels=LABELS,
        preprocessing=model_preprocessing("landmarks", **ARCH_ARGS).to_dict(),
        backbone_fingerprint=backbone_fingerprint(model), embedding_size=model.embedding_size))


def export_tiny(checkpoint: Path, out: Path, **options) -> Path:
    config = ExportConfig(checkpoint=checkpoint, out=out, name=BUNDLE_NAME, fused=False, parity_samples=32,
                          **{"formats": ("executorch", "onnx"), "quant": ("fp32",), **options})
    return export_bundle(config).bundle_dir


@pytest.fixture(scope="session")
def tiny_model():
    torch.manual_seed(0)
    return build_model("landmarks", len(LABELS), **ARCH_ARGS).eval()


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory, tiny_model) -> Path:
    """root/bundle (exported) and root/checkpoint (its source)."""
    root = tmp_path_factory.mktemp("bench")
    checkpoint = save_tiny_checkpoint(tiny_model, root / "checkpoint")
    return export_tiny(checkpoint, root / "bundle", executorch_coreml=True)


@pytest.fixture
def bundle_copy(tiny_bundle, tmp_path) -> Path:
    """A private copy of the tiny bundle and its checkpoint that a test may damage."""
    shutil.copytree(tiny_bundle.parent / "checkpoint", tmp_path / "checkpoint")
    shutil.copytree(tiny_bundle, tmp_path / "bundle", ignore=shutil.ignore_patterns("bench"))
    return tmp_path / "bundle"


@pytest.fixture(scope="session")
def perturbed_onnx_backbone(tiny_model, tmp_path_factory) -> bytes:
    """The ONNX backbone exported from weights with 30 % noise: it loads and runs, its answers differ."""
    model = build_model("landmarks", len(LABELS), **ARCH_ARGS).eval()
    model.load_state_dict(tiny_model.state_dict())
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(0.3 * p.abs().mean() * torch.randn(p.shape, generator=generator))
    root = tmp_path_factory.mktemp("perturbed")
    # export verifies parity against the perturbed checkpoint itself, so it passes there
    bundle = export_tiny(save_tiny_checkpoint(model, root / "checkpoint"), root / "bundle", formats=("onnx",))
    return (bundle / "onnx" / "backbone-fp32.onnx").read_bytes()


@pytest.fixture
def rewrite_artifact():
    """rewrite(bundle, artifact_id, data): replace an artifact's bytes and re-record its sha256
    and size, as a re-export would (so the bench has to catch the damage by running it)."""
    return _rewrite_artifact


def _rewrite_artifact(bundle: Path, artifact_id: str, data: bytes) -> None:
    manifest = json.loads((bundle / MANIFEST_FILE).read_text())
    entry = next(a for a in manifest["artifacts"] if a["id"] == artifact_id)
    (bundle / entry["path"]).write_bytes(data)
    entry.update(sha256=artifact_sha256(bundle / entry["path"]), size_bytes=len(data))
    (bundle / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))


def phone_result(name: str = "Pixel 7", p50: float = 1.1) -> dict:
    """A phone benchmark JSON in the demos' shape (signport/core/bench_result.schema.json)."""
    return {
        "device": {"name": name, "os": "Android 14", "kind": "android"},
        "bundle": BUNDLE_NAME, "created": "2025-01-01T10:00:00+00:00",
        "results": [{"artifact_id": "executorch-backbone-fp32", "runtime": "executorch", "compute_units": None,
                     "threads": 2, "latency_ms": {"p50": p50, "p90": p50 * 1.2, "p99": p50 * 1.8, "mean": p50 * 1.1},
                     "fps": 1000 / (p50 * 1.1), "load_ms": 12.0, "iterations": 300, "warmup": 10}],
    }


@pytest.fixture
def make_phone_result():
    return phone_result
