package dev.signport.demo.landmarks

import android.content.Context
import android.graphics.Bitmap
import com.google.mediapipe.framework.image.BitmapImageBuilder
import com.google.mediapipe.tasks.core.BaseOptions
import com.google.mediapipe.tasks.vision.core.RunningMode
import com.google.mediapipe.tasks.vision.handlandmarker.HandLandmarker
import com.google.mediapipe.tasks.vision.handlandmarker.HandLandmarkerResult
import dev.signport.demo.core.LandmarkInput
import java.io.Closeable
import java.io.File
import java.io.RandomAccessFile
import java.nio.MappedByteBuffer
import java.nio.channels.FileChannel

/** One frame's hand: the landmark model's (63,) input, or null when no hand was found. */
class LandmarkFrame(val timestampMs: Long, val features: FloatArray?, val handedness: String?)

/**
 * MediaPipe Tasks HandLandmarker in LIVE_STREAM mode: the same detector and landmark model the
 * landmark classifier was trained on. Results arrive asynchronously on MediaPipe's thread.
 */
class HandLandmarkSource(
    context: Context,
    /** hand_landmarker.task inside the bundle folder, if the bundle carries one; else the app's asset. */
    bundledModel: File?,
    private val onResult: (LandmarkFrame) -> Unit,
    private val onError: (String) -> Unit
) : Closeable {
    private val landmarker: HandLandmarker

    init {
        val base = BaseOptions.builder().apply {
            if (bundledModel != null && bundledModel.isFile) setModelAssetBuffer(mapFile(bundledModel)) else setModelAssetPath(ASSET_NAME)
        }.build()
        val options = HandLandmarker.HandLandmarkerOptions.builder()
            .setBaseOptions(base)
            .setRunningMode(RunningMode.LIVE_STREAM)
            .setNumHands(1)
            .setMinHandDetectionConfidence(0.5f)
            .setMinHandPresenceConfidence(0.5f)
            .setMinTrackingConfidence(0.5f)
            .setResultListener { result: HandLandmarkerResult, _ -> onResult(toFrame(result)) }
            .setErrorListener { error: RuntimeException -> onError("MediaPipe: ${error.message}") }
            .build()
        landmarker = HandLandmarker.createFromOptions(context, options)
    }

    /** Upright frame; timestamps must increase (MediaPipe LIVE_STREAM requirement). */
    fun detectAsync(frame: Bitmap, timestampMs: Long) {
        landmarker.detectAsync(BitmapImageBuilder(frame).build(), timestampMs)
    }

    override fun close() = landmarker.close()

    private fun toFrame(result: HandLandmarkerResult): LandmarkFrame {
        val hand = result.landmarks().firstOrNull()
        if (hand == null || hand.size != LandmarkInput.POINT_COUNT) return LandmarkFrame(result.timestampMs(), null, null)
        val handedness = result.handedness().firstOrNull()?.firstOrNull()?.categoryName() ?: "Right"
        val x = FloatArray(hand.size) { hand[it].x() }
        val y = FloatArray(hand.size) { hand[it].y() }
        val z = FloatArray(hand.size) { hand[it].z() }
        return LandmarkFrame(result.timestampMs(), LandmarkInput.features(x, y, z, handedness), handedness)
    }

    companion object {
        /** app/src/main/assets/hand_landmarker.task (see README: not in git, copy it in before building). */
        const val ASSET_NAME = "hand_landmarker.task"

        private fun mapFile(file: File): MappedByteBuffer = RandomAccessFile(file, "r").use { handle ->
            handle.channel.map(FileChannel.MapMode.READ_ONLY, 0, handle.length())
        }
    }
}
