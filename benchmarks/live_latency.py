"""Per-stage latency of `signport live` on real clips, per model input style: is the pipeline 30 fps here?

    python benchmarks/live_latency.py --data ../shared/data --out live_latency.json

Models are built untrained (latency does not depend on the weights) and run eagerly in PyTorch,
the slowest runtime, and MobileNetV2 also through ONNX Runtime (a runtime a bundle ships);
other runtimes only change the `model` stage. Every number comes from the same `run_live` the
CLI uses, so its timings.json reads the same way.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import torch

from signport.core.atomic import write_json
from signport.core.checkpoint import CheckpointMeta, save_checkpoint
from signport.core.labels import ASL_LETTERS, LETTERS_AZ
from signport.hands.model_file import DEFAULT_MODEL_DIR, resolve_hand_model
from signport.live.classifier import TorchCheckpointClassifier
from signport.live.config import LiveConfig
from signport.live.run import run_live
from signport.models import backbone_fingerprint, build_model
from signport.models.registry import model_preprocessing
from signport.core.host import host_description, host_line

MNV2 = {"width": 1.0, "input_size": 224}
# (name, architecture, arch_args, labels, input style, runtime)
SETUPS = [
    ("landmark MLP", "landmarks", {}, LETTERS_AZ, "landmarks", "pytorch"),
    ("MobileNetV2-224 hand crop", "mobilenet_v2", MNV2, ASL_LETTERS, "crop", "pytorch"),
    ("MobileNetV2-224 hand crop", "mobilenet_v2", MNV2, ASL_LETTERS, "crop", "onnxruntime"),
    ("MobileNetV2-224 landmark mask", "mobilenet_v2", MNV2, ASL_LETTERS, "mask", "onnxruntime"),
    ("3D-MobileNetV2-112 16 frames @15 fps", "mobilenet_v2_3d", {"width": 1.0, "input_size": 112, "clip_length": 16, "clip_fps": 15.0},
     tuple(f"gloss{i}" for i in range(100)), "frame", "onnxruntime"),
]


class OnnxRuntimeClassifier:
    """The checkpoint exported to ONNX and run by ONNX Runtime (until signport.runtime provides this)."""

    def __init__(self, checkpoint: Path, threads: int):
        import onnxruntime

        reference = TorchCheckpointClassifier(checkpoint, threads)
        self.labels, self.preprocessing = reference.labels, reference.preprocessing
        onnx_path = checkpoint / "model.onnx"
        example = torch.zeros(self.preprocessing.input_shape(1))
        torch.onnx.export(reference.model, (example,), str(onnx_path), dynamo=False, opset_version=17,
                          input_names=["input"], output_names=["logits"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.name = f"{checkpoint.name} (ONNX Runtime {onnxruntime.__version__})"

    def predict(self, batch):
        return self.session.run(None, {"input": batch})[0]


def save_untrained(architecture: str, arch_args: dict, labels, folder: Path) -> Path:
    torch.manual_seed(0)
    model = build_model(architecture, len(labels), **arch_args).eval()
    meta = CheckpointMeta(architecture=architecture, arch_args=arch_args, labels=list(labels),
                          preprocessing=model_preprocessing(architecture, **arch_args).to_dict(),
                          backbone_fingerprint=backbone_fingerprint(model), embedding_size=model.embedding_size)
    return save_checkpoint(folder, model.state_dict(), meta)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder (wlasl_sample/videos)")
    parser.add_argument("--clips", nargs="+", default=["68011", "68012"], help="WLASL sample ids (68011: 636x360, 68012: 1280x720)")
    parser.add_argument("--hand-model", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="runs per clip; the one with the lowest p50 total is kept "
                                                                "(a shared host's other load only ever adds time)")
    parser.add_argument("--out", type=Path, default=Path("live_latency.json"))
    args = parser.parse_args()

    hand_model = resolve_hand_model(args.hand_model, DEFAULT_MODEL_DIR)
    results = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        for name, architecture, arch_args, labels, style, runtime in SETUPS:
            checkpoint = save_untrained(architecture, arch_args, labels, Path(tmp) / f"{architecture}-{style}-{runtime}")
            classifier = (OnnxRuntimeClassifier(checkpoint, args.threads) if runtime == "onnxruntime"
                          else TorchCheckpointClassifier(checkpoint, args.threads))
            name = f"{name} [{runtime}]"
            for clip in args.clips:
                config = LiveConfig(source=str(args.data / "wlasl_sample/videos" / f"{clip}.mp4"),
                                    hand_model=hand_model, input_style=style, threads=args.threads)
                runs = [run_live(config, classifier) for _ in range(args.repeats)]
                summary = min(runs, key=lambda r: r["pipeline_total_ms"]["p50"])
                row = {"setup": name, "clip": clip, "repeats": args.repeats, "size": summary["source"]["size"], "frames": summary["frames"],
                       "frames_with_hand": summary["frames_with_hand"], "model_calls": summary["model_calls"],
                       "stages_ms": summary["stages_ms"], "pipeline_total_ms": summary["pipeline_total_ms"],
                       "fps_verdict": summary["fps_verdict"]}
                results.append(row)
                total = row["pipeline_total_ms"]
                print(f"{name:<52} {clip} {row['size'][0]}x{row['size'][1]}: total p50 {total['p50']:.1f} ms, p90 {total['p90']:.1f} ms, "
                      f"hand {row['stages_ms']['hand_detection']['p50']:.1f}/{row['stages_ms']['hand_detection']['p90']:.1f}, "
                      f"model {row['stages_ms']['model']['p50']:.1f}/{row['stages_ms']['model']['p90']:.1f}/max {row['stages_ms']['model']['max']:.1f} "
                      f"-> 30 fps {'yes' if row['fps_verdict']['meets_30fps'] else 'no'} "
                      f"({row['fps_verdict']['frames_over_budget']}/{row['frames']} frames over 33.3 ms)")
    report = {
        "machine": host_line(), "host": host_description(),
        "runtime": f"PyTorch {torch.__version__} eager or ONNX Runtime (per setup), {args.threads} threads; MediaPipe Tasks HandLandmarker (video mode, XNNPACK)",
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "results": results,
    }
    write_json(args.out, report)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
