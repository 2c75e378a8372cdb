"""The bundle manifest: one JSON file that describes every artifact of an exported bundle.

Its JSON Schema (manifest.schema.json beside this file) is the contract with the iOS and
Android demos; tests parse the Swift and Kotlin sources against the same key names.

Every path a manifest names goes through `resolve_bundle_path`, the one checked resolver:
relative, normalised and, after symbolic links, inside the bundle. A manifest is data from
wherever the bundle came from, so it must never make a reader touch (or push to a phone) a
file outside its folder.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path, PurePosixPath

from signport.core.errors import BundleError
from signport.core.fingerprint import directory_sha256, file_sha256

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


def path_problem(relative) -> str | None:
    """Why `relative` cannot name a file inside a bundle, or None when it can."""
    if not isinstance(relative, str) or not relative:
        return "is not a non-empty string"
    if "\\" in relative or re.match(r"^[A-Za-z]:", relative) or any(ord(c) < 32 for c in relative):
        return "is not a '/'-separated relative path"
    if relative.startswith("/"):
        return "is absolute"
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "is not normalised (empty, '.' or '..' parts)"
    return None


def resolve_bundle_path(bundle_dir: str | Path, relative, where: str | Path | None = None) -> Path:
    """The file a manifest path names, checked: relative, normalised and inside `bundle_dir`
    even after following symbolic links. Raise BundleError otherwise."""
    bundle_dir = Path(bundle_dir)
    where = where or bundle_dir / MANIFEST_FILE
    problem = path_problem(relative)
    if problem:
        raise BundleError(f"{where}: path {relative!r} {problem}; a bundle may only name files inside its folder, re-export it")
    target = bundle_dir.joinpath(*PurePosixPath(relative).parts)
    root = bundle_dir.resolve()
    if not target.resolve().is_relative_to(root):
        raise BundleError(f"{where}: path {relative!r} leads outside the bundle (a symbolic link to {target.resolve()}); re-export it")
    return target


def manifest_paths(manifest: dict) -> list[str]:
    """Every file path the manifest names: artifacts, then the head files."""
    head = manifest["head"]
    return [a["path"] for a in manifest["artifacts"]] + [head[kind] for kind in ("safetensors", "json", "bin")]


def check_manifest_paths(bundle_dir: str | Path, manifest: dict, where: str | Path | None = None) -> None:
    for relative in manifest_paths(manifest):
        resolve_bundle_path(bundle_dir, relative, where)


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
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise BundleError(f"{path} is not valid JSON ({e}); re-export the bundle") from e
    if not isinstance(manifest, dict):
        raise BundleError(f"{path} is not a JSON object; re-export the bundle")
    validate_manifest(manifest, path)
    check_manifest_paths(bundle_dir, manifest, path)
    if verify_files:
        verify_bundle_files(bundle_dir, manifest)
    return manifest


def verify_bundle_files(bundle_dir: Path, manifest: dict) -> None:
    """Raise BundleError if any artifact or head file is missing or differs from the manifest."""
    listed = [(a["path"], a["sha256"]) for a in manifest["artifacts"]]
    head = manifest["head"]
    listed += [(head[kind], digest) for kind, digest in head["sha256"].items()]
    for rel_path, expected in listed:
        target = resolve_bundle_path(bundle_dir, rel_path)
        if not target.exists():
            raise BundleError(f"{target} is listed in {bundle_dir / MANIFEST_FILE} but missing; re-export the bundle")
        actual = artifact_sha256(target)
        if actual != expected:
            raise BundleError(
                f"{target} does not match {bundle_dir / MANIFEST_FILE} (sha256 {actual[:12]}… != {expected[:12]}…); "
                "it was modified after export: re-export, or install heads only with `signport swap-head`"
            )
