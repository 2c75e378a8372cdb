"""Benchmark on an Android phone through adb and the android_demo's benchmark mode.

Flow: check adb and the device -> push the bundle's manifest, head and ExecuTorch artifacts
to the app's storage -> `am start` the benchmark activity with intent extras -> wait for the
result JSON -> pull it. Every adb call goes through an injected CommandRunner, so command
construction and output parsing are tested without a phone.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Sequence

from signport.core.errors import InputError, ToolchainError
from signport.device_bench import demo_contract as contract
from signport.device_bench.bundle import BenchBundle


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str
    stderr: str = ""


CommandRunner = Callable[[Sequence[str]], CommandResult]


def subprocess_runner(timeout_s: float = 300.0) -> CommandRunner:
    def run(command: Sequence[str]) -> CommandResult:
        completed = subprocess.run(list(command), capture_output=True, text=True, timeout=timeout_s)
        return CommandResult(completed.returncode, completed.stdout, completed.stderr)

    return run


@dataclass(frozen=True)
class AdbDevice:
    serial: str
    state: str  # "device" (ready), "unauthorized", "offline", "recovery", ...


def parse_adb_devices(output: str) -> list[AdbDevice]:
    """Devices from `adb devices` (or `adb devices -l`) output; daemon start-up chatter is skipped."""
    devices = []
    for line in output.splitlines():
        line = line.strip()
        if not line or line.startswith("*") or line.startswith("List of devices"):
            continue
        parts = line.split()
        if len(parts) >= 2:
            devices.append(AdbDevice(parts[0], parts[1]))
    return devices


STATE_FIXES = {
    "unauthorized": "unlock the phone and accept the 'Allow USB debugging' prompt",
    "offline": "reconnect the cable or run `adb reconnect`",
    "no permissions": "fix the udev rules for the phone (see developer.android.com/studio/run/device)",
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
    """The adb command lines of one benchmark, for one phone."""

    adb: str
    serial: str

    def _adb(self, *args: str) -> list[str]:
        return [self.adb, "-s", self.serial, *args]

    def devices(self) -> list[str]:
        return [self.adb, "devices"]

    def remote_bundle_dir(self, bundle_name: str) -> str:
        return f"{contract.ANDROID_REMOTE_ROOT}/bundles/{bundle_name}"

    def remote_result_path(self, bundle_name: str) -> str:
        return f"{contract.ANDROID_REMOTE_ROOT}/bench/{bundle_name}.json"

    def push(self, bundle: BenchBundle) -> list[list[str]]:
        """mkdir + one push per file the app needs: manifest, head files, the artifacts it runs."""
        remote = self.remote_bundle_dir(bundle.name)
        head = bundle.manifest["head"]
        files = ["manifest.json", head["safetensors"], head["json"], head["bin"]]
        files += [a["path"] for a in bundle.artifacts if a["format"] in contract.ANDROID_FORMATS]
        folders = sorted({str(PurePosixPath(remote, f).parent) for f in files})
        commands = [self._adb("shell", "mkdir", "-p", *map(shlex.quote, folders))]
        commands += [self._adb("push", str(bundle.root / f), f"{remote}/{f}") for f in files]
        return commands

    def clear_result(self, bundle_name: str) -> list[str]:
        result = self.remote_result_path(bundle_name)
        return self._adb("shell", "mkdir", "-p", shlex.quote(str(PurePosixPath(result).parent)), "&&", "rm", "-f",
                         shlex.quote(result))

    def start_benchmark(self, bundle_name: str, threads: int, iterations: int, warmup: int) -> list[str]:
        # `adb shell` joins its arguments into one device shell line, so paths are shell-quoted.
        return self._adb(
            "shell", "am", "start", "-W", "-S",
            "-n", f"{contract.ANDROID_PACKAGE}/{contract.ANDROID_BENCHMARK_ACTIVITY}",
            "--es", contract.ANDROID_EXTRA_BUNDLE_DIR, shlex.quote(self.remote_bundle_dir(bundle_name)),
            "--es", contract.ANDROID_EXTRA_RESULT_PATH, shlex.quote(self.remote_result_path(bundle_name)),
            "--ei", contract.ANDROID_EXTRA_THREADS, str(threads),
            "--ei", contract.ANDROID_EXTRA_ITERATIONS, str(iterations),
            "--ei", contract.ANDROID_EXTRA_WARMUP, str(warmup),
        )

    def result_ready(self, bundle_name: str) -> list[str]:
        return self._adb("shell", "test", "-s", shlex.quote(self.remote_result_path(bundle_name)), "&&", "echo", "ready")

    def pull_result(self, bundle_name: str, local: Path) -> list[str]:
        return self._adb("pull", self.remote_result_path(bundle_name), str(local))


def am_start_failed(result: CommandResult) -> str | None:
    """`am start` exits 0 even when the activity does not exist; its output says so."""
    text = f"{result.stdout}\n{result.stderr}"
    for line in text.splitlines():
        if line.startswith("Error") or "does not exist" in line or "Exception" in line:
            return line.strip()
    return None if result.returncode == 0 else text.strip()[-200:]


def run_android_benchmark(
    bundle: BenchBundle,
    serial: str,
    local_dir: Path,
    *,
    adb: str = "adb",
    threads: int = 2,
    iterations: int = 300,
    warmup: int = 10,
    timeout_s: float = 900.0,
    run: CommandRunner | None = None,
    which: Callable[[str], str | None] = shutil.which,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict:
    """Benchmark `bundle` on the phone `serial` and return the phone's result JSON."""
    if which(adb) is None:
        raise ToolchainError(f"`{adb}` not found: install Android SDK platform-tools and put adb on PATH (or pass --adb PATH)")
    run = run or subprocess_runner()
    commands = AdbCommands(adb, serial)
    check_device_ready(parse_adb_devices(_checked(run, commands.devices(), "adb devices").stdout), serial)
    for command in commands.push(bundle):
        _checked(run, command, "pushing the bundle")
    _checked(run, commands.clear_result(bundle.name), "clearing the previous result")
    started = run(commands.start_benchmark(bundle.name, threads, iterations, warmup))
    problem = am_start_failed(started)
    if problem:
        raise ToolchainError(
            f"could not start the benchmark on {serial} ({problem}); install the android_demo app (android_demo/README.md)"
        )
    deadline = clock() + timeout_s
    while "ready" not in run(commands.result_ready(bundle.name)).stdout:
        if clock() > deadline:
            raise ToolchainError(
                f"no benchmark result from {serial} after {timeout_s:.0f} s; watch `adb -s {serial} logcat` for the app's errors"
            )
        sleep(2.0)
    local = local_dir / f"android-{serial}-{bundle.name}.json"
    local_dir.mkdir(parents=True, exist_ok=True)
    _checked(run, commands.pull_result(bundle.name, local), "pulling the result")
    try:
        return json.loads(local.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ToolchainError(f"{local}: the phone's benchmark result is not valid JSON ({e})") from e


def _checked(run: CommandRunner, command: Sequence[str], what: str) -> CommandResult:
    result = run(command)
    if result.returncode != 0:
        raise ToolchainError(f"{what} failed: `{' '.join(command)}` exited {result.returncode}: {result.stderr.strip()[-200:]}")
    return result
