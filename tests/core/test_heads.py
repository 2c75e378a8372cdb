import json

import numpy as np
import pytest

from signport.core.errors import CheckpointError, HeadMismatchError
from signport.core.heads import Head, HeadManifest, check_head_compatible, head_from_bin, load_head, save_head

FP = "sha256:" + "a" * 64


def _head(c=4, d=8, fingerprint=FP):
    rng = np.random.default_rng(0)
    manifest = HeadManifest(labels=[f"L{i}" for i in range(c)], embedding_size=d, backbone_fingerprint=fingerprint, model_family="landmarks")
    return Head(rng.standard_normal((c, d)).astype(np.float32), rng.standard_normal(c).astype(np.float32), manifest)


def test_head_round_trip_preserves_tensors_and_manifest(tmp_path):
    head = _head()
    path = save_head(tmp_path / "h", head, write_bin=True)
    loaded = load_head(path)
    np.testing.assert_array_equal(loaded.weight, head.weight)
    np.testing.assert_array_equal(loaded.bias, head.bias)
    assert loaded.manifest.labels == head.manifest.labels
    assert loaded.manifest.backbone_fingerprint == FP


def test_head_bin_is_little_endian_weight_then_bias(tmp_path):
    head = _head(c=3, d=5)
    save_head(tmp_path / "h", head, write_bin=True)
    raw = (tmp_path / "h.bin").read_bytes()
    assert len(raw) == (3 * 5 + 3) * 4
    weight, bias = head_from_bin(raw, 3, 5)
    np.testing.assert_array_equal(weight, head.weight)
    np.testing.assert_array_equal(bias, head.bias)
    layout = json.loads((tmp_path / "h.json").read_text())["bin_layout"]
    assert layout["bias"]["offset"] == 3 * 5 * 4 and layout["byte_order"] == "little"


def test_swap_head_rejects_other_backbone():
    head = _head()
    with pytest.raises(HeadMismatchError, match="another backbone"):
        check_head_compatible(head.manifest, backbone_fingerprint="sha256:" + "b" * 64, embedding_size=8)
    assert check_head_compatible(head.manifest, backbone_fingerprint="sha256:" + "b" * 64, embedding_size=8, force=True)


def test_head_embedding_mismatch_is_never_forceable():
    with pytest.raises(HeadMismatchError, match="8-d embeddings"):
        check_head_compatible(_head().manifest, backbone_fingerprint=FP, embedding_size=16, force=True)


def test_head_label_mismatch_is_reported():
    with pytest.raises(HeadMismatchError, match="labels differ"):
        check_head_compatible(_head().manifest, backbone_fingerprint=FP, embedding_size=8, labels=["x", "y"])


def test_load_head_names_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="nope.safetensors"):
        load_head(tmp_path / "nope.safetensors")


def test_load_head_rejects_shape_that_contradicts_manifest(tmp_path):
    head = _head()
    save_head(tmp_path / "h", head)
    manifest = json.loads((tmp_path / "h.json").read_text())
    manifest["embedding_size"] = 9
    (tmp_path / "h.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match="do not match its manifest"):
        load_head(tmp_path / "h.safetensors")
