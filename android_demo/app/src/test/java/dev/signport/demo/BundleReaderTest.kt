package dev.signport.demo

import dev.signport.demo.bundle.Artifact
import dev.signport.demo.bundle.HeadDropFolder
import dev.signport.demo.bundle.Preprocessing
import dev.signport.demo.bundle.SignBundle
import dev.signport.demo.core.HeadBinLayout
import dev.signport.demo.core.HeadRefusedException
import dev.signport.demo.core.InvalidBundleException
import dev.signport.demo.core.Softmax
import org.json.JSONObject
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File
import java.nio.file.Files

/**
 * Reads the fixture bundle written by signport's Python side (tests/demos/fixtures/bundle; regenerate with
 * `python tests/demos/test_fixture_bundle.py`), so these tests prove the app reads what Python writes.
 * Gradle runs unit tests from android_demo/app; override with -Dsignport.fixtures=PATH.
 */
class BundleReaderTest {
    private val fixture = File(System.getProperty("signport.fixtures") ?: "../../tests/demos/fixtures/bundle")

    @Test
    fun manifestDecodesEveryContractField() {
        val bundle = SignBundle.load(fixture)
        val manifest = bundle.manifest
        assertEquals(1, manifest.schemaVersion)
        assertEquals(listOf("A", "B", "space"), manifest.labels)
        assertEquals(Preprocessing.INPUT_KIND_LANDMARKS, manifest.preprocessing.inputKind)
        assertEquals(Preprocessing.LAYOUT_NF, manifest.preprocessing.layout)
        assertNull(manifest.preprocessing.clipLength)
        assertEquals(4, manifest.embeddingSize)
        assertEquals(HeadBinLayout.expected(3, 4), manifest.head.binLayout)
        val executorch = bundle.backbones(Artifact.FORMAT_EXECUTORCH)
        assertEquals(listOf("backbone-executorch-fp32"), executorch.map { it.id })
        assertEquals("xnnpack", executorch[0].delegate)
        assertArrayEquals(longArrayOf(1, 63), executorch[0].inputs[0].runShape)
        assertNull(bundle.backbones(Artifact.FORMAT_COREML)[0].delegate)
        assertArrayEquals(longArrayOf(1, 63), bundle.backbones(Artifact.FORMAT_COREML)[0].inputs[0].runShape)
    }

    @Test
    fun shippedHeadMatchesPythonLogits() {
        val head = SignBundle.load(fixture).shippedHead()
        val expected = JSONObject(File(fixture, "expected.json").readText())
        val embedding = floats(expected.getJSONArray("embedding").toString())
        val logits = head.logits(embedding)
        assertArrayEquals(floats(expected.getJSONArray("logits").toString()), logits, 1e-5f)
        assertArrayEquals(floats(expected.getJSONArray("probabilities").toString()), Softmax.probabilities(logits), 1e-5f)
    }

    @Test
    fun headFromOtherBackboneIsRefused() {
        val folder = copyOfFixture()
        val jsonFile = File(folder, "head.json")
        val json = JSONObject(jsonFile.readText())
        json.put("backbone_fingerprint", "sha256:" + "cd".repeat(32))
        jsonFile.writeText(json.toString())
        try {
            SignBundle.load(folder).loadHead(jsonFile, File(folder, "head.bin"))
            fail("a head for another backbone was installed")
        } catch (expected: HeadRefusedException) {
            assertTrue(expected.message, expected.message!!.contains("trained for backbone"))
        }
    }

    @Test
    fun truncatedBinIsRefused() {
        val folder = copyOfFixture()
        val binFile = File(folder, "head.bin")
        binFile.writeBytes(binFile.readBytes().copyOf(56))
        try {
            SignBundle.load(folder).loadHead(File(folder, "head.json"), binFile)
            fail("a truncated head was installed")
        } catch (expected: HeadRefusedException) {
            assertTrue(expected.message, expected.message!!.contains("holds 56 bytes, expected 60"))
        }
    }

    @Test
    fun newestPushedHeadWins() {
        val folder = copyOfFixture()
        File(folder, "head.json").setLastModified(1_000_000L)
        File(folder, "head.bin").setLastModified(1_000_000L)
        File(fixture, "head.json").copyTo(File(folder, "mine.json"))
        File(fixture, "head.bin").copyTo(File(folder, "mine.bin"))
        assertEquals("mine.json", HeadDropFolder.newestCandidate(folder)?.json?.name)
    }

    @Test
    fun manifestPathOutsideTheBundleIsRefused() {
        for (outside in listOf("../outside.pte", "/etc/passwd", "a/../../outside.pte")) {
            val folder = copyOfFixture()
            val manifestFile = File(folder, SignBundle.MANIFEST_FILE)
            val json = JSONObject(manifestFile.readText())
            json.getJSONArray("artifacts").getJSONObject(0).put("path", outside)
            manifestFile.writeText(json.toString())
            try {
                SignBundle.load(folder)
                fail("a manifest naming $outside was loaded")
            } catch (expected: InvalidBundleException) {
                assertTrue(expected.message, expected.message!!.contains(outside))
            }
        }
    }

    private fun copyOfFixture(): File {
        val folder = Files.createTempDirectory("signport-fixture").toFile()
        fixture.listFiles()!!.forEach { it.copyTo(File(folder, it.name)) }
        return folder
    }

    private fun floats(jsonArray: String): FloatArray {
        val array = org.json.JSONArray(jsonArray)
        return FloatArray(array.length()) { array.getDouble(it).toFloat() }
    }
}
