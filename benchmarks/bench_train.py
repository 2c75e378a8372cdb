"""Training benchmarks: accuracy and wall time of the documented recipes on this machine -> JSON.

    python benchmarks/bench_train.py --scenario synth --out runs/bench/train_synth.json
    SIGNPORT_SHARED_DATA=../shared/data python benchmarks/bench_train.py --scenario asl --scenario landmarks

Each scenario is one `signport train` command line (printed and recorded verbatim), run through
the same CLI a user runs. The JSON records the machine, the load average before and after (other
work on the host slows a 2-core run down), the test-split metrics and the seconds spent.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

import torch

from signport.cli import main as signport_main
from signport.core import atomic
from signport.core.host import host_description

# name -> (needs shared data, signport train arguments after `train`)
SCENARIOS = {
    "synth": (False, ["--model", "mobilenet_v2", "--data", "synth"]),
    "asl": (True, ["--model", "mobilenet_v2", "--preset", "asl-cpu", "--data", "{shared}/asl_alphabet"]),
    "landmarks": (True, ["--model", "landmarks", "--preset", "landmarks", "--data", "{shared}/landmarks/asl_letters_mediapipe.npz"]),
}


def machine() -> dict:
    return {**host_description(), "torch": torch.__version__}


def run_scenario(name: str, runs: Path, shared: Path | None, threads: int, extra: list[str]) -> dict:
    needs_shared, arguments = SCENARIOS[name]
    if needs_shared and shared is None:
        return {"scenario": name, "skipped": "needs SIGNPORT_SHARED_DATA"}
    out = runs / name
    argv = ["train", *[a.format(shared=shared) for a in arguments], "--out", str(out), "--threads", str(threads), "--overwrite", *extra]
    print("signport " + shlex.join(argv), flush=True)
    load_before = os.getloadavg()
    started = time.perf_counter()
    code = signport_main(argv)
    seconds = time.perf_counter() - started
    meta = json.loads((out / "checkpoint.json").read_text())
    history = json.loads((out / "history.json").read_text()) if (out / "history.json").exists() else []
    return {
        "scenario": name, "command": "signport " + shlex.join(argv), "exit_code": code,
        "wall_seconds": round(seconds, 1), "train_seconds": meta["metrics"].get("train_seconds"),
        "train_cpu_seconds": meta["metrics"].get("train_cpu_seconds"),
        "epochs_run": len(history), "best_epoch": meta["metrics"].get("best_epoch"),
        "test": meta["metrics"].get("test"), "arch_args": meta["arch_args"], "preset": meta["train_config"]["preset"],
        "load_average_before": [round(x, 2) for x in load_before], "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "checkpoint": str(out),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="repeatable; default: synth")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/train.json"))
    parser.add_argument("--runs", type=Path, default=Path("runs/bench/train"), help="where the checkpoints go")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--shared-data", type=Path, default=os.environ.get("SIGNPORT_SHARED_DATA"))
    parser.add_argument("extra", nargs=argparse.REMAINDER, help="after --: more `signport train` flags for every scenario")
    args = parser.parse_args()
    extra = [a for a in args.extra if a != "--"]
    results = [run_scenario(name, args.runs, args.shared_data, args.threads, extra) for name in (args.scenario or ["synth"])]
    report = {"machine": machine(), "results": results}
    atomic.write_json(args.out, report)
    print(json.dumps(results, indent=2))
    return 0 if all(r.get("exit_code", 0) == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
