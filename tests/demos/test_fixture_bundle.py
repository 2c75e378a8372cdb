"""The tiny bundle the app unit tests read (tests/demos/fixtures/bundle), written by signport's own
head writer (the one `signport export` uses).

The Swift tests (ios_demo/SignportKit) and the Kotlin tests (android_demo/app/src/test) load these
files and compare their logits with `expected.json`, so a head written by Python is proven to be read
the same way on both phones. The app tests never run a backbone, and model binaries are not committed,
so each artifact the manifest lists is a small text file saying so; every sha256 and size in the
manifest is the real one of the committed bytes, and the whole bundle verifies like an exported one.
The tests below keep the committed files equal to what signport writes today; after a deliberate
format change, regenerate them with:

    .venv/bin/python tests/demos/test_fixture_bundle.py
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np

from signport.core.heads import Head, HeadManifest, head_from_bin
from signport.core.manifest import artifact_sha256, artifact_size, load_manifest
from signport.export.bundle_writer import write_head_files

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
    """Relative path -> exact bytes of the fixture bundle."""
    weight, bias, head = fixture_head()
    files = {path: placeholder(artifact_id) for artifact_id, path, *_ in ARTIFACTS}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        head_block = write_head_files(root, Head(weight, bias, head))
        for path, data in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
        files.update({head_block[kind]: (root / head_block[kind]).read_bytes() for kind in ("safetensors", "json", "bin")})
        artifacts = [_artifact(root, *row) for row in ARTIFACTS]
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
        "head": head_block,
        "artifacts": artifacts,
        "toolchain": {"executorch": "1.5.1", "coremltools": "9.0"},
        "created": CREATED,
    }
    embedding = np.array([0.5, -1.0, 2.0, 0.25], dtype=np.float32)
    logits = weight @ embedding + bias
    probabilities = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    expected = {"embedding": embedding.tolist(), "logits": logits.tolist(), "probabilities": probabilities.tolist()}
    return {
        **files,
        "manifest.json": json.dumps(manifest, indent=2).encode(),
        "expected.json": json.dumps(expected, indent=2).encode(),
    }


# (id, path, format, precision, delegate, input shape). The .mlpackage is a folder, as Core ML writes it.
ARTIFACTS = [
    ("backbone-coreml-fp16", "backbone.mlpackage/PLACEHOLDER.txt", "coreml", "fp16", None, ["batch", 63]),
    ("backbone-executorch-fp32", "backbone_xnnpack_fp32.pte", "executorch", "fp32", "xnnpack", [1, 63]),
    # iOS-only: an ExecuTorch program delegated to Core ML, which Android must never pick.
    ("backbone-executorch-fp16-coreml", "backbone_coreml_fp16.pte", "executorch", "fp16", "coreml", [1, 63]),
]


def placeholder(artifact_id: str) -> bytes:
    return (f"Placeholder for the artifact {artifact_id}: the app unit tests read the manifest and the head only, "
            "and model binaries are not committed. Its sha256 in manifest.json is the sha256 of this text.\n").encode()


def _artifact(root: Path, artifact_id: str, path: str, fmt: str, precision: str, delegate: str | None, input_shape: list) -> dict:
    listed = path.split("/")[0]  # the .mlpackage folder, not the file inside it
    return {
        "id": artifact_id, "path": listed, "format": fmt, "role": "backbone", "precision": precision, "delegate": delegate,
        "sha256": artifact_sha256(root / listed), "size_bytes": artifact_size(root / listed),
        "inputs": [{"name": "landmarks", "shape": input_shape, "dtype": "float32"}],
        "outputs": [{"name": "embedding", "shape": [input_shape[0], EMBEDDING_SIZE], "dtype": "float32"}],
    }


def test_fixture_bundle_is_what_signport_writes():
    stale = [name for name, data in fixture_files().items() if (FIXTURE_DIR / name).read_bytes() != data]
    assert not stale, f"{stale} differ from what signport.core writes now; regenerate: python tests/demos/test_fixture_bundle.py"


def test_fixture_manifest_is_schema_valid_and_every_sha256_is_of_the_committed_bytes():
    manifest = load_manifest(FIXTURE_DIR, verify_files=True)  # re-hashes every artifact and head file
    head = HeadManifest.from_dict(json.loads((FIXTURE_DIR / manifest["head"]["json"]).read_text()))
    assert head.to_dict()["bin_layout"] == manifest["head"]["bin_layout"]
    weight, bias = head_from_bin((FIXTURE_DIR / manifest["head"]["bin"]).read_bytes(), head.num_classes, head.embedding_size)
    expected = json.loads((FIXTURE_DIR / "expected.json").read_text())
    np.testing.assert_allclose(weight @ np.asarray(expected["embedding"], np.float32) + bias, expected["logits"], rtol=1e-6)
    assert hashlib.sha256((FIXTURE_DIR / "head.bin").read_bytes()).hexdigest() == manifest["head"]["sha256"]["bin"]


if __name__ == "__main__":
    FIXTURE_DIR.mkdir(parents=True, exist_ok=True)
    for name, data in fixture_files().items():
        (FIXTURE_DIR / name).parent.mkdir(parents=True, exist_ok=True)
        (FIXTURE_DIR / name).write_bytes(data)
    print(f"wrote {FIXTURE_DIR}")
