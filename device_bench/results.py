"""The results file: every bench run of a bundle, host and phones alike, in one JSON file.

  {"format": "signport-bench-results", "version": 1, "runs": {KEY: RUN, ...}}

KEY is "device|profile|timestamp", so runs from several devices and profiles accumulate and
a report can compare them. Each RUN carries the phone benchmark keys ("device", "bundle",
"results" rows with artifact_id/runtime/compute_units/threads/latency_ms/fps/load_ms/
iterations), so a phone's own JSON drops in unchanged.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import json
from pathlib import Path

from signport.core import atomic
from signport.core.errors import InputError

RESULTS_FORMAT = "signport-bench-results"
RESULTS_VERSION = 1
RESULT_ROW_KEYS = ("artifact_id", "runtime", "compute_units", "threads", "latency_ms", "fps", "load_ms", "iterations")
DEVICE_KEYS = ("name", "os", "kind")


def utc_timestamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def run_key(run: dict) -> str:
    return f"{run['device']['name']}|{run.get('profile', 'device')}|{run['timestamp']}"


def empty_results() -> dict:
    return {"format": RESULTS_FORMAT, "version": RESULTS_VERSION, "runs": {}}


def load_results(path: Path) -> dict:
    if not path.exists():
        return empty_results()
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise InputError(f"{path} is not valid JSON ({e}); move it aside and re-run the bench") from e
    if data.get("format") != RESULTS_FORMAT:
        raise InputError(f"{path} is not a signport bench results file (format={data.get('format')!r})")
    return data


@contextlib.contextmanager
def _locked(path: Path):
    """Serialize read-modify-write of one results file between concurrent bench runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def add_run(path: Path, run: dict) -> str:
    """Insert `run` under its key and rewrite the file atomically. Returns the key."""
    check_device_run(run, path)
    key = run_key(run)
    with _locked(path):
        results = load_results(path)
        results["runs"][key] = run
        atomic.write_json(path, results)
    return key


def check_device_run(run: dict, where: Path | str) -> None:
    """Raise InputError when a run lacks the keys shared with the phone benchmark JSON."""
    missing = [k for k in ("device", "bundle", "results") if k not in run]
    missing += [f"device.{k}" for k in DEVICE_KEYS if k not in run.get("device", {})]
    for i, row in enumerate(run.get("results", [])):
        if row.get("status", "ok") == "ok":
            missing += [f"results[{i}].{k}" for k in RESULT_ROW_KEYS if k not in row]
    if missing:
        raise InputError(f"{where}: benchmark result lacks {', '.join(missing[:5])}; produce it with the demo app's benchmark mode")


def device_run_from_json(data: dict, where: Path, timestamp: str | None = None) -> dict:
    """A phone's benchmark JSON as a run of the results file (labelled device-measured)."""
    from signport.device_bench.profiles import DEVICE_LABEL

    check_device_run(data, where)
    run = dict(data)
    run.setdefault("timestamp", timestamp or utc_timestamp())
    run.setdefault("profile", "device")
    run.setdefault("label", DEVICE_LABEL)
    run["results"] = [{"status": "ok", "label": run["label"], **row} for row in data["results"]]
    return run
