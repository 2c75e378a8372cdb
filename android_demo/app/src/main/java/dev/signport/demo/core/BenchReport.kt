package dev.signport.demo.core

import org.json.JSONArray
import org.json.JSONObject

// The benchmark result file, in the shape of signport/core/bench_result.schema.json
// (the same JSON `signport bench` writes on the host); tests/demos checks these keys.

class BenchReport(
    val device: BenchDevice,
    val bundle: String,
    val created: String,
    val results: List<BenchRun>,
    /** The bundle's test vectors on this phone; null when the bundle has none. */
    val testVectors: List<TestVectorResult>? = null,
    val handStage: HandStage? = null,
    val deviceState: DeviceState? = null
) {
    // put(key, null) leaves an optional key out, as the schema wants.
    fun toJson(): JSONObject = JSONObject()
        .put("device", device.toJson())
        .put("bundle", bundle)
        .put("created", created)
        .put("results", JSONArray().also { array -> results.forEach { array.put(it.toJson()) } })
        .put("test_vectors", testVectors?.let { rows -> JSONArray().also { array -> rows.forEach { array.put(it.toJson()) } } })
        .put("hand_stage", handStage?.toJson())
        .put("device_state", deviceState?.toJson())
}

/** One backbone on the bundle's test vectors: its logits (embedding through head.bin) vs eager PyTorch's. */
class TestVectorResult(
    val artifactId: String,
    val runtime: String,
    val backend: String?,
    val count: Int,
    val top1Agreement: Double,
    val maxAbsDelta: Double,
    val error: String? = null
) {
    fun toJson(): JSONObject = JSONObject()
        .put("artifact_id", artifactId)
        .put("runtime", runtime)
        .put("compute_units", JSONObject.NULL)
        .put("backend", backend ?: JSONObject.NULL)
        .put("count", count)
        .put("top1_agreement", top1Agreement)
        .put("max_abs_delta", maxAbsDelta)
        .put("error", error)
}

/** MediaPipe's hand landmarker timed on the phone, in the mode the live screen uses. */
class HandStage(latenciesMs: DoubleArray, val handsFound: Int, val runningMode: String) {
    val latencyMs = LatencySummary.of(latenciesMs)
    val iterations: Int = latenciesMs.size

    fun toJson(): JSONObject = JSONObject()
        .put("latency_ms", latencyMs.toJson())
        .put("iterations", iterations)
        .put("hands_found", handsFound)
        .put("running_mode", runningMode)
}

/** Memory, cold load and thermal state around the run (any may be unknown: left out). */
class DeviceState(val pssMb: Double?, val coldLoadMs: Double?, val thermalStateStart: String?, val thermalStateEnd: String?) {
    fun toJson(): JSONObject = JSONObject()
        .put("pss_mb", pssMb)
        .put("cold_load_ms", coldLoadMs)
        .put("thermal_state_start", thermalStateStart)
        .put("thermal_state_end", thermalStateEnd)
}

class BenchDevice(val name: String, val os: String, val kind: String = "android") {
    fun toJson(): JSONObject = JSONObject()
        .put("name", name)
        .put("os", os)
        .put("kind", kind)
}

class BenchRun(
    val artifactId: String,
    val runtime: String,
    /** ExecuTorch has no compute-unit setting: null, written explicitly (the schema requires the key). */
    val computeUnits: String?,
    val threads: Int?,
    latenciesMs: DoubleArray,
    val loadMs: Double,
    val warmup: Int
) {
    val latencyMs = LatencySummary.of(latenciesMs)
    val fps: Double = if (latencyMs.mean > 0) 1000.0 / latencyMs.mean else 0.0
    val iterations: Int = latenciesMs.size

    fun toJson(): JSONObject = JSONObject()
        .put("artifact_id", artifactId)
        .put("runtime", runtime)
        .put("compute_units", computeUnits ?: JSONObject.NULL)
        .put("threads", threads ?: JSONObject.NULL)
        .put("latency_ms", latencyMs.toJson())
        .put("fps", fps)
        .put("load_ms", loadMs)
        .put("iterations", iterations)
        .put("warmup", warmup)
}

class LatencySummary(val p50: Double, val p90: Double, val p99: Double, val mean: Double) {
    fun toJson(): JSONObject = JSONObject()
        .put("p50", p50)
        .put("p90", p90)
        .put("p99", p99)
        .put("mean", mean)

    companion object {
        fun of(latenciesMs: DoubleArray): LatencySummary {
            val sorted = latenciesMs.sortedArray()
            val mean = if (sorted.isEmpty()) 0.0 else sorted.sum() / sorted.size
            return LatencySummary(percentile(sorted, 0.50), percentile(sorted, 0.90), percentile(sorted, 0.99), mean)
        }

        /** Linear interpolation between closest ranks: numpy.percentile's default, as signport uses. */
        fun percentile(sorted: DoubleArray, fraction: Double): Double {
            if (sorted.isEmpty()) return 0.0
            val position = fraction * (sorted.size - 1)
            val lower = Math.floor(position).toInt()
            val upper = Math.min(lower + 1, sorted.size - 1)
            return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower)
        }
    }
}
