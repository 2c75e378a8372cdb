"""The bench's demo_contract restates the demos' own sources; fail when they drift apart."""

import re
from pathlib import Path

from signport.device_bench import demo_contract as contract

REPO = Path(__file__).resolve().parents[2]


def kotlin_constants(source: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in re.findall(r'const val (\w+) = "([^"]*)"', source):
        values[name] = re.sub(r"\$(\w+)", lambda m: values[m.group(1)], value)
    return values


def test_android_values_match_bench_contract_kt():
    source = next(REPO.glob("android_demo/**/BenchContract.kt")).read_text()
    kt = kotlin_constants(source)
    assert contract.ANDROID_PACKAGE == kt["PACKAGE_NAME"]
    assert contract.ANDROID_COMPONENT == kt["COMPONENT"]
    assert (contract.ANDROID_EXTRA_BUNDLE, contract.ANDROID_EXTRA_ITERATIONS, contract.ANDROID_EXTRA_WARMUP,
            contract.ANDROID_EXTRA_THREADS, contract.ANDROID_EXTRA_OUT) == (
        kt["EXTRA_BUNDLE"], kt["EXTRA_ITERATIONS"], kt["EXTRA_WARMUP"], kt["EXTRA_THREADS"], kt["EXTRA_OUT"])
    assert contract.ANDROID_FILES_DIR == kt["DEVICE_FILES_DIR"]
    assert contract.ANDROID_BUNDLES_DIR == kt["BUNDLES_DIR"]
    assert contract.ANDROID_DEFAULT_OUT == kt["DEFAULT_OUT"]
    assert contract.ERROR_SUFFIX == kt["ERROR_SUFFIX"]
    assert contract.ANDROID_ARTIFACTS["format"] == kt["RUNTIME"]


def test_ios_values_match_launch_options_swift():
    source = (REPO / "ios_demo" / "SignportDemo" / "LaunchOptions.swift").read_text()
    keys = set(re.findall(r'forKey: "(\w+)"', source))
    assert keys == {contract.IOS_ARG_BENCHMARK, contract.IOS_ARG_ITERATIONS, contract.IOS_ARG_WARMUP,
                    contract.IOS_ARG_COMPUTE_UNITS, contract.IOS_ARG_OUT, contract.IOS_ARG_BUNDLE, contract.IOS_ARG_BACKENDS}
    assert f'static let benchmarkFolder = "{contract.IOS_BENCH_FOLDER}"' in source
    assert f'static let errorSuffix = "{contract.ERROR_SUFFIX}"' in source
    assert f'?? "{contract.IOS_DEFAULT_OUT}"' in source
    readme = (REPO / "ios_demo" / "README.md").read_text()
    assert f"--domain-identifier {contract.IOS_BUNDLE_ID}" in readme
    assert all(f"`{unit}`" in readme for unit in contract.IOS_COMPUTE_UNITS)
