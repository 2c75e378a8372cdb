"""Runners load each format through its real runtime and agree with eager PyTorch."""

import platform

import numpy as np
import pytest

from signport.core.errors import BundleError, InputError, ToolchainError
from signport.runtime import RUNNERS, BundleModel, load_runner


@pytest.mark.parametrize("fmt,path", [("onnx", "onnx/backbone-fp32.onnx"), ("executorch", "executorch/backbone-fp32.pte")])
def test_runner_matches_eager_backbone(runtime_bundle, runtime_checkpoint, landmark_batch, fmt, path):
    eager = load_runner(runtime_checkpoint, "pytorch", part="backbone")
    runner = load_runner(runtime_bundle / path, fmt, threads=1)
    out = runner.run(landmark_batch)
    assert out.shape == (7, 16)
    np.testing.assert_allclose(out, eager.run(landmark_batch), rtol=1e-5, atol=1e-5)
    assert runner.load_seconds > 0 and runner.format == fmt


def test_fixed_batch_artifact_runs_any_batch_one_sample_at_a_time(runtime_bundle, landmark_batch):
    runner = load_runner(runtime_bundle / "executorch/backbone-fp32.pte", "executorch")
    assert runner.input_shape == (1, 63)
    np.testing.assert_allclose(runner.run(landmark_batch)[3], runner.run(landmark_batch[3:4])[0], rtol=0, atol=0)


def test_runner_rejects_input_of_wrong_shape_naming_the_artifact(runtime_bundle):
    runner = load_runner(runtime_bundle / "onnx/backbone-fp32.onnx", "onnx")
    with pytest.raises(InputError, match=r"backbone-fp32.onnx: input of shape \(2, 42\) does not fit the artifact's \(1, 63\)"):
        runner.run(np.zeros((2, 42), np.float32))


def test_thread_counts_reach_the_runtimes(runtime_bundle):
    from executorch.extension.pybindings import portable_lib

    load_runner(runtime_bundle / "executorch/backbone-fp32.pte", "executorch", threads=1)
    assert portable_lib._threadpool_get_thread_count() == 1
    load_runner(runtime_bundle / "executorch/backbone-fp32.pte", "executorch", threads=2)
    assert portable_lib._threadpool_get_thread_count() == 2
    onnx = load_runner(runtime_bundle / "onnx/backbone-fp32.onnx", "onnx", threads=1)
    assert onnx._session.get_session_options().intra_op_num_threads == 1


@pytest.mark.skipif(platform.system() == "Darwin", reason="Core ML predicts on macOS")
def test_coreml_runner_says_predict_needs_macos(tmp_path):
    package = tmp_path / "model.mlpackage"
    package.mkdir()
    with pytest.raises(ToolchainError, match="Core ML predict needs macOS"):
        load_runner(package, "coreml")


def test_unknown_format_and_missing_file_are_named(tmp_path):
    with pytest.raises(InputError, match="unknown runtime 'tflite'; choose one of"):
        load_runner(tmp_path, "tflite")
    with pytest.raises(InputError, match="nope.onnx not found"):
        load_runner(tmp_path / "nope.onnx", "onnx")
    assert set(RUNNERS) == {"executorch", "onnx", "coreml", "pytorch"}


@pytest.mark.parametrize("fmt", ["onnx", "executorch"])
@pytest.mark.parametrize("head_source", ["bin", "artifact"])
def test_bundle_model_gives_eager_logits(runtime_bundle, runtime_checkpoint, landmark_batch, fmt, head_source):
    model = BundleModel(runtime_bundle, format=fmt, head_source=head_source, threads=1)
    expected = load_runner(runtime_checkpoint, "pytorch").run(landmark_batch)
    np.testing.assert_allclose(model.logits(landmark_batch), expected, rtol=1e-4, atol=1e-5)
    assert model.predict(landmark_batch) == [model.labels[i] for i in expected.argmax(1)]
    assert model.labels == ["x", "y", "z"] and model.preprocessing["input_kind"] == "landmarks"


def test_bundle_model_names_what_the_bundle_has_when_asked_for_something_else(runtime_bundle):
    with pytest.raises(BundleError, match="no onnx/backbone/int8/\\* artifact .*it has: .*onnx/backbone/fp32"):
        BundleModel(runtime_bundle, format="onnx", precision="int8")
