package dev.signport.demo

import dev.signport.demo.core.BenchRun
import dev.signport.demo.core.ClipBuffer
import dev.signport.demo.core.FingerspellingTranscriber
import dev.signport.demo.core.HeadBinLayout
import dev.signport.demo.core.ImageNormalizer
import dev.signport.demo.core.LandmarkInput
import dev.signport.demo.core.MajorityVoteSmoother
import org.json.JSONObject
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class RecognitionTest {
    @Test
    fun binIsLittleEndianWeightThenBias() {
        val bytes = HeadBinLayout.encode(floatArrayOf(1f, 2f, 3f, 4f, 5f, 6f), floatArrayOf(-1f, -2f))
        assertEquals(HeadBinLayout.totalBytes(2, 3), bytes.size)
        assertArrayEquals(byteArrayOf(0x00, 0x00, 0x80.toByte(), 0x3F), bytes.copyOf(4))  // 1.0f little-endian
        assertArrayEquals(floatArrayOf(-1f, -2f), HeadBinLayout.decodeFloats(bytes, HeadBinLayout.biasOffset(2, 3), 2), 0f)
    }

    @Test
    fun majorityVoteNeedsStrictMajorityAboveThreshold() {
        val smoother = MajorityVoteSmoother(5, 0.6f)
        val labels = listOf("A", "B")
        assertNull(smoother.push(floatArrayOf(0.9f, 0.1f), labels))
        assertNull(smoother.push(floatArrayOf(0.9f, 0.1f), labels))
        assertEquals("A", smoother.push(floatArrayOf(0.7f, 0.3f), labels)?.label)
        assertEquals((0.9f + 0.9f + 0.7f) / 3, smoother.push(floatArrayOf(0.55f, 0.45f), labels)!!.confidence, 1e-6f)
        assertEquals("A", smoother.push(null, labels)?.label)
        assertNull(smoother.push(floatArrayOf(0.1f, 0.9f), labels))
    }

    @Test
    fun transcriberTypesOncePerHoldAndHandlesKeys() {
        val transcriber = FingerspellingTranscriber()
        listOf("H", "H", "H", "I", null, "I", "space", "space", "B", "del", "nothing", "O", "O").forEach { transcriber.update(it) }
        assertEquals("HII O", transcriber.text)
        transcriber.update("hello")
        assertEquals("HII O hello", transcriber.text)
    }

    @Test
    fun clipBufferSamplesAtClipFpsAndLaysOutNCTHW() {
        val clip = ClipBuffer(2, 15.0, 3, 1, 2)
        assertTrue(clip.wants(0.0))
        clip.append(floatArrayOf(1f, 2f, 3f, 4f, 5f, 6f), 0.0)
        assertTrue(!clip.wants(1.0 / 30))
        assertTrue(clip.append(floatArrayOf(10f, 20f, 30f, 40f, 50f, 60f), 2.0 / 30))
        assertArrayEquals(floatArrayOf(1f, 2f, 10f, 20f, 3f, 4f, 30f, 40f, 5f, 6f, 50f, 60f), clip.tensorNCTHW(), 0f)
    }

    @Test
    fun imageNormalizerUsesMeanStdInRgbOrder() {
        val argb = intArrayOf(0xFFFFFF00.toInt(), 0xFF0000FF.toInt())  // (R255,G255,B0), (R0,G0,B255)
        val tensor = ImageNormalizer.nchw(argb, 2, 1, floatArrayOf(0.5f, 0.25f, 0f), floatArrayOf(0.5f, 0.25f, 1f))
        assertArrayEquals(floatArrayOf(1f, -1f, 3f, -1f, 0f, 1f), tensor, 1e-6f)
    }

    @Test
    fun leftHandsAreMirrored() {
        val x = FloatArray(21) { it / 100f }
        val y = FloatArray(21) { 0.25f }
        val z = FloatArray(21) { -0.1f }
        val left = LandmarkInput.features(x, y, z, "Left")
        val right = LandmarkInput.features(x, y, z, "Right")
        assertEquals(0.99f, left[3], 1e-6f)
        assertEquals(0.01f, right[3], 1e-6f)
        assertEquals(0.25f, right[4], 0f)
        assertEquals(-0.1f, right[5], 0f)
    }

    @Test
    fun benchRunWritesNullComputeUnitsAndPercentiles() {
        val run = BenchRun("a", "executorch", null, 4, doubleArrayOf(1.0, 2.0, 3.0, 4.0), 5.0, 2)
        assertEquals(2.5, run.latencyMs.p50, 1e-9)
        assertEquals(3.7, run.latencyMs.p90, 1e-9)
        assertEquals(400.0, run.fps, 1e-9)
        val json = JSONObject(run.toJson().toString())
        assertTrue(json.isNull("compute_units"))
        assertTrue(json.has("compute_units"))
        assertEquals(4, json.getInt("threads"))
        assertEquals(4, json.getInt("iterations"))
    }
}
