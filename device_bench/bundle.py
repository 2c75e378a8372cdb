"""Read-only view of an exported bundle: manifest, head, artifacts and the source checkpoint.

device_bench never writes into a bundle's artifacts; results go to a separate folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signport.core.errors import BundleError
from signport.core.heads import head_from_bin
from signport.core.manifest import MANIFEST_FILE, artifact_sha256, load_manifest
from signport.core.preprocessing import Preprocessing


@dataclass
class BenchBundle:
    root: Path
    manifest: dict
    preprocessing: Preprocessing
    head_weight: np.ndarray  # (C, D)
    head_bias: np.ndarray  # (C,)

    @property
    def name(self) -> str:
        return self.manifest["name"]

    @property
    def labels(self) -> list[str]:
        return list(self.manifest["labels"])

    @property
    def artifacts(self) -> list[dict]:
        return list(self.manifest["artifacts"])

    def artifact_path(self, artifact: dict) -> Path:
        return self.root / artifact["path"]

    def integrity_problem(self, artifact: dict) -> str | None:
        """Why this artifact's files differ from the manifest, or None when they match."""
        path = self.artifact_path(artifact)
        if not path.exists():
            return f"{path} is listed in the manifest but missing"
        actual = artifact_sha256(path)
        if actual != artifact["sha256"]:
            return f"{path.name} sha256 {actual[:12]}… differs from the manifest's {artifact['sha256'][:12]}…: modified after export"
        return None

    def apply_head(self, embeddings: np.ndarray) -> np.ndarray:
        """Logits from (N, D) embeddings with the bundle's current head, as the phone apps do it."""
        return np.asarray(embeddings, np.float32) @ self.head_weight.T + self.head_bias

    def source_checkpoint(self) -> tuple[Path | None, str]:
        """(checkpoint folder, why) for the manifest's source checkpoint; None when it is not here."""
        source = self.manifest.get("source_checkpoint") or {}
        recorded = source.get("path")
        if not recorded:
            return None, "the manifest records no source checkpoint path (pass --checkpoint CKPT)"
        path = Path(recorded)
        if not path.is_absolute():
            path = (self.root / path).resolve()
        if not (path / "checkpoint.json").is_file():
            return None, f"the source checkpoint {recorded} is not on this machine"
        return path, f"source checkpoint {path}"


def read_bundle(bundle_dir: str | Path) -> BenchBundle:
    """Load a bundle's manifest (schema-checked) and its head from head.bin, the file the apps
    apply. The head files must match the manifest (every artifact's logits go through them);
    an artifact whose bytes differ is reported as a failed row instead of aborting the run."""
    root = Path(bundle_dir)
    manifest = load_manifest(root, verify_files=False)
    head = manifest["head"]
    for kind, digest in head["sha256"].items():
        path = root / head[kind]
        if not path.is_file() or artifact_sha256(path) != digest:
            raise BundleError(f"{path} is missing or differs from {root / MANIFEST_FILE}; re-export the bundle, "
                              "or install heads only with `signport swap-head`")
    weight, bias = head_from_bin((root / head["bin"]).read_bytes(), head["num_classes"], head["embedding_size"])
    if head["num_classes"] != len(manifest["labels"]):
        raise BundleError(f"{root / MANIFEST_FILE}: the head has {head['num_classes']} classes but the manifest lists "
                          f"{len(manifest['labels'])} labels; re-export the bundle")
    return BenchBundle(root=root, manifest=manifest, preprocessing=Preprocessing.from_dict(manifest["preprocessing"]),
                       head_weight=np.asarray(weight, np.float32), head_bias=np.asarray(bias, np.float32))
