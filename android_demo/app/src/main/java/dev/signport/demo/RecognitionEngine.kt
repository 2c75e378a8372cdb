package dev.signport.demo

import dev.signport.demo.bundle.Preprocessing
import dev.signport.demo.bundle.SignBundle
import dev.signport.demo.core.ClipBuffer
import dev.signport.demo.core.FingerspellingTranscriber
import dev.signport.demo.core.InvalidBundleException
import dev.signport.demo.core.LinearHead
import dev.signport.demo.core.MajorityVoteSmoother
import dev.signport.demo.core.SmoothedPrediction
import dev.signport.demo.core.Softmax
import dev.signport.demo.runtime.ExecuTorchBackbone

/** What the UI shows after one frame. */
class FrameResult(
    val smoothed: SmoothedPrediction?,
    val rawLabel: String?,
    val rawProbability: Float,
    val transcript: String,
    /** Camera frame -> smoothed decision, including hand detection and preprocessing. */
    val latencyMs: Double,
    val handedness: String?
)

/**
 * Model input (per the manifest's input_kind) -> ExecuTorch backbone -> head -> softmax -> majority vote
 * -> transcript. Confined to one thread (MainActivity's inference executor), so it needs no locks.
 */
class RecognitionEngine(val bundle: SignBundle, private val backbone: ExecuTorchBackbone, head: LinearHead, settings: Settings) {
    data class Settings(val window: Int = 7, val threshold: Float = 0.6f)

    var head: LinearHead = head
        private set
    private var smoother = MajorityVoteSmoother(settings.window, settings.threshold)
    private val transcriber = FingerspellingTranscriber()
    private val clip: ClipBuffer? = bundle.manifest.preprocessing.let { prep ->
        if (prep.inputKind != Preprocessing.INPUT_KIND_CLIP) null else {
            val length = prep.clipLength ?: throw InvalidBundleException("clip bundle without preprocessing.clip_length; re-export the bundle")
            val fps = prep.clipFps ?: throw InvalidBundleException("clip bundle without preprocessing.clip_fps; re-export the bundle")
            ClipBuffer(length, fps, 3, prep.height, prep.width)
        }
    }

    fun install(newHead: LinearHead) {
        head = newHead
        smoother.reset()  // votes were class indices of the old label set
    }

    fun apply(settings: Settings) {
        smoother = MajorityVoteSmoother(settings.window, settings.threshold)
    }

    fun clearTranscript() = transcriber.clear()

    /** Whether a clip model wants the frame at this time (it samples at clip_fps); images and landmarks always do. */
    fun wantsFrame(timestampSeconds: Double): Boolean = clip?.wants(timestampSeconds) ?: true

    /** One frame's model input (null: no hand). For clip bundles, one frame (C, H, W) of the clip. */
    fun process(input: FloatArray?, frameStartNanos: Long, timestampSeconds: Double, handedness: String? = null): FrameResult {
        var modelInput = input
        val clip = clip
        if (clip != null && input != null) {
            modelInput = if (clip.append(input, timestampSeconds)) clip.tensorNCTHW() else null
        }
        var probabilities: FloatArray? = null
        var rawLabel: String? = null
        var rawProbability = 0f
        if (modelInput != null) {
            val scores = Softmax.probabilities(head.logits(backbone.embedding(modelInput)))
            val best = Softmax.argmax(scores)
            rawLabel = head.labels[best]
            rawProbability = scores[best]
            probabilities = scores
        }
        val smoothed = smoother.push(probabilities, head.labels)
        transcriber.update(smoothed?.label)
        return FrameResult(smoothed, rawLabel, rawProbability, transcriber.text, (System.nanoTime() - frameStartNanos) / 1e6, handedness)
    }
}
