"""`signport live --bundle`: exported artifacts in the real-time loop, checked against the checkpoint
frame by frame on real videos (shared photos and WLASL clips) and a rendered signing video."""

import json

import numpy as np
import pytest
import torch

from signport.cli import main
from signport.core.errors import BundleError, InputError
from signport.live.classifier import BundleClassifier, choose_live_artifact, load_classifier
from signport.live.config import LiveConfig
from signport.live.outputs import sidecar_paths
from signport.live.run import run_live

from .conftest import save_tiny_checkpoint, write_video


def _export(checkpoint, out, quant=("fp32",), fused=False):
    from signport.export.config import ExportConfig
    from signport.export.pipeline import export_bundle

    export_bundle(ExportConfig(checkpoint=checkpoint, out=out, formats=("executorch", "onnx"), quant=quant, fused=fused,
                               executorch_coreml=False, calibration="synthetic", calibration_samples=32, parity_samples=16,
                               on_parity_failure="warn", threads=1))
    return out


@pytest.fixture(scope="module")
def gesture_bundle(gesture_checkpoint, tmp_path_factory):
    return _export(gesture_checkpoint, tmp_path_factory.mktemp("bundles") / "gestures", quant=("fp32", "int8"), fused=True)


@pytest.fixture(scope="module")
def image_bundle(image_checkpoint, tmp_path_factory):
    return _export(image_checkpoint, tmp_path_factory.mktemp("bundles") / "mnv2")


def _per_frame(config: LiveConfig, tmp_path, name: str, **overrides):
    transcript = tmp_path / f"{name}.txt"
    summary = run_live(LiveConfig(**{**config.__dict__, "transcript": transcript, **overrides}))
    frames_path, _ = sidecar_paths(transcript)
    records = [json.loads(line) for line in frames_path.read_text().splitlines()]
    return summary, {r["frame"]: r["prediction"] for r in records if "prediction" in r}


def _agreement(reference: dict, other: dict) -> float:
    assert reference and set(reference) == set(other), "the model must run on the same frames"
    return float(np.mean([reference[f] == other[f] for f in reference]))


@pytest.fixture(scope="module")
def eager_gestures(gesture_video, gesture_checkpoint, hand_model, tmp_path_factory):
    """The checkpoint's own live run over the gesture video: (summary, per-frame predictions)."""
    base = LiveConfig(source=str(gesture_video), hand_model=hand_model, window=5, threads=1, checkpoint=gesture_checkpoint)
    return _per_frame(base, tmp_path_factory.mktemp("eager"), "eager")


@pytest.mark.parametrize("runtime,precision,min_agreement", [
    ("executorch", "fp32", 0.99), ("executorch", "int8", 0.95), ("onnx", "fp32", 0.99), ("onnx", "int8", 0.95),
])
def test_bundle_gives_the_checkpoints_predictions_on_a_real_video(runtime, precision, min_agreement, gesture_video,
                                                                   eager_gestures, gesture_bundle, hand_model, tmp_path):
    base = LiveConfig(source=str(gesture_video), hand_model=hand_model, window=5, threads=1)
    reference_summary, reference = eager_gestures
    summary, predicted = _per_frame(LiveConfig(**{**base.__dict__, "bundle": gesture_bundle, "runtime": runtime,
                                                  "precision": precision}), tmp_path, f"{runtime}-{precision}")
    assert len(reference) >= 33
    assert _agreement(reference, predicted) >= min_agreement
    assert summary["text"] == reference_summary["text"] == "rock call four"


def test_fused_artifact_runs_live_too(gesture_video, eager_gestures, gesture_bundle, hand_model, tmp_path):
    base = LiveConfig(source=str(gesture_video), hand_model=hand_model, window=5, threads=1)
    _, reference = eager_gestures
    summary, predicted = _per_frame(LiveConfig(**{**base.__dict__, "bundle": gesture_bundle, "fused": True,
                                                  "runtime": "onnx", "precision": "fp32"}), tmp_path, "fused")
    assert _agreement(reference, predicted) >= 0.99 and summary["model"].startswith("onnx fp32 fused model")


def test_image_bundle_matches_the_checkpoint_on_a_wlasl_clip(shared_data, image_checkpoint, image_bundle, hand_model, tmp_path):
    base = LiveConfig(source=str(shared_data / "wlasl_sample/videos/68011.mp4"), hand_model=hand_model, max_frames=40, threads=1)
    _, reference = _per_frame(LiveConfig(**{**base.__dict__, "checkpoint": image_checkpoint}), tmp_path, "eager")
    _, predicted = _per_frame(LiveConfig(**{**base.__dict__, "bundle": image_bundle}), tmp_path, "bundle")
    assert len(reference) >= 30  # MediaPipe finds the signer's hand in most frames: the crop model ran on each
    assert _agreement(reference, predicted) >= 0.99


def test_image_bundle_matches_the_checkpoint_on_a_rendered_signing_video(image_checkpoint, image_bundle, hand_model, tmp_path):
    from signport.data.synth.recordings import render_signing_video

    video = tmp_path / "signing.mp4"
    from signport.data.video import write_video as write_rgb

    write_rgb(video, render_signing_video("BL", seed=0, seconds_per_letter=0.5, frame_hw=(240, 320), hand_size=120), 30.0)
    base = LiveConfig(source=str(video), hand_model=hand_model, input_style="frame", threads=1)
    _, reference = _per_frame(LiveConfig(**{**base.__dict__, "checkpoint": image_checkpoint}), tmp_path, "eager")
    _, predicted = _per_frame(LiveConfig(**{**base.__dict__, "bundle": image_bundle, "runtime": "executorch"}), tmp_path, "bundle")
    assert len(reference) == 40  # whole-frame input: the model runs on every frame, hand or not
    assert _agreement(reference, predicted) >= 0.99


def test_default_artifact_is_the_float_executorch_backbone_and_is_printed(gesture_video, gesture_bundle, hand_model, tmp_path, capsys):
    code = main(["live", "--source", str(gesture_video), "--bundle", str(gesture_bundle), "--hand-model", str(hand_model),
                 "--window", "5", "--threads", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "text: rock call four" in out
    assert "model: executorch fp32 xnnpack backbone + head.bin" in out and "default for this host" in out


def test_artifact_choice_prefers_float_and_names_what_the_bundle_has():
    manifest = {"artifacts": [
        {"id": "o8", "format": "onnx", "role": "backbone", "precision": "int8", "path": "o8"},
        {"id": "c", "format": "coreml", "role": "backbone", "precision": "fp16", "path": "c"},
        {"id": "o32", "format": "onnx", "role": "backbone", "precision": "fp32", "path": "o32"},
        {"id": "e32", "format": "executorch", "role": "backbone", "precision": "fp32", "delegate": "coreml", "path": "e"},
    ]}
    chosen, why = choose_live_artifact(manifest)
    assert chosen["id"] == "o32" and "default for this host" in why  # the Core ML .pte cannot run on Linux
    assert choose_live_artifact(manifest, precision="int8")[0]["id"] == "o8"
    with pytest.raises(BundleError, match=r"no runnable fused model .*CoreMLBackend"):
        choose_live_artifact(manifest, fused=True)


def test_bundle_flags_are_refused_with_a_checkpoint(image_checkpoint):
    with pytest.raises(InputError, match="--runtime, --precision and --fused"):
        load_classifier(image_checkpoint, None, runtime="onnx")


def test_missing_runtime_in_bundle_is_one_line_exit_2(image_bundle, tmp_path, capsys):
    code = main(["live", "--source", str(tmp_path / "x.mp4"), "--bundle", str(image_bundle), "--precision", "int8"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "no runnable backbone for --runtime auto --precision int8" in err[0]


def test_bundle_classifier_logits_equal_the_checkpoints(image_checkpoint, image_bundle):
    from signport.live.classifier import TorchCheckpointClassifier

    batch = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    reference = TorchCheckpointClassifier(image_checkpoint, threads=1).predict(batch)
    for runtime in ("executorch", "onnx"):
        logits = BundleClassifier(image_bundle, runtime=runtime, threads=1).predict(batch)
        scale = np.ptp(reference)
        assert np.abs(logits - reference).max() <= 1e-3 * scale


# ---------------------------------------------------------------- video models: one sliding window

@pytest.fixture(scope="module")
def causal_checkpoint(tmp_path_factory):
    from signport.models import build_model

    torch.manual_seed(0)
    args = {"width": 0.25, "input_size": 32, "clip_length": 8, "clip_fps": 15.0}
    model = build_model("mobilenet_v2_3d_causal", 3, **args).eval()
    return save_tiny_checkpoint(model, "mobilenet_v2_3d_causal", args, ["book", "wheelchair", "whistle"],
                                tmp_path_factory.mktemp("ckpt") / "causal")


def test_causal_streaming_steps_the_model_and_matches_its_clip_forward(causal_checkpoint, hand_model, tmp_path):
    """From zero states the step reproduces the causal clip model: the first output (after 8
    samples) equals the clip forward over those 8 sampled frames."""
    from signport.live.classifier import TorchCheckpointClassifier
    from signport.live.inputs import HandView, whole_frame

    rng = np.random.default_rng(0)
    frames = [np.roll(np.tile(np.linspace(0, 255, 64, dtype=np.uint8)[None, :, None], (48, 1, 3)), 3 * i, axis=1)
              + rng.integers(0, 20, (48, 64, 3), dtype=np.uint8) for i in range(24)]
    video = write_video(tmp_path / "moving.avi", frames)
    transcript = tmp_path / "t.txt"
    summary = run_live(LiveConfig(source=str(video), checkpoint=causal_checkpoint, hand_model=hand_model, streaming="causal",
                                  transcript=transcript, threads=1))
    records = [json.loads(line) for line in sidecar_paths(transcript)[0].read_text().splitlines()]
    predicted = [r for r in records if "prediction" in r]
    # 30 fps sampled every 2nd frame: the 8th sample is frame 14; after that every sample gives an output.
    assert [r["frame"] for r in predicted] == [14, 16, 18, 20, 22] and summary["model_calls"] == 5

    classifier = TorchCheckpointClassifier(causal_checkpoint, threads=1)
    import cv2

    capture, decoded = cv2.VideoCapture(str(video)), []
    while (frame := capture.read())[0]:
        decoded.append(cv2.cvtColor(frame[1], cv2.COLOR_BGR2RGB))
    clip = np.stack([whole_frame(HandView(decoded[i], None, None), classifier.preprocessing) for i in range(0, 16, 2)], axis=1)
    probabilities = torch.softmax(torch.from_numpy(classifier.predict(clip[None])), 1)[0].numpy()
    assert predicted[0]["prediction"] == classifier.labels[int(probabilities.argmax())]
    assert predicted[0]["confidence"] == pytest.approx(float(probabilities.max()), abs=1e-3)


def test_causal_streaming_refuses_a_non_causal_model(clip_checkpoint, hand_model, tmp_path):
    video = write_video(tmp_path / "v.avi", [np.zeros((48, 64, 3), np.uint8)] * 4)
    with pytest.raises(InputError, match="--streaming causal steps a causal model"):
        run_live(LiveConfig(source=str(video), checkpoint=clip_checkpoint, hand_model=hand_model, streaming="causal"))
