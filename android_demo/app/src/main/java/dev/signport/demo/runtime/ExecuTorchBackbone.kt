package dev.signport.demo.runtime

import dev.signport.demo.bundle.Artifact
import dev.signport.demo.bundle.SignBundle
import dev.signport.demo.core.InvalidBundleException
import org.pytorch.executorch.EValue
import org.pytorch.executorch.Module
import org.pytorch.executorch.Tensor
import java.io.Closeable

/** A bundle's ExecuTorch (.pte, XNNPACK) backbone: input tensor -> (D,) embedding. */
class ExecuTorchBackbone(val artifact: Artifact, bundle: SignBundle, val threads: Int) : Closeable {
    /** Module load plus method load (weights and XNNPACK setup), for the benchmark's load_ms. */
    val loadMs: Double
    private val module: Module
    private val inputShape: LongArray

    init {
        if (artifact.format != Artifact.FORMAT_EXECUTORCH || artifact.role != Artifact.ROLE_BACKBONE) {
            throw InvalidBundleException("artifact ${artifact.id} is ${artifact.format}/${artifact.role}, not an ExecuTorch backbone")
        }
        val input = artifact.inputs.firstOrNull()
            ?: throw InvalidBundleException("artifact ${artifact.id} lists no inputs in manifest.json; re-export the bundle")
        val file = bundle.file(artifact.path)
        if (!file.isFile) {
            throw InvalidBundleException("${file.path} is listed in manifest.json but missing; push the whole bundle folder")
        }
        val start = System.nanoTime()
        module = Module.load(file.absolutePath, Module.LOAD_MODE_MMAP, threads)
        module.loadMethod("forward")
        loadMs = (System.nanoTime() - start) / 1e6
        inputShape = input.runShape
    }

    val inputElementCount: Int get() = inputShape.fold(1L) { product, size -> product * size }.toInt()

    fun embedding(input: FloatArray): FloatArray {
        require(input.size == inputElementCount) { "backbone ${artifact.id} expects $inputElementCount input values, got ${input.size}" }
        val outputs = module.forward(EValue.from(Tensor.fromBlob(input, inputShape)))
        return outputs[0].toTensor().dataAsFloatArray
    }

    override fun close() = module.destroy()
}
