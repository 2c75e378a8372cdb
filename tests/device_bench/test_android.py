"""adb command construction and output parsing, with an injected command runner standing in
for the phone (the runtimes are not involved)."""

import json
from pathlib import Path

import pytest

from signport.core.errors import InputError, ToolchainError
from signport.device_bench import demo_contract as contract
from signport.device_bench.android import (
    AdbCommands,
    CommandResult,
    am_start_failed,
    check_device_ready,
    parse_adb_devices,
    run_android_benchmark,
)
from signport.device_bench.bundle import read_bundle

ADB_DEVICES = """* daemon not running; starting now at tcp:5037
* daemon started successfully
List of devices attached
R58M123ABC\tdevice
emulator-5554\toffline
0A1B2C3D\tunauthorized usb:1-1 transport_id:3

"""

PHONE_RESULT = {
    "device": {"name": "Pixel 7", "os": "Android 14", "kind": "android"},
    "bundle": "tiny-landmarks",
    "results": [{"artifact_id": "backbone-executorch-int8", "runtime": "executorch-xnnpack", "compute_units": "CPU",
                 "threads": 2, "latency_ms": {"p50": 1.1, "p90": 1.3, "p99": 1.9, "mean": 1.2}, "fps": 833.3,
                 "load_ms": 12.0, "iterations": 300}],
}


def test_parse_adb_devices_skips_daemon_chatter_and_reads_states():
    devices = parse_adb_devices(ADB_DEVICES)
    assert [(d.serial, d.state) for d in devices] == [
        ("R58M123ABC", "device"), ("emulator-5554", "offline"), ("0A1B2C3D", "unauthorized")]
    assert parse_adb_devices("List of devices attached\n\n") == []


def test_device_checks_say_what_is_missing():
    devices = parse_adb_devices(ADB_DEVICES)
    check_device_ready(devices, "R58M123ABC")
    with pytest.raises(InputError, match="not connected .*R58M123ABC \\(device\\)"):
        check_device_ready(devices, "NOPE")
    with pytest.raises(InputError, match="Allow USB debugging"):
        check_device_ready(devices, "0A1B2C3D")
    with pytest.raises(InputError, match="adb reconnect"):
        check_device_ready(devices, "emulator-5554")


def test_push_sends_manifest_head_and_only_executorch_artifacts(tiny_bundle):
    bundle = read_bundle(tiny_bundle)
    commands = AdbCommands("adb", "R58M123ABC").push(bundle)
    remote = f"{contract.ANDROID_REMOTE_ROOT}/bundles/tiny-landmarks"
    assert commands[0][:5] == ["adb", "-s", "R58M123ABC", "shell", "mkdir"]
    pushes = {c[5]: c[4] for c in commands[1:]}
    assert all(c[:4] == ["adb", "-s", "R58M123ABC", "push"] for c in commands[1:])
    assert set(pushes) == {f"{remote}/{f}" for f in ("manifest.json", "head.safetensors", "head.json", "head.bin",
                                                     "backbone_fp32.pte", "backbone_int8.pte")}
    assert pushes[f"{remote}/manifest.json"] == str(tiny_bundle / "manifest.json")


def test_start_command_names_activity_and_extras():
    command = AdbCommands("/opt/adb", "R58").start_benchmark("my bundle", threads=2, iterations=300, warmup=10)
    assert command[:7] == ["/opt/adb", "-s", "R58", "shell", "am", "start", "-W"]
    assert command[command.index("-n") + 1] == f"{contract.ANDROID_PACKAGE}/{contract.ANDROID_BENCHMARK_ACTIVITY}"
    extras = {command[i + 1]: (command[i], command[i + 2]) for i, c in enumerate(command) if c in ("--es", "--ei")}
    assert extras[contract.ANDROID_EXTRA_THREADS] == ("--ei", "2")
    assert extras[contract.ANDROID_EXTRA_ITERATIONS] == ("--ei", "300")
    assert extras[contract.ANDROID_EXTRA_WARMUP] == ("--ei", "10")
    # adb shell re-joins arguments on the phone: a space in a path must arrive quoted
    assert extras[contract.ANDROID_EXTRA_BUNDLE_DIR] == ("--es", f"'{contract.ANDROID_REMOTE_ROOT}/bundles/my bundle'")


def test_am_start_errors_are_detected_despite_exit_code_zero():
    missing = CommandResult(0, "Starting: Intent { cmp=dev.signport.demo/.BenchmarkActivity }\n"
                               "Error type 3\nError: Activity class {dev.signport.demo/.BenchmarkActivity} does not exist.\n")
    assert "does not exist" in am_start_failed(missing) or am_start_failed(missing).startswith("Error")
    assert am_start_failed(CommandResult(0, "Starting: Intent { cmp=x/y }\nStatus: ok\nLaunchState: COLD\n")) is None


class FakePhone:
    """Answers adb command lines the way a connected phone with the demo installed does."""

    def __init__(self, result: dict, polls_until_ready: int = 2):
        self.result, self.polls_left, self.commands = result, polls_until_ready, []

    def __call__(self, command):
        self.commands.append(list(command))
        args = command[3:] if command[1] == "-s" else command[1:]
        if args == ["devices"]:
            return CommandResult(0, ADB_DEVICES)
        if args[:2] == ["shell", "test"]:
            self.polls_left -= 1
            return CommandResult(0 if self.polls_left <= 0 else 1, "ready\n" if self.polls_left <= 0 else "")
        if args[0] == "pull":
            Path(args[2]).write_text(json.dumps(self.result))
        return CommandResult(0, "Status: ok\n")


def test_android_flow_pushes_starts_waits_and_pulls(tiny_bundle, tmp_path):
    phone = FakePhone(PHONE_RESULT)
    result = run_android_benchmark(read_bundle(tiny_bundle), "R58M123ABC", tmp_path, run=phone,
                                   which=lambda _: "/usr/bin/adb", sleep=lambda _: None)
    assert result == PHONE_RESULT
    verbs = [c[3] if c[1] == "-s" else c[1] for c in phone.commands]
    assert verbs[0] == "devices" and verbs.count("push") == 6
    assert verbs.index("pull") > max(i for i, v in enumerate(verbs) if v == "shell" and "test" in phone.commands[i])
    assert any(c[3:6] == ["shell", "am", "start"] for c in phone.commands)


def test_android_flow_reports_missing_adb_and_timeouts(tiny_bundle, tmp_path):
    bundle = read_bundle(tiny_bundle)
    with pytest.raises(ToolchainError, match="platform-tools"):
        run_android_benchmark(bundle, "R58M123ABC", tmp_path, which=lambda _: None)
    never_ready = FakePhone(PHONE_RESULT, polls_until_ready=10**9)
    clock = iter(range(0, 10**6, 100))
    with pytest.raises(ToolchainError, match="no benchmark result"):
        run_android_benchmark(bundle, "R58M123ABC", tmp_path, run=never_ready, which=lambda _: "adb",
                              sleep=lambda _: None, clock=lambda: next(clock), timeout_s=300)
