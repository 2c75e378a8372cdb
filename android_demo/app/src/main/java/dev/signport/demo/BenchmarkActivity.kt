package dev.signport.demo

import android.app.Activity
import android.os.Build
import android.os.Bundle
import android.util.Log
import android.view.WindowManager
import android.widget.TextView
import dev.signport.demo.bundle.Artifact
import dev.signport.demo.bundle.SignBundle
import dev.signport.demo.core.BenchDevice
import dev.signport.demo.core.BenchReport
import dev.signport.demo.core.BenchRun
import dev.signport.demo.core.InvalidBundleException
import dev.signport.demo.core.LinearHead
import dev.signport.demo.core.Softmax
import dev.signport.demo.runtime.ExecuTorchBackbone
import java.io.File
import java.text.SimpleDateFormat
import java.util.Date
import java.util.Locale
import java.util.TimeZone

/**
 * Benchmark mode, started over adb (intent extras and paths: BenchContract). Times backbone + head +
 * softmax on one fixed input for every ExecuTorch backbone of the bundle and writes a signport bench
 * result (signport/core/bench_result.schema.json), then finishes.
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
            out = DemoPaths.resultFile(this, intent.getStringExtra(BenchContract.EXTRA_OUT))
        )
        Thread({ runAndFinish(options) }, "signport-bench").start()
    }

    private class Options(val bundle: String?, val iterations: Int, val warmup: Int, val threads: Int, val artifactId: String?, val out: File)

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
        val results = artifacts.map { artifact ->
            say("${artifact.id}: ${options.warmup} warm-up + ${options.iterations} runs, threads ${options.threads}")
            ExecuTorchBackbone(artifact, bundle, options.threads).use { backbone ->
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
        val device = BenchDevice("${Build.MANUFACTURER} ${Build.MODEL}", "Android ${Build.VERSION.RELEASE} (API ${Build.VERSION.SDK_INT})")
        return BenchReport(device, bundle.manifest.name, isoNow(), results)
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
