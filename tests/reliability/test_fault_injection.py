"""Signals in the middle of export and swap-head: the bundle is always the old one or the new one,
never a mix, and what a killed run leaves beside it is gone after the next run.

Each run is a real `python -m signport.cli` process, signalled once its staging folder exists
(the moment it is writing the new bundle)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import leftovers  # noqa: E402  (tests/reliability is on sys.path)

from signport.core.manifest import MANIFEST_FILE, load_manifest


def _head_sha(bundle: Path) -> str:
    return load_manifest(bundle)["head"]["sha256"]["bin"]  # load_manifest re-hashes every file: a mix fails here


def _start(*argv) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "signport.cli", *map(str, argv)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _signal_while_staging(process: subprocess.Popen, parent: Path, signum: int, timeout: float = 120) -> None:
    """Send `signum` once `process` has its own staging folder (one named with its pid)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(f".staging-{process.pid}-" in p.name for p in parent.iterdir()):
            process.send_signal(signum)
            return
        if process.poll() is not None:
            pytest.fail(f"the command ended before it staged anything: {process.communicate()}")
        time.sleep(0.01)
    process.kill()
    pytest.fail("no staging folder appeared")


def _swap(bundle: Path, head: Path) -> subprocess.Popen:
    return _start("swap-head", "--bundle", bundle, "--head", head, "--threads", "1")


def test_swap_head_killed_or_interrupted_mid_way_leaves_the_old_bundle(bundle_copy, new_head, cli):
    old = _head_sha(bundle_copy)
    manifest_before = (bundle_copy / MANIFEST_FILE).read_bytes()

    process = _swap(bundle_copy, new_head)
    _signal_while_staging(process, bundle_copy.parent, signal.SIGKILL)
    process.wait(timeout=60)
    assert _head_sha(bundle_copy) == old and (bundle_copy / MANIFEST_FILE).read_bytes() == manifest_before

    process = _swap(bundle_copy, new_head)
    _signal_while_staging(process, bundle_copy.parent, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    if process.returncode == 0:  # the signal landed after the exchange: then it is the new bundle, whole
        assert _head_sha(bundle_copy) != old
    else:
        assert process.returncode == 130 and err.strip().splitlines()[-1] == "signport swap-head: interrupted", err
        assert "Traceback" not in err and _head_sha(bundle_copy) == old
    # SIGINT cleans up at once; the SIGKILLed run's staging folder is cleaned by the next run
    code, _, err = cli("swap-head", "--bundle", bundle_copy, "--head", new_head, "--threads", "1")
    assert code == 0, err
    assert _head_sha(bundle_copy) != old
    assert not leftovers(bundle_copy.parent), leftovers(bundle_copy.parent)


def test_export_killed_mid_way_leaves_the_old_bundle_and_sigterm_cleans_up(bundle_copy, checkpoint):
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in bundle_copy.rglob("*") if p.is_file()}
    argv = ("export", "--from", checkpoint, "--out", bundle_copy, "--formats", "onnx", "--no-fused", "--parity-samples", "16",
            "--threads", "1", "--no-progress")
    process = _start(*argv)
    _signal_while_staging(process, bundle_copy.parent, signal.SIGKILL)
    process.wait(timeout=60)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in bundle_copy.rglob("*") if p.is_file()}
    assert after == before
    load_manifest(bundle_copy)

    process = _start(*argv)
    _signal_while_staging(process, bundle_copy.parent, signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode in (0, 143), err
    load_manifest(bundle_copy)
    assert not [p for p in bundle_copy.parent.iterdir() if f".staging-{process.pid}-" in p.name]  # SIGTERM ran the cleanup
