"""swap-head: a fine-tuned head goes into an existing bundle without touching the backbone."""

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from signport.core.errors import HeadMismatchError
from signport.core.heads import Head, load_head, save_head
from signport.core.manifest import load_manifest
from signport.export.swap_head import swap_head
from signport.runtime import BundleModel, load_runner


@pytest.fixture
def bundle_copy(landmark_bundle, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(landmark_bundle, bundle)
    return bundle


def _new_head(bundle, tmp_path, labels=None, fingerprint=None, embedding_size=None, name="new"):
    old = load_head(bundle / "head.safetensors")
    rng = np.random.default_rng(1)
    size = embedding_size or old.manifest.embedding_size
    labels = labels or old.manifest.labels
    manifest = replace(
        old.manifest, labels=list(labels), embedding_size=size, metrics={"val_top1": 0.95, "personalised_for": "signer-7"},
        backbone_fingerprint=fingerprint or old.manifest.backbone_fingerprint,
    )
    head = Head(rng.standard_normal((len(labels), size)).astype(np.float32), rng.standard_normal(len(labels)).astype(np.float32), manifest)
    return save_head(tmp_path / name, head), head


def test_swap_head_installs_new_head_and_keeps_backbone_bytes(bundle_copy, tmp_path):
    before = load_manifest(bundle_copy)
    backbones = {a["path"]: a["sha256"] for a in before["artifacts"] if a["role"] == "backbone"}
    inode = (bundle_copy / "onnx" / "backbone-fp32.onnx").stat().st_ino
    path, head = _new_head(bundle_copy, tmp_path)

    report = swap_head(bundle_copy, path)

    after = load_manifest(bundle_copy)  # re-verifies every sha256
    assert {a["path"]: a["sha256"] for a in after["artifacts"] if a["role"] == "backbone"} == backbones
    assert (bundle_copy / "onnx" / "backbone-fp32.onnx").stat().st_ino == inode, "backbone was copied, not linked"
    assert after["head"]["sha256"] != before["head"]["sha256"] and after["head"]["metrics"]["val_top1"] == 0.95
    embedding = np.random.default_rng(2).standard_normal((5, head.manifest.embedding_size)).astype(np.float32)
    expected = embedding @ head.weight.T + head.bias
    for row in [a for a in after["artifacts"] if a["role"] == "head" and a["format"] != "coreml"]:
        np.testing.assert_allclose(load_runner(bundle_copy / row["path"], row["format"]).run(embedding), expected, rtol=1e-4, atol=1e-4)
        assert row["parity"]["passed"] is True
    model = BundleModel(bundle_copy, format="onnx", precision="fp32")
    inputs = np.random.default_rng(3).uniform(0.3, 0.7, (4, 63)).astype(np.float32)
    np.testing.assert_allclose(model.logits(inputs), model.embed(inputs) @ head.weight.T + head.bias, rtol=1e-5, atol=1e-5)
    # Fused models embed the old head: they are removed, and the report says so.
    assert not [a for a in after["artifacts"] if a["role"] == "model"]
    assert not (bundle_copy / "onnx" / "model-fp32.onnx").exists()
    lines = "\n".join(report.lines())
    assert "old head: val_top1 1" in lines and "new head: val_top1 0.95" in lines and "head.bin" in lines and "onnx/model-fp32.onnx" in lines
    assert after["head_history"][-1]["previous_sha256"] == before["head"]["sha256"]


def test_swap_head_rejects_other_backbone_and_leaves_bundle_unchanged(bundle_copy, tmp_path):
    path, _ = _new_head(bundle_copy, tmp_path, fingerprint="sha256:" + "b" * 64)
    before = (bundle_copy / "manifest.json").read_bytes()
    with pytest.raises(HeadMismatchError, match="another backbone"):
        swap_head(bundle_copy, path)
    assert (bundle_copy / "manifest.json").read_bytes() == before


def test_swap_head_rejects_other_embedding_size_even_with_force(bundle_copy, tmp_path):
    path, _ = _new_head(bundle_copy, tmp_path, embedding_size=7)
    with pytest.raises(HeadMismatchError, match="7-d embeddings"):
        swap_head(bundle_copy, path, force=True)


def test_swap_head_with_new_labels_needs_force_and_reports_them(bundle_copy, tmp_path):
    path, _ = _new_head(bundle_copy, tmp_path, labels=["A", "B", "C", "D", "E"])
    with pytest.raises(HeadMismatchError, match="labels differ .*adds E"):
        swap_head(bundle_copy, path)
    report = swap_head(bundle_copy, path, force=True)
    assert report.labels_added == ["E"] and report.labels_removed == []
    manifest = load_manifest(bundle_copy)
    assert manifest["labels"] == ["A", "B", "C", "D", "E"] and manifest["head"]["num_classes"] == 5
    assert json.loads((bundle_copy / "head.json").read_text())["labels"][-1] == "E"
    assert BundleModel(bundle_copy, format="executorch").logits(np.full((1, 63), 0.5, np.float32)).shape == (1, 5)
