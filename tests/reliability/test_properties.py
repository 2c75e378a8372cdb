"""Property tests (hypothesis): the manifest loader and the landmark readers either return something
consistent or raise our own input error naming the file, whatever bytes they are given."""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signport.core.errors import InputError
from signport.core.manifest import MANIFEST_FILE, load_manifest, manifest_schema, path_problem, resolve_bundle_path

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Path pieces that stress the resolver: traversal, absolute, Windows forms, empty parts, odd characters.
SEGMENTS = st.sampled_from(["onnx", "backbone-fp32.onnx", "..", ".", "", "C:", "a\\b", " ", "é", "\x00", "\n", "...", ".hidden"])
PATHS = st.one_of(st.lists(SEGMENTS, min_size=1, max_size=4).map("/".join), st.text(max_size=12),
                  st.lists(SEGMENTS, max_size=3).map(lambda parts: "/" + "/".join(parts)))
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=8)


@pytest.fixture(scope="module")
def workspace(bundle, tmp_path_factory):
    """A private copy of the session bundle whose manifest each example rewrites."""
    folder = tmp_path_factory.mktemp("property") / "bundle"
    shutil.copytree(bundle, folder)
    return folder, json.loads((bundle / MANIFEST_FILE).read_text())


def _load(folder: Path, manifest) -> dict | None:
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    try:
        return load_manifest(folder)
    except InputError as e:
        assert str(folder) in str(e), e  # the message names the bundle
        return None


@FAST
@given(path=PATHS)
def test_resolver_accepts_only_paths_inside_the_bundle(path):
    root = Path(tempfile.gettempdir()) / "signport-property-root"
    try:
        target = resolve_bundle_path(root, path)
    except InputError as e:
        assert "re-export" in str(e)
        return
    assert path_problem(path) is None
    assert root.resolve() in target.resolve().parents


@FAST
@given(path=PATHS)
def test_schema_and_resolver_agree_on_artifact_paths(path):
    import jsonschema

    schema = manifest_schema()
    validator = jsonschema.Draft202012Validator({**schema["$defs"]["relative_path"], "$defs": schema["$defs"]})
    if path_problem(path) is None:
        assert validator.is_valid(path), path  # the apps (schema only) accept all the loader accepts
    elif not any(ord(c) < 32 for c in path):  # control characters: only the loader's own check sees all of them
        assert not validator.is_valid(path), path


@FAST
@given(path=PATHS, which=st.sampled_from(["artifact", "bin", "json"]))
def test_loader_never_follows_a_path_out_of_the_bundle(workspace, path, which):
    folder, manifest = workspace
    changed = copy.deepcopy(manifest)
    if which == "artifact":
        changed["artifacts"][0]["path"] = path
    else:
        changed["head"][which] = path
    loaded = _load(folder, changed)
    if loaded is not None:  # only a path that names the very same file inside the bundle passes the sha256 check
        assert path_problem(path) is None


@FAST
@given(data=st.data())
def test_any_corruption_of_a_manifest_is_an_input_error_or_harmless(workspace, data):
    folder, manifest = workspace
    changed = copy.deepcopy(manifest)
    node, key = changed, None
    for _ in range(data.draw(st.integers(1, 4))):  # walk to a random place in the manifest
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        if not isinstance(node[key], (dict, list)):
            break
        parent, node = node, node[key]
    target = node if isinstance(node, (dict, list)) and key is None else locals().get("parent", changed)
    if isinstance(target, dict) and key in target or isinstance(target, list) and isinstance(key, int) and key < len(target):
        target[key] = data.draw(JSON)
    _load(folder, changed)  # must not raise anything but InputError


def _write_csv(path: Path, labels: list[str], rows: np.ndarray) -> None:
    header = "label," + ",".join(f"{axis}{i}" for i in range(21) for axis in "xyz")
    lines = [f"{label}," + ",".join("" if np.isnan(v) else repr(float(v)) for v in row) for label, row in zip(labels, rows)]
    path.write_text(header + "\n" + "\n".join(lines) + "\n")


LABEL_NAMES = st.sampled_from(["A", "B", "C", "space", "del", "nothing", "a", " B ", "Ä", "1"])
COORDINATES = st.floats(min_value=-2, max_value=2, width=32) | st.just(float("nan")) | st.just(float("inf"))


@FAST
@given(labels=st.lists(LABEL_NAMES, min_size=1, max_size=12), data=st.data(), form=st.sampled_from(["csv", "npz"]))
def test_landmark_readers_return_consistent_sets_or_a_data_error(tmp_path, labels, data, form):
    from signport.data.loaders import load_dataset
    from signport.data.loaders.landmarks import canonical_label

    rows = np.array(data.draw(st.lists(st.lists(COORDINATES, min_size=63, max_size=63), min_size=len(labels),
                                       max_size=len(labels))), np.float32)
    for row in range(len(rows)):  # most rows all-NaN or all-number, as MediaPipe writes them
        if data.draw(st.booleans()):
            rows[row] = np.nan if data.draw(st.booleans()) else np.nan_to_num(rows[row], posinf=0.5)
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / f"set.{form}"
    if form == "csv":
        _write_csv(path, labels, rows)
    else:
        np.savez(path, landmarks=rows.reshape(-1, 21, 3), labels=np.array(labels))
    try:
        result = load_dataset(path, kind="landmarks")
    except InputError as e:
        assert str(path) in str(e), e
        return
    assert result.landmarks.shape == (len(result.labels), 21, 3)
    assert np.isfinite(result.landmarks).all()
    assert set(result.classes) == set(result.labels)
    kept_rows = ~np.isnan(rows).any(axis=1)
    assert len(result.labels) == int(kept_rows.sum())  # only rows without a hand are dropped
    expected = {canonical_label(label) for label, kept in zip(labels, kept_rows) if kept or canonical_label(label) != "nothing"}
    assert set(result.classes) == expected  # no class vanishes, except 'nothing' (no hand) without a hand


@FAST
@given(shape=st.lists(st.integers(0, 5), min_size=0, max_size=4), dtype=st.sampled_from(["<f4", "<i8", "<U3", "|b1"]),
       labels=st.lists(LABEL_NAMES, max_size=5))
def test_npz_of_any_shape_is_read_or_refused_with_the_file_named(tmp_path, shape, dtype, labels):
    from signport.data.loaders import load_dataset

    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "odd.npz"
    np.savez(path, landmarks=np.zeros(shape, dtype), labels=np.array(labels, dtype="<U8"))
    try:
        result = load_dataset(path, kind="landmarks")
    except InputError as e:
        assert str(path) in str(e), e
        return
    assert result.landmarks.shape[1:] == (21, 3) and len(result.labels) == len(result.landmarks)
