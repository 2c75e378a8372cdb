"""Where a bench runs: `--device local | macos | android:SERIAL | ios`, a registry of targets.

Each target turns (bundle, config, profile) into one run record for the results file, or
returns None when the measurement happens elsewhere (iOS: inside the demo app).
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Callable

from signport.core.errors import InputError, ToolchainError
from signport.device_bench import demo_contract as contract
from signport.core.bundle import Bundle
from signport.device_bench.config import BenchConfig
from signport.device_bench.profiles import DeviceProfile

Target = Callable[[Bundle, BenchConfig, DeviceProfile, str | None], "dict | None"]


def parse_device(spec: str) -> tuple[str, str | None]:
    """"android:SERIAL" -> ("android", "SERIAL"); "local" -> ("local", None)."""
    kind, _, argument = spec.partition(":")
    if kind not in DEVICE_TARGETS:
        raise InputError(f"unknown --device {spec!r}; use local, macos, android:SERIAL or ios")
    if kind == "android" and not argument:
        raise InputError("--device android needs the phone's serial: --device android:SERIAL (see `adb devices`)")
    return kind, argument or None


def host_device(config: BenchConfig, kind: str) -> dict:
    from signport.core.host import host_description

    host = host_description()
    return {"name": config.device_name or host["machine"], "os": host["os"], "kind": kind}


def bench_local(bundle: Bundle, config: BenchConfig, profile: DeviceProfile, _argument: str | None) -> dict:
    from signport.device_bench.run import bench_on_host

    return bench_on_host(bundle, config, profile, host_device(config, "host"))


def bench_macos(bundle: Bundle, config: BenchConfig, profile: DeviceProfile, _argument: str | None) -> dict:
    """This Mac: every runtime including Core ML with compute units all / cpuOnly / cpuAndNeuralEngine."""
    if platform.system() != "Darwin":
        raise ToolchainError("--device macos runs Core ML predict, which needs macOS; run it on a Mac, or use --device local here")
    from signport.device_bench.run import bench_on_host

    return bench_on_host(bundle, config, profile, host_device(config, "host"))


def bench_android(bundle: Bundle, config: BenchConfig, profile: DeviceProfile, serial: str | None) -> dict:
    """The android_demo's BenchmarkActivity on a phone over adb (ExecuTorch backbones)."""
    from signport.device_bench.android import run_android_benchmark
    from signport.device_bench.results import device_run_from_json

    out = Path(config.out or bundle.root / "bench")
    result, local = run_android_benchmark(
        bundle, serial, out / "pulled", adb=config.adb, threads=config.threads or 0, iterations=config.iterations,
        warmup=config.warmup, timeout_s=config.device_timeout,
    )
    return device_run_from_json(result, local)


def bench_ios(bundle: Bundle, config: BenchConfig, profile: DeviceProfile, udid: str | None) -> dict | None:
    """The ios_demo's benchmark mode on an iPhone through devicectl (Core ML backbones); without a
    UDID, print how to run it by hand and return None (nothing measured here)."""
    out = Path(config.out or bundle.root / "bench")
    if udid is None:
        print(ios_instructions(bundle.root, out / "results.json"))
        return None
    from signport.device_bench.ios import run_ios_benchmark
    from signport.device_bench.results import device_run_from_json

    result, local = run_ios_benchmark(bundle, udid, out / "pulled", iterations=config.iterations, warmup=config.warmup,
                                      timeout_s=config.device_timeout)
    return device_run_from_json(result, local)


DEVICE_TARGETS: dict[str, Target] = {
    "local": bench_local,
    "macos": bench_macos,
    "android": bench_android,
    "ios": bench_ios,
}


def ios_instructions(bundle_dir: Path, results_path: Path) -> str:
    arguments = (f"-{contract.IOS_ARG_BENCHMARK} 1 -{contract.IOS_ARG_ITERATIONS} 100 -{contract.IOS_ARG_WARMUP} 10 "
                 f"-{contract.IOS_ARG_COMPUTE_UNITS} {','.join(contract.IOS_COMPUTE_UNITS)} "
                 f"-{contract.IOS_ARG_OUT} {contract.IOS_DEFAULT_OUT}")
    return "\n".join([
        "iOS benchmarks run inside the ios_demo app, on the runtimes it ships with. Nothing was measured by this command.",
        "With the phone on a Mac (Xcode 15+): signport bench --bundle DIR --device ios:UDID  (UDID from `xcrun devicectl list devices`)",
        "By hand:",
        f"  1. Put {bundle_dir} into the app's Documents/bundle folder (Finder or the Files app), see ios_demo/README.md.",
        f"  2. Launch with the arguments: {arguments}",
        f"     (Xcode: Product > Scheme > Edit Scheme > Arguments; or `xcrun devicectl device process launch --device UDID "
        f"--terminate-existing {contract.IOS_BUNDLE_ID} {arguments}`)",
        f"  3. Copy Documents/{contract.IOS_BENCH_FOLDER}/{contract.IOS_DEFAULT_OUT} from the app's container "
        "(Xcode > Devices and Simulators > Download Container, or `xcrun devicectl device copy from ...`).",
        f"  4. signport bench import --result {contract.IOS_DEFAULT_OUT} --results {results_path}",
    ])
