"""The parity reference and every artifact's outputs on the held-out set.

The reference is eager PyTorch rebuilt from the bundle's source checkpoint when it is here; its
backbone gives the embeddings and the bundle's own head gives the logits, as the apps compute
them. Without the checkpoint the first fp32 artifact that runs here stands in, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signport.core.errors import CheckpointError, InputError, SignportError
from signport.core.bundle import Bundle
from signport.device_bench.runtimes import unavailable_reason


@dataclass
class BenchReference:
    """What the bench compares artifacts to: eager PyTorch from the checkpoint, or an fp32 artifact."""

    kind: str  # "eager-checkpoint" | "fp32-artifact"
    description: str
    logits: np.ndarray
    embeddings: np.ndarray | None
    artifact_id: str | None = None
    checkpoint: Path | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "description": self.description, "artifact_id": self.artifact_id,
                "checkpoint": str(self.checkpoint) if self.checkpoint else None}


def resolve_checkpoint(bundle: Bundle, override: Path | None) -> tuple[Path | None, str]:
    """(checkpoint for the eager reference and baseline, why that one / why none)."""
    from signport.core.checkpoint import read_checkpoint_meta

    if override is not None:
        meta = read_checkpoint_meta(override)
        if meta.backbone_fingerprint != bundle.manifest["backbone_fingerprint"]:
            raise CheckpointError(
                f"--checkpoint {override}: its backbone is not the one {bundle.root} was exported from "
                "(fingerprints differ); pass the bundle's source checkpoint"
            )
        return Path(override), f"--checkpoint {override}"
    path, why = bundle.source_checkpoint()
    if path is None:
        return None, why
    if read_checkpoint_meta(path).backbone_fingerprint != bundle.manifest["backbone_fingerprint"]:
        return None, f"the source checkpoint {path} no longer matches the bundle's backbone fingerprint"
    return path, why


def eager_reference(bundle: Bundle, checkpoint: Path, why: str, inputs: np.ndarray, threads: int) -> BenchReference:
    from signport.runtime import RUNNERS

    backbone = RUNNERS["pytorch"](checkpoint, threads, part="backbone")
    embeddings = np.concatenate([backbone.run(batch) for batch in np.array_split(inputs, max(1, len(inputs) // 16))])
    return BenchReference("eager-checkpoint", f"eager PyTorch from {why}", bundle.apply_head(embeddings), embeddings,
                     checkpoint=checkpoint)


def artifact_reference(bundle: Bundle, inputs: np.ndarray, threads: int, why_no_checkpoint: str) -> BenchReference:
    """Fallback when the checkpoint is not here: the first fp32 artifact that runs on this host."""
    problems = []
    order = {"executorch": 0, "onnx": 1, "coreml": 2}
    candidates = sorted((a for a in bundle.artifacts if a["precision"] == "fp32" and a["role"] in ("backbone", "model")
                         and unavailable_reason(a["format"], a.get("delegate")) is None),
                        key=lambda a: order.get(a["format"], 9))
    for artifact in candidates:
        try:
            logits, embeddings = artifact_outputs(bundle, artifact, inputs, threads, None)
        except SignportError as e:  # try the next fp32 artifact; all problems are reported if none runs
            problems.append(f"{artifact['id']}: {e}")
            continue
        description = f"fp32 artifact {artifact['id']} (no eager reference: {why_no_checkpoint})"
        return BenchReference("fp32-artifact", description, logits, embeddings, artifact_id=artifact["id"])
    raise InputError(
        f"{bundle.root}: no reference for parity ({why_no_checkpoint}; no fp32 artifact runs here"
        f"{': ' + '; '.join(problems) if problems else ''}); pass --checkpoint CKPT"
    )


def artifact_outputs(
    bundle: Bundle, artifact: dict, inputs: np.ndarray, threads: int, reference_embeddings: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """(logits, embeddings or None) of one artifact on the held-out set, one sample per call
    (batch 1, as on a phone). Backbones go through the bundle's head.bin; heads eat the
    reference's embeddings."""
    from signport.runtime import load_runner

    if artifact["role"] == "head":
        if reference_embeddings is None:
            raise InputError("a head artifact needs reference embeddings; pass --checkpoint")
        inputs = reference_embeddings
    try:
        runner = load_runner(bundle.artifact_path(artifact), artifact["format"], threads)
        outputs = np.concatenate([np.asarray(runner.run(x[None])).reshape(1, -1) for x in inputs])
    except SignportError:
        raise
    except Exception as e:  # a runtime's own exception types: reported on the artifact's row
        raise SignportError(f"{type(e).__name__}: {e}") from e
    if artifact["role"] == "backbone":
        expected = bundle.manifest["embedding_size"]
        if outputs.shape[1] != expected:
            raise SignportError(f"outputs {outputs.shape[1]}-d embeddings, the manifest says {expected}-d")
        return bundle.apply_head(outputs), outputs
    if outputs.shape[1] != len(bundle.labels):
        raise SignportError(f"outputs {outputs.shape[1]} logits for {len(bundle.labels)} labels")
    return outputs, None
