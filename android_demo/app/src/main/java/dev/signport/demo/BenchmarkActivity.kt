package dev.signport.demo

import android.app.Activity
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.Color
import android.os.Build
import android.os.Bundle
import android.os.Debug
import android.os.PowerManager
import android.util.Log
import android.view.WindowManager
import android.widget.TextView
import dev.signport.demo.bundle.Artifact
import dev.signport.demo.bundle.SignBundle
import dev.signport.demo.core.BenchDevice
import dev.signport.demo.core.BenchReport
import dev.signport.demo.core.BenchRun
import dev.signport.demo.core.DeviceState
import dev.signport.demo.core.HandStage
import dev.signport.demo.core.InvalidBundleException
import dev.signport.demo.core.LinearHead
import dev.signport.demo.core.Softmax
import dev.signport.demo.core.TestVectorResult
import dev.signport.demo.core.TestVectors
import dev.signport.demo.landmarks.HandLandmarkSource
import dev.signport.demo.runtime.ExecuTorchBackbone
import com.google.mediapipe.framework.image.BitmapImageBuilder
import com.google.mediapipe.tasks.core.BaseOptions
import com.google.mediapipe.tasks.vision.core.RunningMode
import com.google.mediapipe.tasks.vision.handlandmarker.HandLandmarker
import java.io.File
import java.text.SimpleDateFormat
import java.util.Date
import java.util.Locale
import java.util.TimeZone

/**
 * Benchmark mode, started over adb (intent extras and paths: BenchContract). For every ExecuTorch backbone
 * of the bundle: runs the bundle's test vectors (parity on the phone), then times backbone + head + softmax
 * on one fixed input. Also times MediaPipe's hand stage in VIDEO mode (tracking, as the live screen runs
 * it) and records PSS memory, the cold load time and the thermal state; writes a signport bench result
 * (signport/core/bench_result.schema.json), then finishes.
 */
class BenchmarkActivity : Activity() {
    private lateinit var log: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // A dimmed, sleeping phone throttles: keep the screen on while measuring.
        window.addFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
        log = TextView(this).apply { setPadding(32, 32, 32, 32); textSize = 13f }
        setContentView(log)
        val options = Options(
            bundle = intent.getStringExtra(BenchContract.EXTRA_BUNDLE),
            iterations = Math.max(1, intent.getIntExtra(BenchContract.EXTRA_ITERATIONS, BenchContract.DEFAULT_ITERATIONS)),
            warmup = Math.max(0, intent.getIntExtra(BenchContract.EXTRA_WARMUP, BenchContract.DEFAULT_WARMUP)),
            threads = Math.max(0, intent.getIntExtra(BenchContract.EXTRA_THREADS, BenchContract.DEFAULT_THREADS)),
            artifactId = intent.getStringExtra(BenchContract.EXTRA_ARTIFACT),
            handImage = intent.getStringExtra(BenchContract.EXTRA_HAND_IMAGE),
            out = DemoPaths.resultFile(this, intent.getStringExtra(BenchContract.EXTRA_OUT))
        )
        Thread({ runAndFinish(options) }, "signport-bench").start()
    }

    private class Options(
        val bundle: String?, val iterations: Int, val warmup: Int, val threads: Int, val artifactId: String?,
        val handImage: String?, val out: File
    )

    private fun runAndFinish(options: Options) {
        val errorFile = File(options.out.path + BenchContract.ERROR_SUFFIX)
        try {
            // A stale result or error from an earlier run must not be mistaken for this one's.
            errorFile.delete()
            options.out.delete()
            val report = run(options)
            writeAtomically(options.out, report.toJson().toString(2))
            Log.i(BenchContract.LOG_TAG, BenchContract.DONE_LOG_PREFIX + options.out.path)
            say("wrote ${options.out.path}")
        } catch (error: Exception) {
            val message = error.message ?: error.toString()
            Log.e(BenchContract.LOG_TAG, "benchmark failed: $message", error)
            writeAtomically(errorFile, message + "\n")
            say("failed: $message")
        }
        runOnUiThread { finish() }
    }

    private fun run(options: Options): BenchReport {
        val bundle = SignBundle.load(DemoPaths.findBundle(this, options.bundle))
        val head = bundle.shippedHead()
        val artifacts = bundle.backbones(Artifact.FORMAT_EXECUTORCH).filter { options.artifactId == null || it.id == options.artifactId }
        if (artifacts.isEmpty()) {
            throw InvalidBundleException("${bundle.manifest.name} has no ExecuTorch backbone${options.artifactId?.let { " with id $it" } ?: ""}; export with `--formats executorch`")
        }
        val thermalStart = thermalState()
        val vectors = if (bundle.manifest.testVectors != null) TestVectors.load(bundle) else null
        val vectorResults = ArrayList<TestVectorResult>()
        var coldLoadMs: Double? = null
        val results = artifacts.map { artifact ->
            say("${artifact.id}: ${options.warmup} warm-up + ${options.iterations} runs, threads ${options.threads}")
            ExecuTorchBackbone(artifact, bundle, options.threads).use { backbone ->
                if (coldLoadMs == null) coldLoadMs = backbone.loadMs
                if (vectors != null) vectorResults.add(checkVectors(vectors, backbone, head))
                val input = fixedInput(backbone.inputElementCount)
                repeat(options.warmup) { inferOnce(backbone, head, input) }
                val latencies = DoubleArray(options.iterations) {
                    val start = System.nanoTime()
                    inferOnce(backbone, head, input)
                    (System.nanoTime() - start) / 1e6
                }
                BenchRun(artifact.id, BenchContract.RUNTIME, null, options.threads, latencies, backbone.loadMs, options.warmup)
            }
        }
        val hand = timeHandStage(bundle, options)
        val memory = Debug.MemoryInfo().also { Debug.getMemoryInfo(it) }
        val state = DeviceState(memory.totalPss / 1024.0, coldLoadMs, thermalStart, thermalState())
        val device = BenchDevice("${Build.MANUFACTURER} ${Build.MODEL}", "Android ${Build.VERSION.RELEASE} (API ${Build.VERSION.SDK_INT})")
        return BenchReport(device, bundle.manifest.name, isoNow(), results, if (vectors != null) vectorResults else null, hand, state)
    }

    /** The bundle's test vectors through this backbone and the shipped head, against eager PyTorch's logits. */
    private fun checkVectors(vectors: TestVectors, backbone: ExecuTorchBackbone, head: LinearHead): TestVectorResult {
        val backend = backbone.artifact.delegate ?: "xnnpack"
        return try {
            val logits = vectors.inputs.map { head.logits(backbone.embedding(it)) }
            val (top1, delta) = TestVectors.agreement(vectors.logits, logits)
            say("  test vectors: top-1 agreement ${"%.3f".format(top1)}, max |Δlogit| ${"%.2e".format(delta)}")
            TestVectorResult(backbone.artifact.id, BenchContract.RUNTIME, backend, vectors.inputs.size, top1, delta)
        } catch (error: Exception) {
            TestVectorResult(backbone.artifact.id, BenchContract.RUNTIME, backend, vectors.inputs.size, 0.0, 0.0, error.message ?: error.toString())
        }
    }

    /**
     * MediaPipe's HandLandmarker in VIDEO mode (detection, then tracking between frames, as the live screen
     * runs it) on the `hand_image` extra (a photo pushed to the phone), else a grey camera-sized frame, where
     * only the palm detector runs: hands_found tells which one was measured.
     */
    private fun timeHandStage(bundle: SignBundle, options: Options): HandStage? {
        val frame: Bitmap = options.handImage?.let { BitmapFactory.decodeFile(it) }
            ?: Bitmap.createBitmap(640, 480, Bitmap.Config.ARGB_8888).apply { eraseColor(Color.GRAY) }
        val taskFile = File(bundle.directory, HandLandmarkSource.ASSET_NAME)
        val base = BaseOptions.builder().apply {
            if (taskFile.isFile) setModelAssetPath(taskFile.absolutePath) else setModelAssetPath(HandLandmarkSource.ASSET_NAME)
        }.build()
        val landmarker = try {
            HandLandmarker.createFromOptions(this, HandLandmarker.HandLandmarkerOptions.builder()
                .setBaseOptions(base).setRunningMode(RunningMode.VIDEO).setNumHands(1).build())
        } catch (error: Exception) {
            say("hand stage not measured: ${error.message}")
            return null
        }
        landmarker.use {
            val image = BitmapImageBuilder(frame).build()
            var timestampMs = 0L
            repeat(options.warmup) { landmarker.detectForVideo(image, timestampMs); timestampMs += 33 }
            var found = 0
            val latencies = DoubleArray(options.iterations) {
                val start = System.nanoTime()
                val result = landmarker.detectForVideo(image, timestampMs)
                timestampMs += 33
                if (result.landmarks().isNotEmpty()) found += 1
                (System.nanoTime() - start) / 1e6
            }
            say("hand stage: p50 ${"%.1f".format(HandStage(latencies, found, "VIDEO").latencyMs.p50)} ms, hand in $found of ${latencies.size}")
            return HandStage(latencies, found, "VIDEO")
        }
    }

    private fun thermalState(): String? {
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.Q) return null
        return when ((getSystemService(POWER_SERVICE) as PowerManager).currentThermalStatus) {
            PowerManager.THERMAL_STATUS_NONE -> "none"
            PowerManager.THERMAL_STATUS_LIGHT -> "light"
            PowerManager.THERMAL_STATUS_MODERATE -> "moderate"
            PowerManager.THERMAL_STATUS_SEVERE -> "severe"
            PowerManager.THERMAL_STATUS_CRITICAL -> "critical"
            PowerManager.THERMAL_STATUS_EMERGENCY -> "emergency"
            PowerManager.THERMAL_STATUS_SHUTDOWN -> "shutdown"
            else -> "unknown"
        }
    }

    private fun inferOnce(backbone: ExecuTorchBackbone, head: LinearHead, input: FloatArray): FloatArray =
        Softmax.probabilities(head.logits(backbone.embedding(input)))

    private fun say(line: String) = runOnUiThread { log.append(line + "\n") }

    companion object {
        /** Deterministic, non-constant input in the normalized value range (constant inputs can take fast paths). */
        fun fixedInput(count: Int): FloatArray = FloatArray(count) { Math.sin(it * 0.37).toFloat() }

        /** The result appears complete or not at all: the host polls for the file. */
        fun writeAtomically(target: File, text: String) {
            target.parentFile?.mkdirs()
            val staging = File(target.path + ".tmp")
            staging.writeText(text)
            if (!staging.renameTo(target)) throw IllegalStateException("cannot move ${staging.path} to ${target.path}")
        }

        fun isoNow(): String = SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ssXXX", Locale.ROOT).apply { timeZone = TimeZone.getTimeZone("UTC") }.format(Date())
    }
}
