"""What the live pipeline needs from a model: logits for a batch, the labels, the preprocessing.

Any runtime fits behind this protocol (PyTorch here; ExecuTorch, ONNX Runtime and Core ML through
a bundle), so the pipeline never branches on where a model came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from signport.core.errors import BundleError, InputError
from signport.core.preprocessing import Preprocessing


class Classifier(Protocol):
    labels: list[str]
    preprocessing: Preprocessing

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """float32 batch shaped as `preprocessing.input_shape(n)` -> logits (n, len(labels))."""
        ...


class TorchCheckpointClassifier:
    """A signport checkpoint run eagerly in PyTorch (the reference runtime)."""

    def __init__(self, checkpoint: Path, threads: int | None = None):
        import torch

        from signport.models import model_from_checkpoint

        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        self.model, meta = model_from_checkpoint(checkpoint)
        self.meta = meta
        self.labels = list(meta.labels)
        self.preprocessing = Preprocessing.from_dict(meta.preprocessing)
        self.name = f"{meta.architecture} (PyTorch eager, {checkpoint})"

    def predict(self, batch: np.ndarray) -> np.ndarray:
        with self._torch.inference_mode():
            return self.model(self._torch.from_numpy(np.ascontiguousarray(batch, np.float32))).numpy()


class BundleClassifier:
    """An exported bundle run as the apps compose it: the backbone artifact through its runtime
    (signport.runtime), then head.bin as one matrix multiply; or the fused artifact."""

    def __init__(self, bundle: Path, runtime: str = "auto", precision: str = "auto", fused: bool = False,
                 threads: int | None = None, artifact_id: str | None = None):
        from signport.core.manifest import load_manifest
        from signport.runtime import BundleModel

        bundle = Path(bundle)
        manifest = load_manifest(bundle)
        self.artifact, self.choice = choose_live_artifact(manifest, runtime, precision, fused, where=bundle, artifact_id=artifact_id)
        self.model = BundleModel(bundle, format=self.artifact["format"], precision=self.artifact["precision"],
                                 delegate=self.artifact.get("delegate"), threads=threads, verify_files=False,
                                 role=self.artifact["role"])
        if getattr(self.model.backbone, "_image_input", False):
            # Such a package normalizes inside (mean/std baked in for CVPixelBuffer input); the live
            # inputs are already normalized tensors, so feeding it would normalize twice.
            raise BundleError(f"{bundle / self.artifact['path']}: this Core ML artifact takes RGB pixels (exported with "
                              "--coreml-image-input); `signport live` feeds normalized tensors: choose --runtime executorch or onnx")
        self.labels = list(self.model.labels)
        self.preprocessing = Preprocessing.from_dict(self.model.preprocessing)
        self.name = f"{artifact_label(self.artifact)} ({bundle})"

    def predict(self, batch: np.ndarray) -> np.ndarray:
        return self.model.logits(batch)


# The default artifact on this host: the format the phone apps ship first, then the others;
# float before quantized (the float artifact reproduces the checkpoint, int8 is opt-in).
FORMAT_PREFERENCE = ("executorch", "onnx", "coreml")
PRECISION_PREFERENCE = ("fp32", "fp16", "int8")


def artifact_label(artifact: dict) -> str:
    parts = [artifact["format"], artifact["precision"]] + ([artifact["delegate"]] if artifact.get("delegate") else [])
    composition = "fused model" if artifact["role"] == "model" else "backbone + head.bin"
    return f"{' '.join(parts)} {composition} ({artifact['path']})"


def choose_live_artifact(manifest: dict, runtime: str = "auto", precision: str = "auto", fused: bool = False,
                         where: str | Path = "bundle", artifact_id: str | None = None) -> tuple[dict, str]:
    """The artifact `signport live` runs and why: the one asked for (by id, or by runtime and
    precision), else this host's default."""
    from signport.runtime.availability import unavailable_reason

    role = "model" if fused else "backbone"
    rows = [a for a in manifest["artifacts"] if (a["id"] == artifact_id if artifact_id else a["role"] == role
            and (runtime == "auto" or a["format"] == runtime) and (precision == "auto" or a["precision"] == precision))]
    runnable = [a for a in rows if unavailable_reason(a["format"], a.get("delegate")) is None]
    if not runnable:
        have = ", ".join(f"{a['format']}/{a['role']}/{a['precision']}" + (f"/{a['delegate']}" if a.get("delegate") else "")
                         + (f" ({reason})" if (reason := unavailable_reason(a["format"], a.get("delegate"))) else "")
                         for a in manifest["artifacts"]) or "none"
        wanted = f"{'fused model' if fused else 'backbone'} for --runtime {runtime} --precision {precision}"
        raise BundleError(f"{where}: no runnable {wanted} on this host (the bundle has: {have}); "
                          "choose another --runtime/--precision, or re-export with that format and --quant")

    def rank(a: dict) -> tuple:
        parity = a.get("parity") or {}
        return (parity.get("passed") is False,
                FORMAT_PREFERENCE.index(a["format"]) if a["format"] in FORMAT_PREFERENCE else len(FORMAT_PREFERENCE),
                PRECISION_PREFERENCE.index(a["precision"]) if a["precision"] in PRECISION_PREFERENCE else len(PRECISION_PREFERENCE))

    chosen = min(runnable, key=rank)
    asked = runtime != "auto" or precision != "auto"
    why = ("as asked" if artifact_id or (runtime != "auto" and precision != "auto") else
           ("as asked, " if asked else "") + "default for this host: the runnable artifact the apps ship first "
           f"({' > '.join(FORMAT_PREFERENCE)}), float before int8; --runtime/--precision choose another")
    return chosen, why


def load_classifier(checkpoint: Path | None, bundle: Path | None, threads: int | None = None, runtime: str = "auto",
                    precision: str = "auto", fused: bool = False) -> Classifier:
    """The model to run live: a checkpoint (PyTorch eager) or a bundle (its exported artifacts)."""
    if (checkpoint is None) == (bundle is None):
        raise InputError("pass exactly one of --checkpoint DIR (a signport checkpoint) or --bundle DIR (an exported bundle)")
    if checkpoint is not None:
        if runtime != "auto" or precision != "auto" or fused:
            raise InputError("--runtime, --precision and --fused choose a bundle's artifact; use them with --bundle DIR")
        return TorchCheckpointClassifier(Path(checkpoint), threads)
    return BundleClassifier(Path(bundle), runtime, precision, fused, threads)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)
