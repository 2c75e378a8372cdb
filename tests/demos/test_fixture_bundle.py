"""The tiny bundle the app unit tests read (tests/demos/fixtures/bundle), built from signport.core.

The Swift tests (ios_demo/SignportKit) and the Kotlin tests (android_demo/app/src/test) load these
files and compare their logits with `expected.json`, so a head written by Python is proven to be read
the same way on both phones. The tests below keep the committed files equal to what signport writes
today; after a deliberate format change, regenerate them with:

    .venv/bin/python tests/demos/test_fixture_bundle.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from signport.core.heads import HeadManifest, head_from_bin, head_to_bin
from signport.core.manifest import load_manifest

FIXTURE_DIR = Path(__file__).with_name("fixtures") / "bundle"
FINGERPRINT = "sha256:" + "ab" * 32
LABELS = ["A", "B", "space"]
EMBEDDING_SIZE = 4
CREATED = "2025-01-01T00:00:00+00:00"


def fixture_head() -> tuple[np.ndarray, np.ndarray, HeadManifest]:
    rng = np.random.default_rng(7)
    weight = rng.standard_normal((len(LABELS), EMBEDDING_SIZE)).astype(np.float32)
    bias = rng.standard_normal(len(LABELS)).astype(np.float32)
    manifest = HeadManifest(
        labels=LABELS, embedding_size=EMBEDDING_SIZE, backbone_fingerprint=FINGERPRINT, model_family="landmarks",
        created=CREATED, metrics={"val_accuracy": 0.5}, source={"kind": "fixture"},
    )
    return weight, bias, manifest


def fixture_files() -> dict[str, bytes]:
    """File name -> exact bytes of the fixture bundle."""
    weight, bias, head = fixture_head()
    head_bin = head_to_bin(weight, bias)
    head_json = json.dumps(head.to_dict(), indent=2).encode()
    manifest = {
        "format": "signport-bundle",
        "schema_version": 1,
        "name": "fixture-landmarks",
        "model_family": "landmarks",
        "architecture": {"name": "landmarks", "args": {"hidden": [EMBEDDING_SIZE]}},
        "labels": LABELS,
        "preprocessing": {
            "input_kind": "landmarks", "input_size": [0, 0], "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0],
            "color_order": "RGB", "layout": "NF", "clip_length": None, "clip_fps": None,
            "landmark_normalization": "in_model:wrist_origin,wrist_to_middle_mcp_scale; caller:mirror_left_x",
        },
        "backbone_fingerprint": FINGERPRINT,
        "embedding_size": EMBEDDING_SIZE,
        "head": {
            "safetensors": "head.safetensors", "json": "head.json", "bin": "head.bin",
            "num_classes": len(LABELS), "embedding_size": EMBEDDING_SIZE, "labels": LABELS,
            "backbone_fingerprint": FINGERPRINT,
            "sha256": {"json": hashlib.sha256(head_json).hexdigest(), "bin": hashlib.sha256(head_bin).hexdigest()},
            "bin_layout": head.bin_layout(),
        },
        "artifacts": [
            _artifact("backbone-coreml-fp16", "backbone.mlpackage", "coreml", "fp16", None, ["batch", 63]),
            _artifact("backbone-executorch-fp32", "backbone_xnnpack_fp32.pte", "executorch", "fp32", "xnnpack", [1, 63]),
            # iOS-only: an ExecuTorch program delegated to Core ML, which Android must never pick.
            _artifact("backbone-executorch-fp16-coreml", "backbone_coreml_fp16.pte", "executorch", "fp16", "coreml", [1, 63]),
        ],
        "toolchain": {"executorch": "1.5.1", "coremltools": "9.0"},
        "created": CREATED,
    }
    embedding = np.array([0.5, -1.0, 2.0, 0.25], dtype=np.float32)
    logits = weight @ embedding + bias
    probabilities = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    expected = {"embedding": embedding.tolist(), "logits": logits.tolist(), "probabilities": probabilities.tolist()}
    return {
        "manifest.json": json.dumps(manifest, indent=2).encode(),
        "head.json": head_json,
        "head.bin": head_bin,
        "expected.json": json.dumps(expected, indent=2).encode(),
    }


def _artifact(artifact_id: str, path: str, fmt: str, precision: str, delegate: str | None, input_shape: list) -> dict:
    return {
        "id": artifact_id, "path": path, "format": fmt, "role": "backbone", "precision": precision, "delegate": delegate,
        "sha256": hashlib.sha256(artifact_id.encode()).hexdigest(), "size_bytes": 1024,
        "inputs": [{"name": "landmarks", "shape": input_shape, "dtype": "float32"}],
        "outputs": [{"name": "embedding", "shape": [input_shape[0], EMBEDDING_SIZE], "dtype": "float32"}],
    }


def test_fixture_bundle_is_what_signport_writes():
    stale = [name for name, data in fixture_files().items() if (FIXTURE_DIR / name).read_bytes() != data]
    assert not stale, f"{stale} differ from what signport.core writes now; regenerate: python tests/demos/test_fixture_bundle.py"


def test_fixture_manifest_is_schema_valid_and_head_round_trips():
    manifest = load_manifest(FIXTURE_DIR, verify_files=False)
    head = HeadManifest.from_dict(json.loads((FIXTURE_DIR / manifest["head"]["json"]).read_text()))
    assert head.to_dict()["bin_layout"] == manifest["head"]["bin_layout"]
    weight, bias = head_from_bin((FIXTURE_DIR / manifest["head"]["bin"]).read_bytes(), head.num_classes, head.embedding_size)
    expected = json.loads((FIXTURE_DIR / "expected.json").read_text())
    np.testing.assert_allclose(weight @ np.asarray(expected["embedding"], np.float32) + bias, expected["logits"], rtol=1e-6)
    assert hashlib.sha256((FIXTURE_DIR / "head.bin").read_bytes()).hexdigest() == manifest["head"]["sha256"]["bin"]


if __name__ == "__main__":
    FIXTURE_DIR.mkdir(parents=True, exist_ok=True)
    for name, data in fixture_files().items():
        (FIXTURE_DIR / name).write_bytes(data)
    print(f"wrote {FIXTURE_DIR}")
