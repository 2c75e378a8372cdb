package dev.signport.demo.core

import dev.signport.demo.bundle.SignBundle
import dev.signport.demo.bundle.VectorFile
import java.io.File

/**
 * A bundle's test vectors (manifest "test_vectors", written by `signport export`): inputs with the eager
 * PyTorch embeddings and logits as raw little-endian float32 files. The benchmark runs the inputs through
 * the backbone and the shipped head and reports top-1 agreement and max |Δlogit| against the logits;
 * `signport bench --device android:SERIAL` fails the verdict when they miss the bundle's thresholds.
 */
class TestVectors(val inputs: List<FloatArray>, val embeddings: List<FloatArray>, val logits: List<FloatArray>) {
    companion object {
        fun load(bundle: SignBundle): TestVectors {
            val block = bundle.manifest.testVectors
                ?: throw InvalidBundleException("${bundle.manifest.name} has no test vectors; re-export it with this signport")
            return TestVectors(
                rows(bundle.file(block.inputs.path), block.inputs, block.count),
                rows(bundle.file(block.embeddings.path), block.embeddings, block.count),
                rows(bundle.file(block.logits.path), block.logits, block.count)
            )
        }

        fun rows(file: File, spec: VectorFile, count: Int): List<FloatArray> {
            if (!file.isFile) throw InvalidBundleException("${file.path} is listed in manifest.json test_vectors but missing; push the whole bundle folder")
            if (SignBundle.sha256Hex(file) != spec.sha256) {
                throw InvalidBundleException("${file.path} does not match its sha256 in manifest.json; push the bundle again")
            }
            val bytes = file.readBytes()
            val rowSize = spec.rowSize
            if (spec.shape.isEmpty() || spec.shape[0] != count || bytes.size != count * rowSize * HeadBinLayout.BYTES_PER_VALUE) {
                throw InvalidBundleException("${file.path} holds ${bytes.size / HeadBinLayout.BYTES_PER_VALUE} floats, manifest.json says ${spec.shape}")
            }
            return (0 until count).map { HeadBinLayout.decodeFloats(bytes, it * rowSize * HeadBinLayout.BYTES_PER_VALUE, rowSize) }
        }

        /** Top-1 agreement and max |Δlogit| of `actual` against `expected` (the numbers the bench result carries). */
        fun agreement(expected: List<FloatArray>, actual: List<FloatArray>): Pair<Double, Double> {
            require(expected.size == actual.size) { "test vectors: ${actual.size} outputs for ${expected.size} vectors" }
            var agree = 0
            var maxDelta = 0.0
            for (i in expected.indices) {
                if (argmax(expected[i]) == argmax(actual[i])) agree += 1
                for (j in expected[i].indices) maxDelta = Math.max(maxDelta, Math.abs((expected[i][j] - actual[i][j]).toDouble()))
            }
            return Pair(if (expected.isEmpty()) 0.0 else agree.toDouble() / expected.size, maxDelta)
        }

        private fun argmax(values: FloatArray): Int {
            var best = 0
            for (i in values.indices) if (values[i] > values[best]) best = i
            return best
        }
    }
}
