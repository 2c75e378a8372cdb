"""How the bench drives the demo apps' benchmark modes: the one place on the Python side for the
package, activity, intent extras, device paths and launch arguments the demos define.

Values restate android_demo/.../BenchContract.kt and ios_demo/SignportDemo/LaunchOptions.swift
(see both READMEs, "Benchmark mode"); tests/device_bench/test_demo_contract.py reads those
sources and fails when they drift apart.
"""

# Android: android_demo BenchContract.kt
ANDROID_PACKAGE = "dev.signport.demo"
ANDROID_COMPONENT = f"{ANDROID_PACKAGE}/.BenchmarkActivity"  # for `am start -n`
ANDROID_EXTRA_BUNDLE = "bundle"  # --es: bundle folder on the phone
ANDROID_EXTRA_ITERATIONS = "iterations"  # --ei
ANDROID_EXTRA_WARMUP = "warmup"  # --ei
ANDROID_EXTRA_THREADS = "threads"  # --ei: ExecuTorch CPU threads, 0 = runtime default
ANDROID_EXTRA_OUT = "out"  # --es: result path
ANDROID_FILES_DIR = f"/sdcard/Android/data/{ANDROID_PACKAGE}/files"  # adb-writable without root
ANDROID_BUNDLES_DIR = f"{ANDROID_FILES_DIR}/bundles"
ANDROID_DEFAULT_OUT = f"{ANDROID_FILES_DIR}/bench/bench_result.json"
# What BenchmarkActivity can run: ExecuTorch programs on XNNPACK (a Core ML-delegated .pte is for iOS).
ANDROID_ARTIFACTS = {"format": "executorch", "delegates": ("xnnpack", None)}

# iOS: ios_demo LaunchOptions.swift (launch arguments `-name value`)
IOS_BUNDLE_ID = "dev.signport.demo"
IOS_ARG_BENCHMARK = "benchmark"
IOS_ARG_ITERATIONS = "iterations"
IOS_ARG_WARMUP = "warmup"
IOS_ARG_COMPUTE_UNITS = "computeUnits"  # comma-separated MLComputeUnits names
IOS_ARG_OUT = "benchmarkOut"  # file name under Documents/bench/
IOS_ARG_BUNDLE = "bundle"  # bundle folder relative to Documents
IOS_ARG_BACKENDS = "backends"  # comma-separated backbone backends to time, side by side
IOS_BENCH_FOLDER = "bench"
IOS_DEFAULT_OUT = "bench_result.json"
IOS_COMPUTE_UNITS = ("all", "cpuOnly", "cpuAndNeuralEngine")
IOS_FORMATS = ("coreml", "executorch")  # what the iOS benchmark mode runs
# Backbone backends of the iOS app: the Core ML .mlpackage, and the .pte through ExecuTorch's
# XNNPACK (CPU) or Core ML delegate; one bundle is timed on each, side by side.
IOS_BACKENDS = ("coreml", "executorch-xnnpack", "executorch-coreml")

# Both apps write the result atomically, or OUT + ERROR_SUFFIX (one line of text) on failure.
ERROR_SUFFIX = ".error"
