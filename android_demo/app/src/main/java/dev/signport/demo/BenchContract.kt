package dev.signport.demo

/**
 * Everything a host needs to drive this app over adb — `signport bench --device android:SERIAL` builds
 * its commands from these values (restated in android_demo/README.md, "Benchmark mode"):
 *
 *   adb push BUNDLE_DIR /sdcard/Android/data/dev.signport.demo/files/bundles/NAME
 *   adb shell am start -W -n dev.signport.demo/.BenchmarkActivity \
 *       --es bundle /sdcard/Android/data/dev.signport.demo/files/bundles/NAME \
 *       --ei iterations 100 --ei warmup 10 --ei threads 4 \
 *       --es out /sdcard/Android/data/dev.signport.demo/files/bench/bench_result.json
 *   (poll until OUT or OUT.error exists; the result is renamed into place only when complete)
 *   adb pull /sdcard/Android/data/dev.signport.demo/files/bench/bench_result.json
 */
object BenchContract {
    const val PACKAGE_NAME = "dev.signport.demo"
    const val BENCHMARK_ACTIVITY = ".BenchmarkActivity"
    const val COMPONENT = "$PACKAGE_NAME/$BENCHMARK_ACTIVITY"

    /** String: bundle folder (absolute, or relative to BUNDLES_DIR). Default: the first bundle in BUNDLES_DIR. */
    const val EXTRA_BUNDLE = "bundle"
    /** Int: timed runs per artifact (default DEFAULT_ITERATIONS). */
    const val EXTRA_ITERATIONS = "iterations"
    /** Int: untimed runs first (default DEFAULT_WARMUP). */
    const val EXTRA_WARMUP = "warmup"
    /** Int: ExecuTorch CPU threads, 0 = runtime default (default DEFAULT_THREADS). */
    const val EXTRA_THREADS = "threads"
    /** String: result path (absolute inside the app's external files dir, or relative to it). Default DEFAULT_OUT. */
    const val EXTRA_OUT = "out"
    /** String: benchmark only this artifact id (default: every ExecuTorch backbone of the bundle). */
    const val EXTRA_ARTIFACT = "artifact"
    /** String: a photo with one hand on the phone, to time the hand stage on a real detection (default: a grey frame). */
    const val EXTRA_HAND_IMAGE = "hand_image"

    const val DEFAULT_ITERATIONS = 100
    const val DEFAULT_WARMUP = 10
    const val DEFAULT_THREADS = 0

    /** Context.getExternalFilesDir(null): readable and writable by adb without root or permissions. */
    const val DEVICE_FILES_DIR = "/sdcard/Android/data/$PACKAGE_NAME/files"
    const val BUNDLES_DIR = "$DEVICE_FILES_DIR/bundles"
    /** Push NAME.json + NAME.bin here to swap the head of the running app. */
    const val HEADS_DIR = "$DEVICE_FILES_DIR/heads"
    const val DEFAULT_OUT = "$DEVICE_FILES_DIR/bench/bench_result.json"
    /** Written instead of the result (plain text, one line) when the benchmark fails. */
    const val ERROR_SUFFIX = ".error"

    const val RUNTIME = "executorch"
    const val LOG_TAG = "SignportBench"
    /** Logged (logcat tag LOG_TAG) with the result path when the file is complete. */
    const val DONE_LOG_PREFIX = "SIGNPORT_BENCH_DONE "
}
