"""How the bench drives the demo apps' benchmark mode: the one place for the package, activity,
intent extras, on-device paths and launch arguments that the Android and iOS demos define.

PLACEHOLDERS until android_demo/README.md and ios_demo land on main; then these values are
aligned with the Kotlin constants file and the Swift launch-argument parser (and a test reads
those sources to keep them in step).
"""

ANDROID_PACKAGE = "dev.signport.demo"
ANDROID_BENCHMARK_ACTIVITY = "dev.signport.demo.BenchmarkActivity"
# Intent extras of the benchmark activity (`am start --es/--ei`).
ANDROID_EXTRA_BUNDLE_DIR = "bundle_dir"  # string: on-device folder holding manifest.json
ANDROID_EXTRA_RESULT_PATH = "result_path"  # string: where the app writes its benchmark JSON
ANDROID_EXTRA_THREADS = "threads"  # int
ANDROID_EXTRA_ITERATIONS = "iterations"  # int: timed iterations per artifact
ANDROID_EXTRA_WARMUP = "warmup"  # int
# App-specific external storage: adb can push/pull here without root, the app reads it without permissions.
ANDROID_REMOTE_ROOT = f"/sdcard/Android/data/{ANDROID_PACKAGE}/files"
ANDROID_FORMATS = ("executorch",)  # what the Android app runs; other artifacts are not pushed

IOS_BUNDLE_ID = "dev.signport.demo"
IOS_BENCHMARK_ARGUMENT = "-benchmark"  # launch argument that starts benchmark mode
IOS_RESULT_FILE = "bench_result.json"  # written to the app's Documents folder
IOS_FORMATS = ("coreml", "executorch")
