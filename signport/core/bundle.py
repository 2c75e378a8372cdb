"""The one reader of an exported bundle: manifest, head and artifact files, for every consumer
(bench, runtime, live, swap-head, phone pushes). Paths go through the manifest's checked resolver.

What a bundle owns is what its manifest lists (artifacts, head files, the manifest itself);
anything else in the folder (bench/ results, a user's notes) belongs to the user, and swap-head
and re-export carry it over untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from signport.core.errors import BundleError
from signport.core.heads import head_from_bin
from signport.core.manifest import MANIFEST_FILE, artifact_sha256, load_manifest, manifest_paths, resolve_bundle_path
from signport.core.preprocessing import Preprocessing


@dataclass
class Bundle:
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

    def path(self, relative: str) -> Path:
        """A file the manifest names, checked to stay inside the bundle."""
        return resolve_bundle_path(self.root, relative)

    def artifact_path(self, artifact: dict) -> Path:
        return self.path(artifact["path"])

    def head_files(self) -> list[str]:
        """The head's files, relative, in the order the apps read them."""
        head = self.manifest["head"]
        return [head["safetensors"], head["json"], head["bin"]]

    def select_artifact(self, *, format: str, role: str = "backbone", precision: str | None = None,
                        delegate: str | None = None) -> dict:
        return select_artifact(self.manifest, format=format, role=role, precision=precision, delegate=delegate, where=self.root)

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
        """(checkpoint folder, why) for the manifest's source checkpoint; None when it is not here.
        The checkpoint lives outside the bundle by design, so this path is not confined to it."""
        source = self.manifest.get("source_checkpoint") or {}
        recorded = source.get("path")
        if not recorded or not isinstance(recorded, str):
            return None, "the manifest records no source checkpoint path (pass --checkpoint CKPT)"
        path = Path(recorded)
        if not path.is_absolute():
            path = (self.root / path).resolve()
        if not (path / "checkpoint.json").is_file():
            return None, f"the source checkpoint {recorded} is not on this machine"
        return path, f"source checkpoint {path}"


def owned_paths(manifest: dict) -> set[str]:
    """Every path a manifest owns (artifacts, head files, the manifest itself), relative."""
    return set(manifest_paths(manifest)) | {MANIFEST_FILE}


def user_entries(bundle_dir: str | Path, manifest: dict) -> list[str]:
    """Relative paths of what in `bundle_dir` the manifest does not own (bench/ results, notes):
    whole folders where nothing inside is owned, single files beside owned ones."""
    root = Path(bundle_dir)
    owned = owned_paths(manifest)
    owned_folders = {str(PurePosixPath(p).parent) for p in owned} | {
        "/".join(PurePosixPath(p).parts[:i]) for p in owned for i in range(1, len(PurePosixPath(p).parts))}
    entries, pending = [], [root]
    while pending:
        folder = pending.pop()
        for child in sorted(folder.iterdir()):
            relative = child.relative_to(root).as_posix()
            if relative in owned:
                continue
            if relative in owned_folders and child.is_dir() and not child.is_symlink():
                pending.append(child)
            else:
                entries.append(relative)
    return sorted(entries)


def select_artifact(
    manifest: dict, *, format: str, role: str = "backbone", precision: str | None = None, delegate: str | None = None,
    where: str | Path = "bundle",
) -> dict:
    """The manifest row for (format, role, precision, delegate). `precision` None prefers the
    unquantized artifact; `delegate` None prefers the format's default (first listed)."""
    rows = [
        a for a in manifest["artifacts"]
        if a["format"] == format and a["role"] == role and (delegate is None or a.get("delegate") == delegate)
        and (precision is None or a["precision"] == precision)
    ]
    if not rows:
        available = ", ".join(f"{a['format']}/{a['role']}/{a['precision']}" + (f"/{a['delegate']}" if a.get("delegate") else "")
                              for a in manifest["artifacts"])
        wanted = "/".join(str(p) for p in (format, role, precision or "*", delegate or "*"))
        raise BundleError(f"{where}: no {wanted} artifact in the bundle (it has: {available or 'none'}); "
                          "re-export with that format and --quant")
    if precision is None:
        rows.sort(key=lambda a: a["precision"] not in ("fp32", "fp16"))
    return rows[0]


def read_bundle(bundle_dir: str | Path, verify_artifacts: bool = False) -> Bundle:
    """Load a bundle's manifest (schema- and path-checked) and its head from head.bin, the file the
    apps apply. The head files must always match the manifest (every artifact's logits go through
    them); artifacts are hashed only with `verify_artifacts` (the bench reports a damaged artifact
    as a failed row instead of aborting the run)."""
    root = Path(bundle_dir)
    manifest = load_manifest(root, verify_files=verify_artifacts)
    head = manifest["head"]
    for kind, digest in head["sha256"].items():
        path = resolve_bundle_path(root, head.get(kind))
        if not path.is_file() or artifact_sha256(path) != digest:
            raise BundleError(f"{path} is missing or differs from {root / MANIFEST_FILE}; re-export the bundle, "
                              "or install heads only with `signport swap-head`")
    if head["num_classes"] != len(manifest["labels"]):
        raise BundleError(f"{root / MANIFEST_FILE}: the head has {head['num_classes']} classes but the manifest lists "
                          f"{len(manifest['labels'])} labels; re-export the bundle")
    weight, bias = head_from_bin(resolve_bundle_path(root, head["bin"]).read_bytes(), head["num_classes"], head["embedding_size"])
    return Bundle(root=root, manifest=manifest, preprocessing=Preprocessing.from_dict(manifest["preprocessing"]),
                  head_weight=np.asarray(weight, np.float32), head_bias=np.asarray(bias, np.float32))
