package dev.signport.demo.core

/** A smoothed decision: the class that won the vote and its mean probability over its votes. */
data class SmoothedPrediction(val classIndex: Int, val label: String, val confidence: Float)

/**
 * Majority vote over the last `window` frames. A frame votes for its top class only when that class's
 * probability reaches `threshold`; frames without a hand or below threshold abstain, and abstentions
 * count against every class, so a prediction needs a strict majority of the whole window.
 */
class MajorityVoteSmoother(val window: Int, val threshold: Float) {
    private class Vote(val classIndex: Int, val probability: Float)

    private val votes = ArrayList<Vote?>()

    init {
        require(window >= 1) { "window must be at least one frame" }
    }

    /** Add one frame (null when no hand was seen) and return the current smoothed decision. */
    fun push(probabilities: FloatArray?, labels: List<String>): SmoothedPrediction? {
        var vote: Vote? = null
        if (probabilities != null && probabilities.isNotEmpty()) {
            val best = Softmax.argmax(probabilities)
            if (probabilities[best] >= threshold) vote = Vote(best, probabilities[best])
        }
        votes.add(vote)
        while (votes.size > window) votes.removeAt(0)
        return decision(labels)
    }

    fun reset() = votes.clear()

    private fun decision(labels: List<String>): SmoothedPrediction? {
        val counts = HashMap<Int, Int>()
        val probabilitySums = HashMap<Int, Float>()
        for (vote in votes) {
            if (vote == null) continue
            counts[vote.classIndex] = (counts[vote.classIndex] ?: 0) + 1
            probabilitySums[vote.classIndex] = (probabilitySums[vote.classIndex] ?: 0f) + vote.probability
        }
        var winner = -1
        var winnerCount = 0
        for ((classIndex, count) in counts) {
            if (count > winnerCount) {
                winner = classIndex
                winnerCount = count
            }
        }
        if (winner < 0 || winnerCount * 2 <= window || winner >= labels.size) return null
        return SmoothedPrediction(winner, labels[winner], (probabilitySums[winner] ?: 0f) / winnerCount)
    }
}

/**
 * Fingerspelling to text. A letter is typed once when it becomes the smoothed prediction; holding it types
 * nothing more, so a double letter needs a release (another sign, "nothing" or no hand) between.
 * "space" and "del" act as keys; multi-letter labels (word glosses) are typed as words.
 */
class FingerspellingTranscriber {
    var text: String = ""
        private set
    private var heldLabel: String? = null

    /** Feed the smoothed label of one frame (null: no decision). Returns true when the text changed. */
    fun update(label: String?): Boolean {
        if (label == null || label == NOTHING_LABEL) {
            heldLabel = null
            return false
        }
        if (label == heldLabel) return false
        heldLabel = label
        text = when {
            label == SPACE_LABEL -> "$text "
            label == DELETE_LABEL -> text.dropLast(1)
            label.length == 1 -> text + label
            text.isEmpty() || text.endsWith(" ") -> text + label
            else -> "$text $label"
        }
        return true
    }

    fun clear() {
        text = ""
        heldLabel = null
    }

    companion object {
        // The key labels of signport.core.labels (SPACE, DELETE, NOTHING).
        const val SPACE_LABEL = "space"
        const val DELETE_LABEL = "del"
        const val NOTHING_LABEL = "nothing"
    }
}

/** The last `clipLength` frames sampled at `clipFps`, assembled as one NCTHW tensor for clip (3-D) backbones. */
class ClipBuffer(val clipLength: Int, val clipFps: Double, val channels: Int, height: Int, width: Int) {
    val frameSize = channels * height * width
    private val frames = ArrayList<FloatArray>()
    private var lastAcceptedSeconds: Double? = null

    /** Whether a frame at `timestampSeconds` is due at clipFps; camera frames in between are skipped. */
    fun wants(timestampSeconds: Double): Boolean {
        val last = lastAcceptedSeconds ?: return true
        // 10 % slack so a 30 fps camera feeding a 15 fps clip takes every second frame despite jitter.
        return timestampSeconds - last >= 0.9 / clipFps
    }

    /** Append one CHW frame; returns true when the clip is full. */
    fun append(frame: FloatArray, timestampSeconds: Double): Boolean {
        require(frame.size == frameSize) { "frame has ${frame.size} values, expected $frameSize" }
        frames.add(frame)
        while (frames.size > clipLength) frames.removeAt(0)
        lastAcceptedSeconds = timestampSeconds
        return isFull
    }

    val isFull: Boolean get() = frames.size == clipLength

    fun reset() {
        frames.clear()
        lastAcceptedSeconds = null
    }

    /** (1, C, T, H, W) from T frames of (C, H, W). */
    fun tensorNCTHW(): FloatArray {
        val plane = frameSize / channels
        val tensor = FloatArray(frameSize * frames.size)
        for ((time, frame) in frames.withIndex()) {
            for (channel in 0 until channels) {
                System.arraycopy(frame, channel * plane, tensor, (channel * frames.size + time) * plane, plane)
            }
        }
        return tensor
    }
}

/** ARGB pixels (android.graphics.Bitmap.getPixels) at the model's input size -> NCHW float32, (x/255 - mean)/std. */
object ImageNormalizer {
    fun nchw(argb: IntArray, width: Int, height: Int, mean: FloatArray, std: FloatArray): FloatArray {
        val plane = width * height
        require(argb.size == plane) { "got ${argb.size} pixels for $width x $height" }
        val tensor = FloatArray(3 * plane)
        // (x / 255 - mean) / std == x * scale + shift, per channel; the manifest's color_order is RGB.
        val scale = FloatArray(3) { 1f / (255f * std[it]) }
        val shift = FloatArray(3) { -mean[it] / std[it] }
        for (index in 0 until plane) {
            val pixel = argb[index]
            tensor[index] = ((pixel shr 16) and 0xFF) * scale[0] + shift[0]
            tensor[plane + index] = ((pixel shr 8) and 0xFF) * scale[1] + shift[1]
            tensor[2 * plane + index] = (pixel and 0xFF) * scale[2] + shift[2]
        }
        return tensor
    }
}

/**
 * MediaPipe landmarks -> the landmark model's (63,) input: x, y, z per point in MediaPipe order, with
 * left hands mirrored x -> 1 - x (signport.core.preprocessing.mirror_landmarks_x); the model normalizes the rest.
 */
object LandmarkInput {
    const val POINT_COUNT = 21
    const val FEATURE_COUNT = 63
    /** MediaPipe's handedness category for a left hand. */
    const val LEFT_HANDEDNESS = "Left"

    fun features(x: FloatArray, y: FloatArray, z: FloatArray, handedness: String): FloatArray {
        require(x.size == POINT_COUNT && y.size == POINT_COUNT && z.size == POINT_COUNT) { "need $POINT_COUNT landmarks" }
        val mirror = handedness == LEFT_HANDEDNESS
        val features = FloatArray(FEATURE_COUNT)
        for (index in 0 until POINT_COUNT) {
            features[index * 3] = if (mirror) 1f - x[index] else x[index]
            features[index * 3 + 1] = y[index]
            features[index * 3 + 2] = z[index]
        }
        return features
    }
}
