package dev.signport.demo.bundle

import dev.signport.demo.core.HeadRefusedException
import dev.signport.demo.core.InvalidBundleException
import dev.signport.demo.core.LinearHead
import org.json.JSONException
import org.json.JSONObject
import java.io.File
import java.security.MessageDigest

/** A bundle folder: manifest.json + artifacts + the shipped head. Read once at start-up. */
class SignBundle(val directory: File, val manifest: BundleManifest) {

    /** A file the manifest names. Like signport's resolver (signport/core/manifest.py) it must be relative,
     *  normalised and inside the bundle folder, so a manifest can never make the app read outside it. */
    fun file(relativePath: String): File {
        val parts = relativePath.split("/")
        if (relativePath.isEmpty() || relativePath.startsWith("/") || relativePath.contains("\\") ||
            parts.any { it.isEmpty() || it == "." || it == ".." }) {
            throw InvalidBundleException("manifest path '$relativePath' is not a relative path inside the bundle; re-export the bundle")
        }
        val target = File(directory, relativePath)
        if (!target.canonicalPath.startsWith(directory.canonicalPath + File.separator)) {
            throw InvalidBundleException("manifest path '$relativePath' leads outside the bundle; re-export the bundle")
        }
        return target
    }

    /** Every path the manifest names, checked once at load. */
    private fun checkPaths() {
        manifest.artifacts.forEach { file(it.path) }
        listOf(manifest.head.json, manifest.head.bin).forEach { file(it) }
    }

    /** Backbones of `format` this app can run, most compact precision first (int8, fp16, fp32).
     *  ExecuTorch programs delegated to Core ML (iOS only) are left out: Android's runtime has XNNPACK. */
    fun backbones(format: String): List<Artifact> {
        val preference = listOf("int8", "fp16", "float16", "fp32", "float32")
        return manifest.artifacts
            .filter { it.format == format && it.role == Artifact.ROLE_BACKBONE }
            .filter { it.format != Artifact.FORMAT_EXECUTORCH || it.delegate == null || it.delegate in Artifact.ANDROID_DELEGATES }
            .sortedBy { preference.indexOf(it.precision).let { rank -> if (rank < 0) preference.size else rank } }
    }

    /** The head that shipped inside the bundle (manifest "head"), checked against its sha256. */
    fun shippedHead(): LinearHead {
        val reference = manifest.head
        val binFile = file(reference.bin)
        val expected = reference.sha256["bin"]
        if (expected != null && binFile.isFile && sha256Hex(binFile) != expected) {
            throw InvalidBundleException("${reference.bin} does not match the manifest's sha256; re-export the bundle, or push heads to the heads folder instead")
        }
        return loadHead(file(reference.json), binFile)
    }

    /** Read NAME.json + NAME.bin and refuse it unless it fits this bundle's backbone. */
    fun loadHead(jsonFile: File, binFile: File): LinearHead {
        val name = jsonFile.name.removeSuffix(".json")
        if (!jsonFile.isFile) throw HeadRefusedException("${jsonFile.path} not found")
        if (!binFile.isFile) throw HeadRefusedException("$name.bin is missing next to ${jsonFile.name}; push both files")
        val headManifest = try {
            HeadManifest.fromJson(JSONObject(jsonFile.readText()))
        } catch (error: JSONException) {
            throw HeadRefusedException("${jsonFile.name} is not a signport head manifest (${error.message}); write heads with `signport finetune`")
        }
        val head = LinearHead.fromBin(headManifest, binFile.readBytes(), name)
        head.checkCompatible(manifest)
        return head
    }

    companion object {
        const val MANIFEST_FILE = "manifest.json"

        fun load(directory: File): SignBundle {
            val manifestFile = File(directory, MANIFEST_FILE)
            if (!manifestFile.isFile) {
                throw InvalidBundleException("${manifestFile.path} not found; push a folder written by `signport export --out` (see README)")
            }
            val manifest = try {
                BundleManifest.fromJson(JSONObject(manifestFile.readText()))
            } catch (error: JSONException) {
                throw InvalidBundleException("${manifestFile.path} does not match the signport manifest schema (${error.message}); re-export the bundle")
            }
            if (manifest.format != BundleManifest.EXPECTED_FORMAT) {
                throw InvalidBundleException("${manifestFile.path}: format is ${manifest.format}, not ${BundleManifest.EXPECTED_FORMAT}")
            }
            if (manifest.schemaVersion != BundleManifest.SUPPORTED_SCHEMA_VERSION) {
                throw InvalidBundleException(
                    "${manifestFile.path}: schema_version ${manifest.schemaVersion} is not supported (this app reads ${BundleManifest.SUPPORTED_SCHEMA_VERSION}); update the app or re-export"
                )
            }
            val bundle = SignBundle(directory, manifest)
            bundle.checkPaths()
            return bundle
        }

        fun sha256Hex(file: File): String {
            val digest = MessageDigest.getInstance("SHA-256")
            file.inputStream().use { stream ->
                val buffer = ByteArray(1 shl 16)
                while (true) {
                    val read = stream.read(buffer)
                    if (read < 0) break
                    digest.update(buffer, 0, read)
                }
            }
            return digest.digest().joinToString("") { String.format("%02x", it) }
        }
    }
}

/** Finds the head a user pushed into a folder: the newest NAME.json whose NAME.bin sits beside it. */
object HeadDropFolder {
    data class Candidate(val json: File, val bin: File, val modified: Long)

    fun newestCandidate(folder: File): Candidate? {
        val entries = folder.listFiles() ?: return null
        var newest: Candidate? = null
        for (json in entries) {
            if (!json.isFile || !json.name.endsWith(".json")) continue
            val bin = File(folder, json.name.removeSuffix(".json") + ".bin")
            if (!bin.isFile) continue
            val candidate = Candidate(json, bin, Math.max(json.lastModified(), bin.lastModified()))
            if (newest == null || candidate.modified > newest.modified) newest = candidate
        }
        return newest
    }
}
