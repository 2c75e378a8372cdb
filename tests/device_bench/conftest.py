"""A tiny real bundle for the bench tests: a landmark MLP exported with the real toolchains
(ExecuTorch XNNPACK fp32 and int8, ONNX fp32), its head files, checkpoint and manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from signport.core.checkpoint import CheckpointMeta, save_checkpoint
from signport.core.heads import Head, HeadManifest, save_head
from signport.core.manifest import MANIFEST_FILE, artifact_sha256, artifact_size, validate_manifest
from signport.train.models import backbone_fingerprint, build_model
from signport.train.models.registry import model_preprocessing

LABELS = ["A", "B", "C", "D", "E"]
ARCH_ARGS = {"hidden": [32, 16], "dropout": 0.0}


def export_executorch(module: torch.nn.Module, example: torch.Tensor, path: Path, int8: bool = False) -> None:
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    exported = torch.export.export(module, (example,))
    if int8:
        from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
            XNNPACKQuantizer,
            get_symmetric_quantization_config,
        )
        from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

        prepared = prepare_pt2e(exported.module(), XNNPACKQuantizer().set_global(get_symmetric_quantization_config()))
        for _ in range(8):
            prepared(torch.rand(example.shape))
        exported = torch.export.export(convert_pt2e(prepared), (example,))
    program = to_edge_transform_and_lower(exported, partitioner=[XnnpackPartitioner()]).to_executorch()
    path.write_bytes(program.buffer)


def export_onnx(module: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
    torch.onnx.export(module, (example,), str(path), dynamo=True, input_names=["input"], output_names=["output"],
                      verbose=False)


def export_coreml(module: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
    import coremltools as ct

    exported = torch.export.export(module, (example,)).run_decompositions({})
    model = ct.convert(exported, inputs=[ct.TensorType(name="input", shape=tuple(example.shape))],
                       minimum_deployment_target=ct.target.iOS16, convert_to="mlprogram")
    model.save(str(path))


def artifact_entry(root: Path, artifact_id: str, rel_path: str, fmt: str, precision: str, embedding_size: int) -> dict:
    path = root / rel_path
    return {
        "id": artifact_id, "path": rel_path, "format": fmt, "role": "backbone", "precision": precision,
        "delegate": "xnnpack" if fmt == "executorch" else None,
        "sha256": artifact_sha256(path), "size_bytes": artifact_size(path),
        "inputs": [{"name": "input", "shape": [1, 63], "dtype": "float32"}],
        "outputs": [{"name": "embedding", "shape": [1, embedding_size], "dtype": "float32"}],
    }


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


@pytest.fixture(scope="session")
def tiny_model():
    torch.manual_seed(0)
    model = build_model("landmarks", len(LABELS), **ARCH_ARGS).eval()
    return model


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory, tiny_model) -> Path:
    """bundle/ with backbone-executorch-fp32, backbone-executorch-int8, backbone-onnx-fp32,
    backbone-coreml-fp32 and a checkpoint beside it (recorded as the manifest's source checkpoint)."""
    root = tmp_path_factory.mktemp("bench")
    bundle, checkpoint = root / "bundle", root / "checkpoint"
    bundle.mkdir()
    model = tiny_model
    fingerprint = backbone_fingerprint(model)
    prep = model_preprocessing("landmarks", **ARCH_ARGS)
    save_checkpoint(checkpoint, model.state_dict(), CheckpointMeta(
        architecture="landmarks", arch_args=ARCH_ARGS, labels=LABELS, preprocessing=prep.to_dict(),
        backbone_fingerprint=fingerprint, embedding_size=model.embedding_size))
    example = torch.rand(1, 63)
    export_executorch(model.backbone, example, bundle / "backbone_fp32.pte")
    export_executorch(model.backbone, example, bundle / "backbone_int8.pte", int8=True)
    export_onnx(model.backbone, example, bundle / "backbone_fp32.onnx")
    export_coreml(model.backbone, example, bundle / "backbone_fp32.mlpackage")
    head_manifest = HeadManifest(labels=LABELS, embedding_size=model.embedding_size, backbone_fingerprint=fingerprint,
                                 model_family="landmarks")
    save_head(bundle / "head.safetensors", Head(model.head.fc.weight.detach().numpy(), model.head.fc.bias.detach().numpy(),
                                                head_manifest), write_bin=True)
    d = model.embedding_size
    manifest = {
        "format": "signport-bundle", "schema_version": 1, "name": "tiny-landmarks", "model_family": "landmarks",
        "architecture": {"name": "landmarks", "args": ARCH_ARGS}, "labels": LABELS, "preprocessing": prep.to_dict(),
        "backbone_fingerprint": fingerprint, "embedding_size": d,
        "head": {"safetensors": "head.safetensors", "json": "head.json", "bin": "head.bin", "num_classes": len(LABELS),
                 "embedding_size": d, "labels": LABELS, "backbone_fingerprint": fingerprint,
                 "sha256": {k: artifact_sha256(bundle / f"head.{k}") for k in ("safetensors", "json", "bin")},
                 "bin_layout": head_manifest.bin_layout()},
        "artifacts": [
            artifact_entry(bundle, "backbone-executorch-fp32", "backbone_fp32.pte", "executorch", "fp32", d),
            artifact_entry(bundle, "backbone-executorch-int8", "backbone_int8.pte", "executorch", "int8", d),
            artifact_entry(bundle, "backbone-onnx-fp32", "backbone_fp32.onnx", "onnx", "fp32", d),
            artifact_entry(bundle, "backbone-coreml-fp32", "backbone_fp32.mlpackage", "coreml", "fp32", d),
        ],
        "toolchain": {"torch": torch.__version__}, "created": "2025-01-01T00:00:00+00:00",
        "source_checkpoint": {"path": "../checkpoint"},
    }
    validate_manifest(manifest)
    (bundle / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))
    return bundle


@pytest.fixture
def bundle_copy(tiny_bundle, tmp_path) -> Path:
    """A private copy of the tiny bundle (with its checkpoint) that a test may damage."""
    shutil.copytree(tiny_bundle.parent / "checkpoint", tmp_path / "checkpoint")
    shutil.copytree(tiny_bundle, tmp_path / "bundle", ignore=shutil.ignore_patterns("bench"))
    return tmp_path / "bundle"


@pytest.fixture(scope="session")
def perturbed_fp32_pte(tiny_model, tmp_path_factory) -> bytes:
    """The fp32 backbone exported from weights with 5 % noise: loads and runs, answers differ."""
    model = build_model("landmarks", len(LABELS), **ARCH_ARGS).eval()
    model.load_state_dict(tiny_model.state_dict())
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(0.05 * p.abs().mean() * torch.randn(p.shape, generator=generator))
    path = tmp_path_factory.mktemp("perturbed") / "backbone.pte"
    export_executorch(model.backbone, torch.rand(1, 63), path)
    return path.read_bytes()


def phone_result(name: str = "Pixel 7", p50: float = 1.1) -> dict:
    """A phone benchmark JSON in the demos' shape (signport/core/bench_result.schema.json)."""
    return {
        "device": {"name": name, "os": "Android 14", "kind": "android"},
        "bundle": "tiny-landmarks", "created": "2025-01-01T10:00:00+00:00",
        "results": [{"artifact_id": "backbone-executorch-int8", "runtime": "executorch", "compute_units": None,
                     "threads": 2, "latency_ms": {"p50": p50, "p90": p50 * 1.2, "p99": p50 * 1.8, "mean": p50 * 1.1},
                     "fps": 1000 / (p50 * 1.1), "load_ms": 12.0, "iterations": 300, "warmup": 10}],
    }


@pytest.fixture
def make_phone_result():
    return phone_result
