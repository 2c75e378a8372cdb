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
from signport.device_bench.bundle import BenchBundle
from signport.device_bench.config import BenchConfig
from signport.device_bench.profiles import DeviceProfile

Target = Callable[[BenchBundle, BenchConfig, DeviceProfile, str | None], "dict | None"]
DEVICE_TARGETS: dict[str, Target] = {}


def register_target(kind: str):
    def decorator(target: Target) -> Target:
        DEVICE_TARGETS[kind] = target
        return target

    return decorator


def parse_device(spec: str) -> tuple[str, str | None]:
    """"android:SERIAL" -> ("android", "SERIAL"); "local" -> ("local", None)."""
    kind, _, argument = spec.partition(":")
    if kind not in DEVICE_TARGETS:
        raise InputError(f"unknown --device {spec!r}; use local, macos, android:SERIAL or ios")
    if kind == "android" and not argument:
        raise InputError("--device android needs the phone's serial: --device android:SERIAL (see `adb devices`)")
    return kind, argument or None


def host_device(config: BenchConfig, kind: str) -> dict:
    from signport.device_bench.run import host_description

    host = host_description()
    return {"name": config.device_name or host["machine"], "os": host["os"], "kind": kind}


@register_target("local")
def bench_local(bundle: BenchBundle, config: BenchConfig, profile: DeviceProfile, _argument: str | None) -> dict:
    from signport.device_bench.run import bench_on_host

    return bench_on_host(bundle, config, profile, host_device(config, "host"))


@register_target("macos")
def bench_macos(bundle: BenchBundle, config: BenchConfig, profile: DeviceProfile, _argument: str | None) -> dict:
    """This Mac: every runtime including Core ML with compute units ALL / CPU_ONLY / CPU_AND_NE."""
    if platform.system() != "Darwin":
        raise ToolchainError("--device macos runs Core ML predict, which needs macOS; run it on a Mac, or use --device local here")
    from signport.device_bench.run import bench_on_host

    return bench_on_host(bundle, config, profile, host_device(config, "macos"))


@register_target("android")
def bench_android(bundle: BenchBundle, config: BenchConfig, profile: DeviceProfile, serial: str | None) -> dict:
    from signport.device_bench.android import run_android_benchmark
    from signport.device_bench.results import device_run_from_json

    if profile.emulated:
        raise InputError(f"--profile {profile.name} emulates a phone on this host; with a real phone leave --profile out")
    out = Path(config.out or bundle.root / "bench")
    phone_json = run_android_benchmark(
        bundle, serial, out / "pulled", adb=config.adb, threads=config.threads or 2, iterations=config.iterations,
        warmup=config.warmup, timeout_s=config.device_timeout,
    )
    return device_run_from_json(phone_json, out / "pulled" / f"android-{serial}-{bundle.name}.json")


@register_target("ios")
def bench_ios(bundle: BenchBundle, config: BenchConfig, profile: DeviceProfile, _argument: str | None) -> None:
    """iOS benchmarks run inside the ios_demo app; print how, return None (nothing measured here)."""
    print(ios_instructions(bundle.root, Path(config.out or bundle.root / "bench") / "results.json"))
    return None


def ios_instructions(bundle_dir: Path, results_path: Path) -> str:
    return "\n".join([
        "iOS benchmarks run inside the ios_demo app (the same Core ML / ExecuTorch runtimes the app ships with):",
        f"  1. Open ios_demo in Xcode, add the bundle folder {bundle_dir} to the app (see ios_demo/README.md).",
        f"  2. Run on the phone with the launch argument {contract.IOS_BENCHMARK_ARGUMENT} "
        "(Product > Scheme > Edit Scheme > Arguments), or tap Benchmark in the app.",
        f"  3. Copy {contract.IOS_RESULT_FILE} from the app's Documents folder: Xcode > Devices and Simulators > "
        f"{contract.IOS_BUNDLE_ID} > Download Container, or `xcrun devicectl device copy from --device UDID "
        f"--domain-type appDataContainer --domain-identifier {contract.IOS_BUNDLE_ID} --source Documents/{contract.IOS_RESULT_FILE} "
        "--destination .`",
        f"  4. signport bench import --result {contract.IOS_RESULT_FILE} --results {results_path}",
        "Nothing was measured by this command.",
    ])
