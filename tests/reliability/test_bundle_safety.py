"""A bundle's results survive, its paths are contained, and its atomic updates leave nothing behind.

The bundle owns what its manifest lists; bench/ (results, imported phone runs, the report) and
anything else in the folder belong to the user and are carried over by swap-head and re-export.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import leftovers  # noqa: E402  (tests/reliability is on sys.path)

from signport.core import atomic
from signport.core.bundle import read_bundle
from signport.core.errors import BundleError, ToolchainError
from signport.core.manifest import MANIFEST_FILE, load_manifest


def _manifest(bundle: Path) -> dict:
    return json.loads((bundle / MANIFEST_FILE).read_text())


def _write_manifest(bundle: Path, manifest: dict) -> None:
    (bundle / MANIFEST_FILE).write_text(json.dumps(manifest))


def _phone_result(bundle_name: str, artifact_id: str) -> dict:
    return {"device": {"name": "Pixel 7", "os": "Android 14", "kind": "android"}, "bundle": bundle_name,
            "created": "2025-01-01T10:00:00+00:00",
            "results": [{"artifact_id": artifact_id, "runtime": "executorch", "compute_units": None, "threads": 2,
                         "latency_ms": {"p50": 1.0, "p90": 1.2, "p99": 1.5, "mean": 1.1}, "fps": 909.0, "load_ms": 12.0,
                         "iterations": 300, "warmup": 10}]}


# --- results survive ----------------------------------------------------------------------------

def test_bench_results_survive_swap_head_and_re_export(bundle_copy, checkpoint, new_head, cli):
    """The README's workflow: bench, import a phone run, swap the head, re-export: bench/ is kept."""
    code, _, err = cli("bench", "--bundle", bundle_copy, "--no-latency", "--samples", "8", "--threads", "1")
    assert code in (0, 1), err  # the verdict of an untrained model does not matter here
    bench_files = sorted(p.relative_to(bundle_copy) for p in (bundle_copy / "bench").rglob("*") if p.is_file())
    assert Path("bench/results.json") in bench_files and Path("bench/report.html") in bench_files
    (bundle_copy / "NOTES.md").write_text("my notes\n")
    before = {p: (bundle_copy / p).read_bytes() for p in bench_files}

    code, out, err = cli("swap-head", "--bundle", bundle_copy, "--head", new_head, "--threads", "1")
    assert code == 0, err
    assert "kept (not part of the bundle's manifest): NOTES.md, bench" in out
    assert {p: (bundle_copy / p).read_bytes() for p in bench_files} == before
    assert load_manifest(bundle_copy)["head"]["source"]["kind"] == "finetune"

    code, _, err = cli("export", "--from", checkpoint, "--out", bundle_copy, "--formats", "onnx", "--no-fused",
                       "--parity-samples", "16", "--threads", "1", "--no-progress")
    assert code == 0, err
    assert {p: (bundle_copy / p).read_bytes() for p in bench_files} == before
    assert (bundle_copy / "NOTES.md").read_text() == "my notes\n"
    assert not leftovers(bundle_copy.parent)


def test_re_export_over_an_unreadable_manifest_still_keeps_bench(bundle_copy, checkpoint, cli):
    (bundle_copy / "bench").mkdir()
    (bundle_copy / "bench" / "results.json").write_text("{}")
    (bundle_copy / MANIFEST_FILE).write_text("{broken")
    code, _, err = cli("export", "--from", checkpoint, "--out", bundle_copy, "--formats", "onnx", "--no-fused",
                       "--parity-samples", "16", "--threads", "1", "--no-progress")
    assert code == 0, err
    assert (bundle_copy / "bench" / "results.json").read_text() == "{}"
    load_manifest(bundle_copy)


def test_phone_results_for_another_bundle_or_artifact_are_refused(bundle_copy, tmp_path, fails_cleanly):
    name = _manifest(bundle_copy)["name"]
    other = tmp_path / "other.json"
    other.write_text(json.dumps(_phone_result("someone-elses-bundle", "onnx-backbone-fp32")))
    fails_cleanly("bench", "import", "--result", other, "--bundle", bundle_copy, names=[str(other), "someone-elses-bundle"])
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps(_phone_result(name, "executorch-backbone-int8")))
    fails_cleanly("bench", "import", "--result", unknown, "--bundle", bundle_copy, names=[str(unknown), "executorch-backbone-int8"])
    assert not (bundle_copy / "bench").exists()


# --- containment --------------------------------------------------------------------------------

@pytest.mark.parametrize("bad_path", ["../outside.onnx", "/etc/passwd", "onnx/../../outside.onnx", "onnx//backbone.onnx"])
def test_manifest_paths_outside_the_bundle_are_refused_by_every_reader(bundle_copy, new_head, bad_path, fails_cleanly):
    manifest = _manifest(bundle_copy)
    manifest["artifacts"][0]["path"] = bad_path
    _write_manifest(bundle_copy, manifest)
    fails_cleanly("swap-head", "--bundle", bundle_copy, "--head", new_head, names=[bad_path, "re-export"])
    fails_cleanly("bench", "--bundle", bundle_copy, "--no-latency", names=[bad_path])
    with pytest.raises(BundleError, match="re-export"):
        read_bundle(bundle_copy)


def test_head_path_outside_the_bundle_is_refused(bundle_copy, new_head, fails_cleanly):
    manifest = _manifest(bundle_copy)
    manifest["head"]["bin"] = "../head.bin"
    _write_manifest(bundle_copy, manifest)
    fails_cleanly("swap-head", "--bundle", bundle_copy, "--head", new_head, names=["../head.bin"])


def test_a_symbolic_link_out_of_the_bundle_is_refused(bundle_copy, tmp_path):
    manifest = _manifest(bundle_copy)
    row = manifest["artifacts"][0]
    outside = tmp_path / "secret.onnx"
    shutil.move(bundle_copy / row["path"], outside)
    os.symlink(outside, bundle_copy / row["path"])
    with pytest.raises(BundleError, match="leads outside the bundle"):
        load_manifest(bundle_copy)


def test_android_push_goes_through_the_checked_resolver(bundle_copy, tmp_path):
    from signport.device_bench.android import AdbCommands

    bundle = read_bundle(bundle_copy)
    commands = AdbCommands("adb", "SERIAL", bundle.name, "/sdcard/out.json").push(bundle)
    pushed = [c[-2] for c in commands if "push" in c]
    assert pushed and all(Path(p).resolve().is_relative_to(bundle_copy.resolve()) for p in pushed)
    bundle.manifest["head"]["json"] = "../../../../etc/passwd"  # a manifest changed after it was read
    with pytest.raises(BundleError, match="not normalised"):
        AdbCommands("adb", "SERIAL", bundle.name, "/sdcard/out.json").push(bundle)


def test_a_damaged_pte_is_called_damaged_not_a_missing_core_ml_backend(tmp_path):
    from signport.runtime import load_runner

    damaged = tmp_path / "backbone.pte"
    damaged.write_bytes(b"\x00" * 64)
    with pytest.raises(ToolchainError) as error:
        load_runner(damaged, "executorch", threads=1)
    assert "damaged" in str(error.value) and "Core ML" not in str(error.value)


# --- atomic operations leave nothing behind -----------------------------------------------------

def test_failed_swap_head_leaves_no_staging_folder(bundle_copy, checkpoint, tmp_path, fails_cleanly):
    from signport.core.heads import save_head
    from signport.models.head_io import head_from_model
    from signport.models import build_model

    stranger = build_model("landmarks", 4, hidden=[16, 8])
    head = save_head(tmp_path / "stranger", head_from_model(stranger, ["A", "B", "C", "D"], fingerprint="sha256:" + "0" * 64))
    before = (bundle_copy / MANIFEST_FILE).read_bytes()
    fails_cleanly("swap-head", "--bundle", bundle_copy, "--head", head, names=["another backbone"])
    assert (bundle_copy / MANIFEST_FILE).read_bytes() == before


def test_swap_failing_at_the_rename_restores_the_old_folder(tmp_path, monkeypatch):
    """Where the atomic exchange is unavailable the old folder is moved aside first; a failure of the
    second rename (read-only parent, full disk) must put it back and remove both siblings."""
    final = tmp_path / "bundle"
    final.mkdir()
    (final / "manifest.json").write_text("old")
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    real_replace = os.replace

    def replace(src, dst):
        if ".staging-" in str(src):
            raise PermissionError(13, "Permission denied", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(PermissionError):
        with atomic.staged_directory(final) as stage:
            (stage / "manifest.json").write_text("new")
    assert (final / "manifest.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]


def test_stale_siblings_of_a_killed_run_are_cleaned_at_the_next_run(bundle_copy, new_head, cli):
    dead_pid = 2 ** 22 + 12345  # above pid_max's default: no such process
    stale_staging = bundle_copy.parent / f".bundle.staging-{dead_pid}-abc"
    stale_retired = bundle_copy.parent / f".bundle.retired-{dead_pid}-def"
    for folder in (stale_staging, stale_retired):
        folder.mkdir()
        (folder / "half.bin").write_bytes(b"x")
    own_staging = bundle_copy.parent / f".bundle.staging-{os.getpid()}-old"  # this process, interrupted earlier: stale too
    own_staging.mkdir()
    code, _, err = cli("swap-head", "--bundle", bundle_copy, "--head", new_head, "--threads", "1")
    assert code == 0, err
    assert not stale_staging.exists() and not stale_retired.exists() and not own_staging.exists()
    assert not leftovers(bundle_copy.parent)


def test_a_retired_bundle_without_its_replacement_is_restored(tmp_path):
    """A kill between the two renames of the fallback swap leaves only the retired copy: restore it."""
    retired = tmp_path / f".bundle.retired-{2 ** 22 + 7}-xyz"
    retired.mkdir()
    (retired / "manifest.json").write_text("old")
    atomic.clean_stale_siblings(tmp_path / "bundle")
    assert (tmp_path / "bundle" / "manifest.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]


def test_sibling_of_a_running_process_is_left_alone(tmp_path):
    running = tmp_path / f".bundle.staging-{os.getppid()}-abc"
    running.mkdir()
    assert atomic.clean_stale_siblings(tmp_path / "bundle") == []
    assert running.exists()
