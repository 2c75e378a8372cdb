"""Run a plan: each step through the `signport` CLI itself, resumable step by step.

A step that finished leaves a marker (its command line, exit code and time) under
OUT/.steps/; re-running the quickstart skips steps whose marker matches their command line.
When a step does run, every later step runs again too, since it may read what changed.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from signport.core import atomic
from signport.quickstart.plan import Step


@dataclass
class StepResult:
    step: Step
    exit_code: int
    seconds: float
    skipped: bool  # finished in an earlier run

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def _argv_key(step: Step) -> str:
    return hashlib.sha256(json.dumps(step.argv).encode()).hexdigest()


def read_marker(markers: Path, step: Step) -> dict | None:
    path = markers / f"{step.name}.json"
    if not path.is_file():
        return None
    try:
        marker = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    if marker.get("argv_sha256") != _argv_key(step) or not all(Path(p).exists() for p in step.outputs):
        return None
    return marker


def write_marker(markers: Path, step: Step, exit_code: int, seconds: float) -> None:
    atomic.write_json(markers / f"{step.name}.json", {
        "step": step.name, "argv": ["signport", *step.argv], "argv_sha256": _argv_key(step), "exit_code": exit_code,
        "seconds": round(seconds, 2), "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    })


def run_plan(steps: list[Step], markers: Path, run_command: Callable[[list[str]], int], force: bool = False,
             announce: Callable[[str], None] = print) -> list[StepResult]:
    """Run `steps` in order with `run_command(argv) -> exit code`; stop at the first failed
    non-verdict step (later steps need its output)."""
    results: list[StepResult] = []
    rerun = force
    for number, step in enumerate(steps, 1):
        header = f"[{number}/{len(steps)}] {step.title}"
        marker = None if rerun else read_marker(markers, step)
        if marker is not None:
            announce(f"{header}: done in an earlier run ({marker['seconds']:.0f} s), skipped")
            results.append(StepResult(step, marker["exit_code"], marker["seconds"], skipped=True))
            continue
        rerun = True
        announce(f"\n{header}\n  $ signport {' '.join(step.argv)}")
        start = time.perf_counter()
        exit_code = run_command(list(step.argv))
        seconds = time.perf_counter() - start
        results.append(StepResult(step, exit_code, seconds, skipped=False))
        if exit_code == 0 or step.verdict:
            write_marker(markers, step, exit_code, seconds)
        status = "ok" if exit_code == 0 else ("VERDICT FAILED" if step.verdict else "FAILED")
        announce(f"  -> {status} in {seconds:.0f} s")
        if exit_code != 0 and not step.verdict:
            break
    return results
