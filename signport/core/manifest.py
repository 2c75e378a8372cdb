"""The bundle manifest: one JSON file that describes every artifact of an exported bundle.

Its JSON Schema (manifest.schema.json beside this file) is the contract with the iOS and
Android demos; tests parse the Swift and Kotlin sources against the same key names.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from signport.core.errors import BundleError
from signport.core.fingerprint import directory_sha256, file_sha256
from signport.core.test_vectors import vector_files

MANIFEST_FILE = "manifest.json"
BUNDLE_FORMAT = "signport-bundle"
SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")


@lru_cache(maxsize=1)
def manifest_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def validate_manifest(manifest: dict, where: str | Path = MANIFEST_FILE) -> None:
    """Raise BundleError naming the first schema violation."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(manifest_schema())
    errors = sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        location = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise BundleError(f"{where}: manifest invalid at {location}: {first.message}; re-export the bundle")


def artifact_sha256(path: Path) -> str:
    """sha256 of a file, or of a directory tree (Core ML .mlpackage folders)."""
    return directory_sha256(path) if path.is_dir() else file_sha256(path)


def artifact_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def load_manifest(bundle_dir: str | Path, verify_files: bool = True) -> dict:
    """Read, schema-validate and (optionally) check every listed file's sha256 and size."""
    bundle_dir = Path(bundle_dir)
    path = bundle_dir / MANIFEST_FILE
    if not path.is_file():
        raise BundleError(f"{path} not found; pass a folder written by `signport export --out`")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise BundleError(f"{path} is not valid JSON ({e}); re-export the bundle") from e
    validate_manifest(manifest, path)
    if verify_files:
        verify_bundle_files(bundle_dir, manifest)
    return manifest


def verify_bundle_files(bundle_dir: Path, manifest: dict) -> None:
    """Raise BundleError if any artifact or head file is missing or differs from the manifest."""
    listed = [(a["path"], a["sha256"]) for a in manifest["artifacts"]]
    head = manifest["head"]
    listed += [(head[kind], digest) for kind, digest in head["sha256"].items()]
    listed += vector_files(manifest.get("test_vectors"))
    for rel_path, expected in listed:
        target = bundle_dir / rel_path
        if not target.exists():
            raise BundleError(f"{target} is listed in {bundle_dir / MANIFEST_FILE} but missing; re-export the bundle")
        actual = artifact_sha256(target)
        if actual != expected:
            raise BundleError(
                f"{target} does not match {bundle_dir / MANIFEST_FILE} (sha256 {actual[:12]}… != {expected[:12]}…); "
                "it was modified after export: re-export, or install heads only with `signport swap-head`"
            )
