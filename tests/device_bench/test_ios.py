"""devicectl command construction for the ios_demo's benchmark mode, with an injected runner."""

import json
from pathlib import Path

import pytest

from signport.core.errors import ToolchainError
from signport.core.bundle import read_bundle
from signport.device_bench.ios import DevicectlCommands, run_ios_benchmark
from signport.device_bench.phone import CommandResult


def test_launch_passes_the_apps_launch_arguments():
    command = DevicectlCommands("00008101-ABC", "tiny", "tiny-1.json").launch(100, 10, ("all", "cpuOnly"))
    assert command[:9] == ["xcrun", "devicectl", "device", "process", "launch", "--device", "00008101-ABC",
                           "--terminate-existing", "dev.signport.demo"]
    arguments = dict(zip(command[9::2], command[10::2]))
    assert arguments == {"-benchmark": "1", "-iterations": "100", "-warmup": "10", "-computeUnits": "all,cpuOnly",
                         "-benchmarkOut": "tiny-1.json", "-bundle": "bundles/tiny"}


def test_copy_sends_manifest_head_and_only_coreml_artifacts(tiny_bundle):
    bundle = read_bundle(tiny_bundle)
    # export writes no .mlpackage yet: add one row the way a Core ML export will list it
    bundle.manifest["artifacts"].append({**bundle.artifacts[0], "id": "coreml-backbone-fp16", "format": "coreml",
                                         "path": "coreml/backbone-fp16.mlpackage", "delegate": None})
    commands = DevicectlCommands("UDID", "tiny-landmarks", "x.json").copy_bundle(bundle)
    destinations = [c[c.index("--destination") + 1] for c in commands]
    assert destinations == [f"Documents/bundles/tiny-landmarks/{f}" for f in
                            ("manifest.json", "head.safetensors", "head.json", "head.bin", "coreml/backbone-fp16.mlpackage")]
    assert commands[-1][commands[-1].index("--source") + 1] == str(tiny_bundle / "coreml" / "backbone-fp16.mlpackage")
    assert all(c[:5] == ["xcrun", "devicectl", "device", "copy", "to"] and "appDataContainer" in c for c in commands)


def test_ios_flow_polls_until_the_result_can_be_copied_back(tiny_bundle, tmp_path, make_phone_result):
    answers = {"polls": 0}
    result_json = {**make_phone_result(), "device": {"name": "iPhone13,2", "os": "iOS 17.5", "kind": "ios"}}

    def phone(command):
        if command[3:5] == ["copy", "from"]:
            source = command[command.index("--source") + 1]
            answers["polls"] += 1
            if answers["polls"] >= 3 and not source.endswith(".error"):
                Path(command[command.index("--destination") + 1]).write_text(json.dumps(result_json))
                return CommandResult(0, "")
            return CommandResult(1, "", "ERROR: file not found")
        return CommandResult(0, "")

    result, local = run_ios_benchmark(read_bundle(tiny_bundle), "UDID", tmp_path, run=phone, system=lambda: "Darwin",
                                      which=lambda _: "/usr/bin/xcrun", sleep=lambda _: None, run_id="1")
    assert result == result_json and local.name == "ios-UDID-tiny-landmarks-1.json"


def test_ios_needs_a_mac_with_xcode(tiny_bundle, tmp_path):
    with pytest.raises(ToolchainError, match="needs a Mac with Xcode"):
        run_ios_benchmark(read_bundle(tiny_bundle), "UDID", tmp_path, system=lambda: "Linux")
