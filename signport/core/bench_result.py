"""The benchmark result format: one JSON shape for host runs and the phone demos' benchmark modes.

Its JSON Schema (bench_result.schema.json beside this file) is the contract; tests/demos
checks that the Swift and Kotlin writers use exactly its keys.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from signport.core.errors import InputError

SCHEMA_PATH = Path(__file__).with_name("bench_result.schema.json")


@lru_cache(maxsize=1)
def bench_result_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def validate_bench_result(result: dict, where: str | Path = "bench result") -> None:
    """Raise InputError naming the first schema violation."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(bench_result_schema())
    errors = sorted(validator.iter_errors(result), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        location = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise InputError(f"{where}: benchmark result invalid at {location}: {first.message}; re-run the benchmark with a current app")


def latency_summary(latencies_ms: list[float] | np.ndarray) -> dict:
    """p50/p90/p99/mean in ms, percentiles by linear interpolation (as the apps compute them)."""
    values = np.asarray(latencies_ms, dtype=np.float64)
    if values.size == 0:
        raise InputError("no latencies measured; run at least one iteration")
    p50, p90, p99 = np.percentile(values, [50, 90, 99])
    return {"p50": float(p50), "p90": float(p90), "p99": float(p99), "mean": float(values.mean())}


def load_bench_result(path: str | Path) -> dict:
    """Read and validate a result file (e.g. one pulled from a phone)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} not found; did the benchmark finish? (the demos write it atomically when done)")
    try:
        result = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise InputError(f"{path} is not valid JSON ({e}); re-run the benchmark") from e
    validate_bench_result(result, path)
    return result
