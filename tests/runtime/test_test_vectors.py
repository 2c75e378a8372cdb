"""Test vectors written by `signport export`: read back with their checks, run on this host's
runtimes, kept right by swap-head."""

import json

import numpy as np
import pytest

from signport.core.errors import BundleError
from signport.core.manifest import MANIFEST_FILE, load_manifest
from signport.core.test_vectors import read_test_vectors, vector_count
from signport.runtime.bundle import check_test_vectors


def test_export_writes_vectors_that_equal_eager_pytorch(runtime_bundle, runtime_checkpoint):
    from signport.models import model_from_checkpoint
    import torch

    manifest = load_manifest(runtime_bundle)
    block = manifest["test_vectors"]
    vectors = read_test_vectors(runtime_bundle, block)
    assert block["count"] == 8 and vectors.inputs.shape == (8, 63) and vectors.logits.shape == (8, 3)
    model, _ = model_from_checkpoint(runtime_checkpoint)
    with torch.no_grad():
        embeddings = model.backbone(torch.from_numpy(vectors.inputs)).numpy()
        logits = model(torch.from_numpy(vectors.inputs)).numpy()
    np.testing.assert_allclose(vectors.embeddings, embeddings, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(vectors.logits, logits, rtol=1e-5, atol=1e-6)
    # raw little-endian float32, row-major: what Swift and Kotlin read with one bulk copy
    raw = np.frombuffer((runtime_bundle / block["inputs"]["path"]).read_bytes(), "<f4")
    np.testing.assert_array_equal(raw.reshape(8, 63), vectors.inputs)


@pytest.mark.parametrize("artifact_id", ["executorch-backbone-fp32", "executorch-head-fp32", "onnx-backbone-fp32", "onnx-head-fp32"])
def test_vectors_round_trip_on_the_host_runtimes(runtime_bundle, artifact_id):
    result = check_test_vectors(runtime_bundle, artifact_id, threads=1)
    assert result["count"] == 8 and result["top1_agreement"] == 1.0
    assert result["max_abs_delta_rel_range"] < 1e-4


def test_a_changed_vector_file_is_refused(runtime_bundle, tmp_path):
    import shutil

    copy = tmp_path / "bundle"
    shutil.copytree(runtime_bundle, copy)
    path = copy / "test_vectors" / "logits.bin"
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="logits.bin does not match"):
        load_manifest(copy)


def test_swap_head_rewrites_the_expected_logits_for_the_new_head(runtime_bundle, tmp_path):
    import shutil

    from signport.core.heads import Head, save_head
    from signport.export.swap_head import swap_head

    copy = tmp_path / "bundle"
    shutil.copytree(runtime_bundle, copy)
    before = read_test_vectors(copy, load_manifest(copy)["test_vectors"])
    original_logits = (runtime_bundle / "test_vectors" / "logits.bin").read_bytes()
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    rng = np.random.default_rng(1)
    from signport.core.heads import load_head

    old = load_head(copy / "head")
    new = Head(rng.standard_normal(old.weight.shape).astype(np.float32), rng.standard_normal(old.bias.shape).astype(np.float32), old.manifest)
    save_head(tmp_path / "new_head", new)
    swap_head(copy, tmp_path / "new_head.safetensors", threads=1)
    after = read_test_vectors(copy, load_manifest(copy)["test_vectors"])
    np.testing.assert_array_equal(after.embeddings, before.embeddings)
    np.testing.assert_allclose(after.logits, before.embeddings @ new.weight.T + new.bias, rtol=1e-5, atol=1e-5)
    assert (runtime_bundle / "test_vectors" / "logits.bin").read_bytes() == original_logits  # hard links untouched
    assert manifest["test_vectors"]["logits"]["sha256"] != load_manifest(copy)["test_vectors"]["logits"]["sha256"]
    for artifact_id in ("onnx-backbone-fp32", "executorch-head-fp32"):
        assert check_test_vectors(copy, artifact_id, threads=1)["top1_agreement"] == 1.0


def test_vector_count_keeps_image_and_clip_bundles_small():
    assert vector_count((63,), 200) == 8
    assert vector_count((3, 224, 224), 200) == 3  # 3 images of 224 px fit 2 MiB
    assert vector_count((3, 16, 112, 112), 200) == 2
    assert vector_count((63,), 5) == 5
