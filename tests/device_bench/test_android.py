"""adb command construction and output parsing, with an injected command runner answering the
way a phone with the android_demo installed does (no runtime is faked: only adb's replies)."""

import json
from pathlib import Path

import pytest

from signport.core.errors import InputError, ToolchainError
from signport.device_bench import demo_contract as contract
from signport.device_bench.android import (
    AdbCommands,
    am_start_failed,
    check_device_ready,
    parse_adb_devices,
    run_android_benchmark,
)
from signport.core.bundle import read_bundle
from signport.device_bench.phone import CommandResult

ADB_DEVICES = """* daemon not running; starting now at tcp:5037
* daemon started successfully
List of devices attached
R58M123ABC\tdevice
emulator-5554\toffline
0A1B2C3D\tunauthorized
99XY\tno permissions (user in plugdev group; are your udev rules wrong?); see [http://developer.android.com/tools/device.html]

"""


def test_parse_adb_devices_skips_daemon_chatter_and_reads_states():
    devices = parse_adb_devices(ADB_DEVICES)
    assert [(d.serial, d.state) for d in devices] == [
        ("R58M123ABC", "device"), ("emulator-5554", "offline"), ("0A1B2C3D", "unauthorized"), ("99XY", "no permissions")]
    assert parse_adb_devices("List of devices attached\n\n") == []
    long_format = "List of devices attached\nR58M123ABC             device usb:1-1 product:panther model:Pixel_7 transport_id:2\n"
    assert [(d.serial, d.state) for d in parse_adb_devices(long_format)] == [("R58M123ABC", "device")]


def test_device_checks_say_what_is_missing():
    devices = parse_adb_devices(ADB_DEVICES)
    check_device_ready(devices, "R58M123ABC")
    with pytest.raises(InputError, match=r"not connected \(adb sees: R58M123ABC \(device\)"):
        check_device_ready(devices, "NOPE")
    with pytest.raises(InputError, match="Allow USB debugging"):
        check_device_ready(devices, "0A1B2C3D")
    with pytest.raises(InputError, match="adb reconnect"):
        check_device_ready(devices, "emulator-5554")
    with pytest.raises(InputError, match="udev"):
        check_device_ready(devices, "99XY")
    with pytest.raises(InputError, match="no devices"):
        check_device_ready([], "R58M123ABC")


def test_push_sends_manifest_head_and_only_xnnpack_executorch_artifacts(tiny_bundle):
    out = f"{contract.ANDROID_FILES_DIR}/bench/tiny-landmarks-1.json"
    commands = AdbCommands("adb", "R58M123ABC", "tiny-landmarks", out).push(read_bundle(tiny_bundle))
    remote = f"{contract.ANDROID_BUNDLES_DIR}/tiny-landmarks"
    assert commands[0][:6] == ["adb", "-s", "R58M123ABC", "shell", "mkdir", "-p"]
    assert all(c[:4] == ["adb", "-s", "R58M123ABC", "push"] for c in commands[1:])
    pushes = {c[5]: c[4] for c in commands[1:]}
    assert set(pushes) == {f"{remote}/{f}" for f in ("manifest.json", "head.safetensors", "head.json", "head.bin",
                                                     "executorch/backbone-fp32.pte", "executorch/head-fp32.pte")}
    assert pushes[f"{remote}/executorch/backbone-fp32.pte"] == str(tiny_bundle / "executorch" / "backbone-fp32.pte")
    # the Core ML-delegated program is for iOS: not pushed to an Android phone
    assert any(a["delegate"] == "coreml" for a in read_bundle(tiny_bundle).artifacts)
    assert f"{contract.ANDROID_FILES_DIR}/bench" in commands[0] and f"{remote}/executorch" in commands[0]


def test_start_command_matches_the_benchmark_activity_contract():
    out = "/sdcard/Android/data/dev.signport.demo/files/bench/my bundle-1.json"
    command = AdbCommands("/opt/adb", "R58", "my bundle", out).start_benchmark(threads=2, iterations=300, warmup=10)
    assert command[:8] == ["/opt/adb", "-s", "R58", "shell", "am", "start", "-W", "-n"]
    assert command[8] == "dev.signport.demo/.BenchmarkActivity"
    extras = {command[i + 1]: (command[i], command[i + 2]) for i, c in enumerate(command) if c in ("--es", "--ei")}
    assert extras == {
        "bundle": ("--es", "'/sdcard/Android/data/dev.signport.demo/files/bundles/my bundle'"),  # quoted for the phone's shell
        "iterations": ("--ei", "300"), "warmup": ("--ei", "10"), "threads": ("--ei", "2"),
        "out": ("--es", f"'{out}'"),
    }


def test_am_start_errors_are_detected_despite_exit_code_zero():
    missing = CommandResult(0, "Starting: Intent { cmp=dev.signport.demo/.BenchmarkActivity }\nError type 3\n"
                               "Error: Activity class {dev.signport.demo/.BenchmarkActivity} does not exist.\n")
    assert am_start_failed(missing) == "Error type 3"
    assert am_start_failed(CommandResult(0, "Starting: Intent { cmp=x/y }\nStatus: ok\nLaunchState: COLD\n")) is None
    assert am_start_failed(CommandResult(255, "", "adb: device offline")) == "adb: device offline"


class FakePhone:
    """Answers adb command lines like a phone whose BenchmarkActivity writes `result` (or an
    error file) after `polls` listings of the bench folder."""

    def __init__(self, result: dict | None, polls: int = 2, error: str = ""):
        self.result, self.polls, self.error, self.commands = result, polls, error, []

    def __call__(self, command):
        self.commands.append(list(command))
        args = command[3:] if command[1] == "-s" else command[1:]
        if args == ["devices"]:
            return CommandResult(0, ADB_DEVICES)
        if args[:2] == ["shell", "am"]:
            self.out = args[args.index("out") + 1].strip("'")
            return CommandResult(0, "Status: ok\nLaunchState: COLD\n")
        if args[:2] == ["shell", "ls"]:
            self.polls -= 1
            if self.polls > 0:
                return CommandResult(0, "older-run.json\n")
            name = Path(self.out).name
            return CommandResult(0, f"older-run.json\n{name}.error\n" if self.error else f"older-run.json\n{name}\n")
        if args[:2] == ["shell", "cat"]:
            return CommandResult(0, self.error + "\n")
        if args[0] == "pull":
            assert args[1] == self.out
            Path(args[2]).write_text(json.dumps(self.result))
        return CommandResult(0, "")


def test_android_flow_pushes_starts_polls_and_pulls_a_validated_result(tiny_bundle, tmp_path, make_phone_result):
    phone = FakePhone(make_phone_result())
    result, local = run_android_benchmark(read_bundle(tiny_bundle), "R58M123ABC", tmp_path, run=phone, threads=4,
                                          which=lambda _: "/usr/bin/adb", sleep=lambda _: None, run_id="20250101-120000")
    assert result == make_phone_result() and local.parent == tmp_path
    assert phone.out == f"{contract.ANDROID_FILES_DIR}/bench/tiny-landmarks-20250101-120000.json"
    verbs = [c[3] if c[1] == "-s" else c[1] for c in phone.commands]
    assert verbs[0] == "devices" and verbs.count("push") == 6 and verbs[-1] == "pull"  # 4 bundle files + 2 programs
    assert sum(1 for c in phone.commands if c[3:5] == ["shell", "ls"]) == 2  # polled until the file appeared


def test_android_flow_reports_missing_adb_app_errors_and_timeouts(tiny_bundle, tmp_path, make_phone_result):
    bundle = read_bundle(tiny_bundle)
    fast = dict(which=lambda _: "adb", sleep=lambda _: None)
    with pytest.raises(ToolchainError, match="platform-tools"):
        run_android_benchmark(bundle, "R58M123ABC", tmp_path, which=lambda _: None)
    with pytest.raises(ToolchainError, match="benchmark failed on R58M123ABC: no ExecuTorch backbone"):
        run_android_benchmark(bundle, "R58M123ABC", tmp_path, run=FakePhone(None, error="no ExecuTorch backbone"), **fast)
    clock = iter(range(0, 10**6, 100))
    with pytest.raises(ToolchainError, match="no benchmark result after 300 s"):
        run_android_benchmark(bundle, "R58M123ABC", tmp_path, run=FakePhone(None, polls=10**9), clock=lambda: next(clock),
                              timeout_s=300, **fast)
    broken = make_phone_result()
    del broken["results"][0]["fps"]
    with pytest.raises(InputError, match="benchmark result invalid"):
        run_android_benchmark(bundle, "R58M123ABC", tmp_path, run=FakePhone(broken), **fast)
