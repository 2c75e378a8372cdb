"""Benchmark on an Android phone through adb and the android_demo's BenchmarkActivity.

Flow (android_demo/README.md, "Benchmark mode"): check adb and the phone -> push the manifest,
head files and ExecuTorch artifacts to the app's bundles folder -> `am start` the benchmark
activity with its intent extras -> poll until the result (or its .error file) exists -> pull it.
"""

from __future__ import annotations

import shlex
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from signport.core.bench_result import load_bench_result
from signport.core.bundle import Bundle
from signport.core.errors import InputError, ToolchainError
from signport.core.manifest import MANIFEST_FILE
from signport.device_bench import demo_contract as contract
from signport.device_bench.phone import CommandResult, CommandRunner, checked, subprocess_runner, wait_for_result


@dataclass(frozen=True)
class AdbDevice:
    serial: str
    state: str  # "device" (ready), "unauthorized", "offline", "no permissions", ...


def parse_adb_devices(output: str) -> list[AdbDevice]:
    """Devices from `adb devices` (or `adb devices -l`) output; daemon start-up chatter is skipped."""
    devices = []
    for line in output.splitlines():
        line = line.strip()
        if not line or line.startswith("*") or line.startswith("List of devices"):
            continue
        serial, *rest = line.split()
        details = " ".join(rest)
        state = "no permissions" if details.startswith("no permissions") else (rest[0] if rest else "")
        if state:
            devices.append(AdbDevice(serial, state))
    return devices


STATE_FIXES = {
    "unauthorized": "unlock the phone and accept the 'Allow USB debugging' prompt",
    "offline": "reconnect the cable or run `adb reconnect`",
    "no permissions": "add a udev rule for the phone (developer.android.com/studio/run/device) and replug it",
}


def check_device_ready(devices: list[AdbDevice], serial: str) -> None:
    """Raise InputError saying what is missing when `serial` is not a ready adb device."""
    found = next((d for d in devices if d.serial == serial), None)
    if found is None:
        seen = ", ".join(f"{d.serial} ({d.state})" for d in devices) or "no devices"
        raise InputError(f"android device {serial} is not connected (adb sees: {seen}); plug it in with USB debugging on")
    if found.state != "device":
        fix = STATE_FIXES.get(found.state, "check `adb devices`")
        raise InputError(f"android device {serial} is {found.state}: {fix}")


@dataclass(frozen=True)
class AdbCommands:
    """The adb command lines of one benchmark on one phone. `adb shell` joins its arguments into
    one line for the phone's shell, so every path given to the shell is quoted."""

    adb: str
    serial: str
    bundle_name: str
    out: str  # result path on the phone, unique per run so a stale file is never read

    @property
    def remote_bundle(self) -> str:
        return f"{contract.ANDROID_BUNDLES_DIR}/{self.bundle_name}"

    def _adb(self, *args: str) -> list[str]:
        return [self.adb, "-s", self.serial, *args]

    def devices(self) -> list[str]:
        return [self.adb, "devices"]

    def push(self, bundle: Bundle) -> list[list[str]]:
        """mkdir, then one push per file the app reads: manifest, head files, the artifacts it runs."""
        files = [MANIFEST_FILE, *bundle.head_files()]
        files += [a["path"] for a in bundle.artifacts if a["format"] == contract.ANDROID_ARTIFACTS["format"]
                  and a.get("delegate") in contract.ANDROID_ARTIFACTS["delegates"]]
        local = [bundle.path(f) for f in files]  # the checked resolver: never push a file outside the bundle
        folders = sorted({str(PurePosixPath(self.remote_bundle, f).parent) for f in files}
                         | {str(PurePosixPath(self.out).parent)})
        commands = [self._adb("shell", "mkdir", "-p", *map(shlex.quote, folders))]
        commands += [self._adb("push", str(path), f"{self.remote_bundle}/{f}") for path, f in zip(local, files)]
        return commands

    def start_benchmark(self, threads: int, iterations: int, warmup: int) -> list[str]:
        return self._adb(
            "shell", "am", "start", "-W", "-n", contract.ANDROID_COMPONENT,
            "--es", contract.ANDROID_EXTRA_BUNDLE, shlex.quote(self.remote_bundle),
            "--ei", contract.ANDROID_EXTRA_ITERATIONS, str(iterations),
            "--ei", contract.ANDROID_EXTRA_WARMUP, str(warmup),
            "--ei", contract.ANDROID_EXTRA_THREADS, str(threads),
            "--es", contract.ANDROID_EXTRA_OUT, shlex.quote(self.out),
        )

    def list_results(self) -> list[str]:
        return self._adb("shell", "ls", shlex.quote(str(PurePosixPath(self.out).parent)))

    def read_error(self) -> list[str]:
        return self._adb("shell", "cat", shlex.quote(self.out + contract.ERROR_SUFFIX))

    def pull_result(self, local: Path) -> list[str]:
        return self._adb("pull", self.out, str(local))


def am_start_failed(result: CommandResult) -> str | None:
    """`am start` exits 0 even when the activity does not exist; its output says so."""
    for line in f"{result.stdout}\n{result.stderr}".splitlines():
        if line.startswith("Error") or "does not exist" in line or "Exception" in line:
            return line.strip()
    return None if result.returncode == 0 else (result.stderr or result.stdout).strip()[-200:]


def run_android_benchmark(
    bundle: Bundle,
    serial: str,
    local_dir: Path,
    *,
    adb: str = "adb",
    threads: int = 0,
    iterations: int = 100,
    warmup: int = 10,
    timeout_s: float = 900.0,
    run: CommandRunner | None = None,
    which: Callable[[str], str | None] = shutil.which,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    run_id: str | None = None,
) -> tuple[dict, Path]:
    """Benchmark `bundle` on the phone `serial`: (the phone's validated result JSON, where it was pulled to)."""
    if which(adb) is None:
        raise ToolchainError(f"`{adb}` not found: install Android SDK platform-tools and put adb on PATH (or pass --adb PATH)")
    run = run or subprocess_runner()
    run_id = run_id or time.strftime("%Y%m%d-%H%M%S")
    out = f"{PurePosixPath(contract.ANDROID_DEFAULT_OUT).parent}/{bundle.name}-{run_id}.json"
    commands = AdbCommands(adb, serial, bundle.name, out)
    check_device_ready(parse_adb_devices(checked(run, commands.devices(), "adb devices").stdout), serial)
    for command in commands.push(bundle):
        checked(run, command, "pushing the bundle")
    problem = am_start_failed(run(commands.start_benchmark(threads, iterations, warmup)))
    if problem:
        raise ToolchainError(f"could not start the benchmark on {serial} ({problem}); install the android_demo app "
                             "(android_demo/README.md) and launch it once")

    def state():
        names = run(commands.list_results()).stdout.split()
        name = PurePosixPath(out).name
        return "ready" if name in names else "error" if name + contract.ERROR_SUFFIX in names else "pending"

    if wait_for_result(state, timeout_s=timeout_s, sleep=sleep, clock=clock,
                       what=f"watch `adb -s {serial} logcat -s SignportBench` for the app's errors") == "error":
        message = run(commands.read_error()).stdout.strip()
        raise ToolchainError(f"the benchmark failed on {serial}: {message or 'no message'}")
    local = local_dir / f"android-{serial}-{PurePosixPath(out).name}"
    local_dir.mkdir(parents=True, exist_ok=True)
    checked(run, commands.pull_result(local), "pulling the result")
    return load_bench_result(local), local
