package dev.signport.demo.core

import dev.signport.demo.bundle.BiasLayout
import dev.signport.demo.bundle.BinLayout
import dev.signport.demo.bundle.BundleManifest
import dev.signport.demo.bundle.HeadManifest
import dev.signport.demo.bundle.WeightLayout
import java.nio.ByteBuffer
import java.nio.ByteOrder

/** An error a user can act on: the message names the file and the fix, and the UI shows it verbatim. */
open class SignportException(message: String) : Exception(message)

class InvalidBundleException(message: String) : SignportException(message)

class HeadRefusedException(message: String) : SignportException(message)

/**
 * Byte layout of a head's NAME.bin, identical to signport.core.heads.head_to_bin:
 * little-endian float32, weight row-major (numClasses x embeddingSize) at offset 0, then bias (numClasses).
 */
object HeadBinLayout {
    const val BYTES_PER_VALUE = 4

    fun biasOffset(numClasses: Int, embeddingSize: Int): Int = numClasses * embeddingSize * BYTES_PER_VALUE

    fun totalBytes(numClasses: Int, embeddingSize: Int): Int = (numClasses * embeddingSize + numClasses) * BYTES_PER_VALUE

    /** The only layout signport writes (signport.core.heads.HeadManifest.bin_layout). */
    fun expected(numClasses: Int, embeddingSize: Int): BinLayout = BinLayout(
        dtype = "float32",
        byteOrder = "little",
        weight = WeightLayout(offset = 0, shape = listOf(numClasses, embeddingSize), order = "row-major"),
        bias = BiasLayout(offset = biasOffset(numClasses, embeddingSize), shape = listOf(numClasses)),
        totalBytes = totalBytes(numClasses, embeddingSize)
    )

    fun decodeFloats(bytes: ByteArray, byteOffset: Int, count: Int): FloatArray {
        val buffer = ByteBuffer.wrap(bytes, byteOffset, count * BYTES_PER_VALUE).order(ByteOrder.LITTLE_ENDIAN)
        return FloatArray(count) { buffer.float }
    }

    fun encode(weight: FloatArray, bias: FloatArray): ByteArray {
        val buffer = ByteBuffer.allocate((weight.size + bias.size) * BYTES_PER_VALUE).order(ByteOrder.LITTLE_ENDIAN)
        weight.forEach { buffer.putFloat(it) }
        bias.forEach { buffer.putFloat(it) }
        return buffer.array()
    }
}

/** The classifier head: logits = weight · embedding + bias, weight row-major (numClasses x embeddingSize). */
class LinearHead(val manifest: HeadManifest, val weight: FloatArray, val bias: FloatArray, val sourceName: String) {
    val labels: List<String> get() = manifest.labels
    val numClasses: Int get() = manifest.numClasses
    val embeddingSize: Int get() = manifest.embeddingSize

    init {
        require(weight.size == numClasses * embeddingSize && bias.size == numClasses) { "head tensors do not match $numClasses x $embeddingSize" }
    }

    fun logits(embedding: FloatArray): FloatArray {
        require(embedding.size == embeddingSize) { "embedding has ${embedding.size} values, head expects $embeddingSize" }
        val logits = FloatArray(numClasses)
        for (row in 0 until numClasses) {
            var sum = bias[row]
            for (column in 0 until embeddingSize) sum += weight[row * embeddingSize + column] * embedding[column]
            logits[row] = sum
        }
        return logits
    }

    /** Throw unless this head can sit on the bundle's backbone: same fingerprint and embedding size. */
    fun checkCompatible(bundle: BundleManifest) {
        if (manifest.format != HeadManifest.EXPECTED_FORMAT || manifest.formatVersion != HeadManifest.SUPPORTED_FORMAT_VERSION) {
            throw HeadRefusedException("$sourceName: not a signport head (format ${manifest.format} v${manifest.formatVersion}); write heads with `signport finetune`")
        }
        if (manifest.embeddingSize != bundle.embeddingSize) {
            throw HeadRefusedException(
                "$sourceName: head expects ${manifest.embeddingSize}-d embeddings but the backbone gives ${bundle.embeddingSize}-d; train the head on this bundle's backbone"
            )
        }
        if (manifest.backboneFingerprint != bundle.backboneFingerprint) {
            throw HeadRefusedException(
                "$sourceName: trained for backbone ${manifest.backboneFingerprint.take(19)}…, this bundle is ${bundle.backboneFingerprint.take(19)}…; fine-tune on this bundle"
            )
        }
    }

    companion object {
        /** Parse NAME.bin according to the head's own manifest, refusing any layout signport does not write. */
        fun fromBin(manifest: HeadManifest, bytes: ByteArray, sourceName: String): LinearHead {
            val classes = manifest.numClasses
            val features = manifest.embeddingSize
            val expected = HeadBinLayout.expected(classes, features)
            if (manifest.labels.size != classes) {
                throw HeadRefusedException("$sourceName: ${manifest.labels.size} labels but num_classes=$classes; re-create the head")
            }
            if (manifest.binLayout != expected) {
                throw HeadRefusedException("$sourceName: bin_layout is not little-endian float32 weight[${classes}x$features] then bias; re-export the head with signport")
            }
            if (bytes.size != expected.totalBytes) {
                throw HeadRefusedException("$sourceName: .bin holds ${bytes.size} bytes, expected ${expected.totalBytes} for ${classes}x$features; push the matching .bin")
            }
            val weight = HeadBinLayout.decodeFloats(bytes, expected.weight.offset, classes * features)
            val bias = HeadBinLayout.decodeFloats(bytes, expected.bias.offset, classes)
            if (weight.any { !it.isFinite() } || bias.any { !it.isFinite() }) {
                throw HeadRefusedException("$sourceName: head weights contain NaN or infinity; re-train the head")
            }
            return LinearHead(manifest, weight, bias, sourceName)
        }
    }
}

/** Numerically stable softmax. */
object Softmax {
    fun probabilities(logits: FloatArray): FloatArray {
        if (logits.isEmpty()) return logits
        var maximum = logits[0]
        for (value in logits) if (value > maximum) maximum = value
        val exponentials = FloatArray(logits.size) { Math.exp((logits[it] - maximum).toDouble()).toFloat() }
        val total = exponentials.sum()
        return FloatArray(exponentials.size) { exponentials[it] / total }
    }

    fun argmax(values: FloatArray): Int {
        var best = 0
        for (index in values.indices) if (values[index] > values[best]) best = index
        return best
    }
}
