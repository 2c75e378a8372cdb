"""Benchmark on an iPhone through Xcode's devicectl and the ios_demo's benchmark mode.

Flow (ios_demo/README.md, "Benchmark mode"; needs a Mac with Xcode 15+): copy the manifest, head
files and Core ML artifacts into the app's Documents -> launch the app with `-benchmark 1` and
its launch arguments -> poll by copying the result (or its .error file) back.
"""

from __future__ import annotations

import platform
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from signport.core.bench_result import load_bench_result
from signport.core.bundle import Bundle
from signport.core.errors import ToolchainError
from signport.core.manifest import MANIFEST_FILE
from signport.device_bench import demo_contract as contract
from signport.device_bench.phone import CommandRunner, checked, subprocess_runner, wait_for_result


@dataclass(frozen=True)
class DevicectlCommands:
    udid: str
    bundle_name: str
    out_name: str  # result file name under Documents/bench/, unique per run

    @property
    def remote_bundle(self) -> str:
        return f"bundles/{self.bundle_name}"  # relative to Documents, as the app's -bundle argument wants

    def _devicectl(self, *args: str) -> list[str]:
        return ["xcrun", "devicectl", "device", *args]

    def _container(self) -> list[str]:
        return ["--device", self.udid, "--domain-type", "appDataContainer", "--domain-identifier", contract.IOS_BUNDLE_ID]

    def copy_bundle(self, bundle: Bundle) -> list[list[str]]:
        files = [MANIFEST_FILE, *bundle.head_files()]
        sources = [(bundle.path(f), f) for f in files]  # the checked resolver: nothing outside the bundle
        sources += [(bundle.artifact_path(a), a["path"]) for a in bundle.artifacts if a["format"] in contract.IOS_FORMATS]
        return [self._devicectl("copy", "to", *self._container(), "--source", str(local),
                                "--destination", f"Documents/{self.remote_bundle}/{relative}") for local, relative in sources]

    def launch(self, iterations: int, warmup: int, compute_units: tuple[str, ...]) -> list[str]:
        return self._devicectl(
            "process", "launch", "--device", self.udid, "--terminate-existing", contract.IOS_BUNDLE_ID,
            f"-{contract.IOS_ARG_BENCHMARK}", "1", f"-{contract.IOS_ARG_ITERATIONS}", str(iterations),
            f"-{contract.IOS_ARG_WARMUP}", str(warmup), f"-{contract.IOS_ARG_COMPUTE_UNITS}", ",".join(compute_units),
            f"-{contract.IOS_ARG_OUT}", self.out_name, f"-{contract.IOS_ARG_BUNDLE}", self.remote_bundle,
        )

    def copy_back(self, name: str, local: Path) -> list[str]:
        return self._devicectl("copy", "from", *self._container(),
                               "--source", f"Documents/{contract.IOS_BENCH_FOLDER}/{name}", "--destination", str(local))


def run_ios_benchmark(
    bundle: Bundle,
    udid: str,
    local_dir: Path,
    *,
    iterations: int = 100,
    warmup: int = 10,
    compute_units: tuple[str, ...] = contract.IOS_COMPUTE_UNITS,
    timeout_s: float = 900.0,
    run: CommandRunner | None = None,
    system: Callable[[], str] = platform.system,
    which: Callable[[str], str | None] = shutil.which,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    run_id: str | None = None,
) -> tuple[dict, Path]:
    """Benchmark `bundle` on the iPhone `udid`: (the phone's validated result JSON, local copy)."""
    if system() != "Darwin" or which("xcrun") is None:
        raise ToolchainError("--device ios:UDID needs a Mac with Xcode 15+ (xcrun devicectl); elsewhere run the app's "
                             "benchmark mode by hand (docs/bench.md) and add its JSON with `signport bench import`")
    run = run or subprocess_runner()
    run_id = run_id or time.strftime("%Y%m%d-%H%M%S")
    commands = DevicectlCommands(udid, bundle.name, f"{bundle.name}-{run_id}.json")
    for command in commands.copy_bundle(bundle):
        checked(run, command, "copying the bundle to the phone")
    checked(run, commands.launch(iterations, warmup, compute_units), "launching the ios_demo benchmark")
    local_dir.mkdir(parents=True, exist_ok=True)
    local = local_dir / f"ios-{udid}-{commands.out_name}"
    error_file = local.with_name(local.name + contract.ERROR_SUFFIX)

    def state():
        if run(commands.copy_back(commands.out_name, local)).returncode == 0 and local.is_file():
            return "ready"
        if run(commands.copy_back(commands.out_name + contract.ERROR_SUFFIX, error_file)).returncode == 0:
            return "error"
        return "pending"

    if wait_for_result(state, timeout_s=timeout_s, sleep=sleep, clock=clock,
                       what="keep the phone unlocked; the app shows its progress on screen") == "error":
        message = error_file.read_text().strip() if error_file.is_file() else ""
        raise ToolchainError(f"the benchmark failed on {udid}: {message or 'no message'}")
    return load_bench_result(local), local
