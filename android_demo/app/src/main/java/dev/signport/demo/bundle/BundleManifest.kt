package dev.signport.demo.bundle

import org.json.JSONArray
import org.json.JSONObject

// The bundle reader's data model. Every JSON key below is the key signport writes
// (signport/core/manifest.schema.json and signport.core.heads.HeadManifest.to_dict());
// tests/demos/test_contract.py parses these fromJson functions and fails if one drifts.

/** manifest.json of a bundle folder written by `signport export --out`. */
class BundleManifest(
    val format: String,
    val schemaVersion: Int,
    val name: String,
    val modelFamily: String,
    val labels: List<String>,
    val preprocessing: Preprocessing,
    val backboneFingerprint: String,
    val embeddingSize: Int,
    val head: HeadReference,
    val artifacts: List<Artifact>,
    /** Inputs with eager PyTorch outputs (core/TestVectors.kt); null in bundles exported before them. */
    val testVectors: TestVectorsBlock?
) {
    companion object {
        const val EXPECTED_FORMAT = "signport-bundle"
        const val SUPPORTED_SCHEMA_VERSION = 1

        fun fromJson(json: JSONObject): BundleManifest = BundleManifest(
            format = json.getString("format"),
            schemaVersion = json.getInt("schema_version"),
            name = json.getString("name"),
            modelFamily = json.getString("model_family"),
            labels = json.getJSONArray("labels").toStringList(),
            preprocessing = Preprocessing.fromJson(json.getJSONObject("preprocessing")),
            backboneFingerprint = json.getString("backbone_fingerprint"),
            embeddingSize = json.getInt("embedding_size"),
            head = HeadReference.fromJson(json.getJSONObject("head")),
            artifacts = json.getJSONArray("artifacts").objects().map { Artifact.fromJson(it) },
            testVectors = if (json.has("test_vectors")) TestVectorsBlock.fromJson(json.getJSONObject("test_vectors")) else null
        )
    }
}

/** manifest "test_vectors": raw little-endian float32 files, no header. */
class TestVectorsBlock(val count: Int, val inputs: VectorFile, val embeddings: VectorFile, val logits: VectorFile) {
    companion object {
        fun fromJson(json: JSONObject): TestVectorsBlock = TestVectorsBlock(
            count = json.getInt("count"),
            inputs = VectorFile.fromJson(json.getJSONObject("inputs")),
            embeddings = VectorFile.fromJson(json.getJSONObject("embeddings")),
            logits = VectorFile.fromJson(json.getJSONObject("logits"))
        )
    }
}

class VectorFile(val path: String, val shape: List<Int>, val sha256: String) {
    /** Values per vector: the shape without its leading count. */
    val rowSize: Int get() = shape.drop(1).fold(1) { product, size -> product * size }

    companion object {
        fun fromJson(json: JSONObject): VectorFile {
            val shape = json.getJSONArray("shape")
            return VectorFile(json.getString("path"), (0 until shape.length()).map { shape.getInt(it) }, json.getString("sha256"))
        }
    }
}

/** How camera pixels or hand landmarks become the backbone's input tensor. */
class Preprocessing(
    val inputKind: String,
    /** (height, width); (0, 0) for landmarks. */
    val inputSize: List<Int>,
    val mean: FloatArray,
    val std: FloatArray,
    val colorOrder: String,
    val layout: String,
    val clipLength: Int?,
    val clipFps: Double?,
    val landmarkNormalization: String?
) {
    val height: Int get() = if (inputSize.size == 2) inputSize[0] else 0
    val width: Int get() = if (inputSize.size == 2) inputSize[1] else 0

    companion object {
        // Values of the schema's enums (checked against manifest.schema.json by tests/demos).
        const val INPUT_KIND_IMAGE = "image"
        const val INPUT_KIND_CLIP = "clip"
        const val INPUT_KIND_LANDMARKS = "landmarks"
        const val LAYOUT_NCHW = "NCHW"
        const val LAYOUT_NCTHW = "NCTHW"
        const val LAYOUT_NF = "NF"

        fun fromJson(json: JSONObject): Preprocessing = Preprocessing(
            inputKind = json.getString("input_kind"),
            inputSize = json.getJSONArray("input_size").toIntList(),
            mean = json.getJSONArray("mean").toFloatArray(),
            std = json.getJSONArray("std").toFloatArray(),
            colorOrder = json.getString("color_order"),
            layout = json.getString("layout"),
            clipLength = if (json.isNull("clip_length")) null else json.getInt("clip_length"),
            clipFps = if (json.isNull("clip_fps")) null else json.getDouble("clip_fps"),
            landmarkNormalization = if (json.isNull("landmark_normalization")) null else json.getString("landmark_normalization")
        )
    }
}

/** The manifest's "head" entry: the head that shipped with the bundle. */
class HeadReference(
    val safetensors: String,
    val json: String,
    val bin: String,
    val numClasses: Int,
    val embeddingSize: Int,
    val labels: List<String>,
    val backboneFingerprint: String,
    /** File kind ("safetensors", "json", "bin") -> hex sha256. */
    val sha256: Map<String, String>,
    val binLayout: BinLayout
) {
    companion object {
        fun fromJson(json: JSONObject): HeadReference = HeadReference(
            safetensors = json.getString("safetensors"),
            json = json.getString("json"),
            bin = json.getString("bin"),
            numClasses = json.getInt("num_classes"),
            embeddingSize = json.getInt("embedding_size"),
            labels = json.getJSONArray("labels").toStringList(),
            backboneFingerprint = json.getString("backbone_fingerprint"),
            sha256 = json.getJSONObject("sha256").toStringMap(),
            binLayout = BinLayout.fromJson(json.getJSONObject("bin_layout"))
        )
    }
}

/** One exported model file (an ExecuTorch .pte for this app). */
class Artifact(
    val id: String,
    val path: String,
    val format: String,
    val role: String,
    val precision: String,
    val delegate: String?,
    val sha256: String,
    val sizeBytes: Long,
    val inputs: List<TensorSpec>,
    val outputs: List<TensorSpec>
) {
    companion object {
        // Values of the schema's enums (checked against manifest.schema.json by tests/demos).
        const val FORMAT_EXECUTORCH = "executorch"
        const val FORMAT_COREML = "coreml"
        const val FORMAT_ONNX = "onnx"
        const val ROLE_BACKBONE = "backbone"
        const val ROLE_HEAD = "head"
        const val ROLE_MODEL = "model"
        /** ExecuTorch delegates the Android runtime (executorch-android) ships with. */
        val ANDROID_DELEGATES = setOf("xnnpack", "portable")

        fun fromJson(json: JSONObject): Artifact = Artifact(
            id = json.getString("id"),
            path = json.getString("path"),
            format = json.getString("format"),
            role = json.getString("role"),
            precision = json.getString("precision"),
            delegate = if (json.isNull("delegate")) null else json.getString("delegate"),
            sha256 = json.getString("sha256"),
            sizeBytes = json.getLong("size_bytes"),
            inputs = json.getJSONArray("inputs").objects().map { TensorSpec.fromJson(it) },
            outputs = json.getJSONArray("outputs").objects().map { TensorSpec.fromJson(it) }
        )
    }
}

/** Name, shape and dtype of a model input or output; symbolic dimensions (strings) run with 1. */
class TensorSpec(val name: String, val runShape: LongArray, val dtype: String) {
    val elementCount: Int get() = runShape.fold(1L) { product, size -> product * size }.toInt()

    companion object {
        fun fromJson(json: JSONObject): TensorSpec {
            val shape = json.getJSONArray("shape")
            val runShape = LongArray(shape.length()) { index ->
                val dimension = shape.get(index)
                if (dimension is Number) dimension.toLong() else 1L
            }
            return TensorSpec(name = json.getString("name"), runShape = runShape, dtype = json.getString("dtype"))
        }
    }
}

/** NAME.json of a head (signport.core.heads.HeadManifest). */
class HeadManifest(
    val format: String,
    val formatVersion: Int,
    val labels: List<String>,
    val embeddingSize: Int,
    val backboneFingerprint: String,
    val modelFamily: String,
    val numClasses: Int,
    val binLayout: BinLayout,
    val created: String?
) {
    companion object {
        const val EXPECTED_FORMAT = "signport-head"
        const val SUPPORTED_FORMAT_VERSION = 1

        fun fromJson(json: JSONObject): HeadManifest = HeadManifest(
            format = json.getString("format"),
            formatVersion = json.getInt("format_version"),
            labels = json.getJSONArray("labels").toStringList(),
            embeddingSize = json.getInt("embedding_size"),
            backboneFingerprint = json.getString("backbone_fingerprint"),
            modelFamily = json.getString("model_family"),
            numClasses = json.getInt("num_classes"),
            binLayout = BinLayout.fromJson(json.getJSONObject("bin_layout")),
            created = if (json.isNull("created")) null else json.getString("created")
        )
    }
}

/** "bin_layout": where weight and bias sit inside NAME.bin. */
data class BinLayout(
    val dtype: String,
    val byteOrder: String,
    val weight: WeightLayout,
    val bias: BiasLayout,
    val totalBytes: Int
) {
    companion object {
        fun fromJson(json: JSONObject): BinLayout = BinLayout(
            dtype = json.getString("dtype"),
            byteOrder = json.getString("byte_order"),
            weight = WeightLayout.fromJson(json.getJSONObject("weight")),
            bias = BiasLayout.fromJson(json.getJSONObject("bias")),
            totalBytes = json.getInt("total_bytes")
        )
    }
}

data class WeightLayout(val offset: Int, val shape: List<Int>, val order: String) {
    companion object {
        fun fromJson(json: JSONObject): WeightLayout = WeightLayout(
            offset = json.getInt("offset"),
            shape = json.getJSONArray("shape").toIntList(),
            order = json.getString("order")
        )
    }
}

data class BiasLayout(val offset: Int, val shape: List<Int>) {
    companion object {
        fun fromJson(json: JSONObject): BiasLayout = BiasLayout(
            offset = json.getInt("offset"),
            shape = json.getJSONArray("shape").toIntList()
        )
    }
}

internal fun JSONArray.toStringList(): List<String> = List(length()) { getString(it) }

internal fun JSONArray.toIntList(): List<Int> = List(length()) { getInt(it) }

internal fun JSONArray.toFloatArray(): FloatArray = FloatArray(length()) { getDouble(it).toFloat() }

internal fun JSONArray.objects(): List<JSONObject> = List(length()) { getJSONObject(it) }

internal fun JSONObject.toStringMap(): Map<String, String> {
    val map = LinkedHashMap<String, String>()
    val names = keys()
    while (names.hasNext()) {
        val key = names.next()
        map[key] = getString(key)
    }
    return map
}
