"""The results file: every bench run of a bundle, host and phones alike, in one JSON file.

  {"format": "signport-bench-results", "version": 1, "runs": {KEY: RUN, ...}}

KEY is "device|profile|created", so runs from several devices and profiles accumulate and a
report can compare them. A RUN is a bench result (signport/core/bench_result.schema.json:
"device", "bundle", "created", "results") plus what only the host measures (profile, label,
parity, budget, RSS, raw samples); `bench_result_view` strips it back to the schema, and every
run is validated that way before it is stored.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import json
from pathlib import Path

from signport.core import atomic
from signport.core.bench_result import bench_result_schema, validate_bench_result
from signport.core.errors import BundleError, InputError

RESULTS_FORMAT = "signport-bench-results"
RESULTS_VERSION = 1


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def run_key(run: dict) -> str:
    return f"{run['device']['name']}|{run.get('profile', 'device')}|{run['created']}"


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


def runs_newest_first(results: dict) -> list[dict]:
    return sorted(results["runs"].values(), key=lambda r: r["created"], reverse=True)


def bench_result_view(run: dict) -> dict | None:
    """The run as a schema bench result: measured rows only, schema keys only (None if no row ran)."""
    schema = bench_result_schema()
    row_keys = schema["properties"]["results"]["items"]["properties"].keys()
    rows = [{k: row[k] for k in row_keys if k in row} for row in run["results"] if row.get("status", "ok") == "ok"]
    if not rows:
        return None
    return {"device": run["device"], "bundle": run["bundle"], "created": run["created"], "results": rows}


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
    """Validate `run`, insert it under its key and rewrite the file atomically. Returns the key."""
    view = bench_result_view(run)
    if view is not None:
        validate_bench_result(view, f"run on {run['device']['name']}")
    key = run_key(run)
    with _locked(path):
        results = load_results(path)
        results["runs"][key] = run
        atomic.write_json(path, results)
    return key


def device_run_from_json(data: dict, where: Path | str) -> dict:
    """A phone's benchmark JSON (validated against the schema) as a run of the results file,
    labelled device-measured."""
    from signport.device_bench.profiles import DEVICE_LABEL

    validate_bench_result(data, where)
    return {
        **data,
        "created": data.get("created") or utc_now(),
        "profile": "device",
        "label": DEVICE_LABEL,
        "results": [{**row, "status": "ok", "label": DEVICE_LABEL} for row in data["results"]],
    }


def check_run_matches_bundle(run: dict, manifest: dict, where: Path | str) -> None:
    """Refuse a phone's result for another bundle or for artifacts the bundle does not have: stored,
    it would be reported as a device measurement of this bundle."""
    if run["bundle"] != manifest["name"]:
        raise BundleError(f"{where} was measured on bundle {run['bundle']!r}, not {manifest['name']!r}; "
                          "import it into that bundle's results (--bundle DIR)")
    known = {a["id"] for a in manifest["artifacts"]}
    unknown = sorted({row["artifact_id"] for row in run["results"]} - known)
    if unknown:
        raise BundleError(f"{where} reports artifact(s) {', '.join(unknown)} that bundle {manifest['name']!r} does not have "
                          f"(it has {', '.join(sorted(known))}); was the phone running an older export?")
