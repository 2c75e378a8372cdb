import Foundation

// The bundle reader's data model. Every JSON key below is the key signport writes
// (signport/core/manifest.schema.json and signport.core.heads.HeadManifest.to_dict());
// tests/demos/test_contract.py parses these CodingKeys and fails if one drifts.

/// manifest.json of a bundle folder written by `signport export --out`.
public struct BundleManifest: Decodable, Equatable {
    public static let expectedFormat = "signport-bundle"
    public static let supportedSchemaVersion = 1

    public var format: String
    public var schemaVersion: Int
    public var name: String
    public var modelFamily: String
    public var labels: [String]
    public var preprocessing: Preprocessing
    public var backboneFingerprint: String
    public var embeddingSize: Int
    public var head: HeadReference
    public var artifacts: [Artifact]
    /// Inputs with eager PyTorch outputs (signport/core/test_vectors.py); nil in bundles exported before them.
    public var testVectors: TestVectorsBlock?

    enum CodingKeys: String, CodingKey {
        case format
        case testVectors = "test_vectors"
        case schemaVersion = "schema_version"
        case name
        case modelFamily = "model_family"
        case labels
        case preprocessing
        case backboneFingerprint = "backbone_fingerprint"
        case embeddingSize = "embedding_size"
        case head
        case artifacts
    }
}

/// How camera pixels or hand landmarks become the backbone's input tensor.
public struct Preprocessing: Decodable, Equatable {
    public enum InputKind: String, Decodable {
        case image
        case clip
        case landmarks
    }

    public enum Layout: String, Decodable {
        case nchw = "NCHW"
        case ncthw = "NCTHW"
        case nf = "NF"
    }

    public var inputKind: InputKind
    /// (height, width); unused (0, 0) for landmarks.
    public var inputSize: [Int]
    public var mean: [Float]
    public var std: [Float]
    public var colorOrder: String
    public var layout: Layout
    public var clipLength: Int?
    public var clipFps: Double?
    public var landmarkNormalization: String?

    enum CodingKeys: String, CodingKey {
        case inputKind = "input_kind"
        case inputSize = "input_size"
        case mean
        case std
        case colorOrder = "color_order"
        case layout
        case clipLength = "clip_length"
        case clipFps = "clip_fps"
        case landmarkNormalization = "landmark_normalization"
    }

    public var height: Int { inputSize.count == 2 ? inputSize[0] : 0 }
    public var width: Int { inputSize.count == 2 ? inputSize[1] : 0 }
}

/// The manifest's "head" entry: the head that shipped with the bundle.
public struct HeadReference: Decodable, Equatable {
    public var safetensors: String
    public var json: String
    public var bin: String
    public var numClasses: Int
    public var embeddingSize: Int
    public var labels: [String]
    public var backboneFingerprint: String
    /// File kind ("safetensors", "json", "bin") -> hex sha256.
    public var sha256: [String: String]
    public var binLayout: BinLayout

    enum CodingKeys: String, CodingKey {
        case safetensors
        case json
        case bin
        case numClasses = "num_classes"
        case embeddingSize = "embedding_size"
        case labels
        case backboneFingerprint = "backbone_fingerprint"
        case sha256
        case binLayout = "bin_layout"
    }
}

/// One exported model file (a Core ML .mlpackage for this app).
public struct Artifact: Decodable, Equatable {
    public enum Format: String, Decodable {
        case executorch
        case coreml
        case onnx
    }

    public enum Role: String, Decodable {
        case backbone
        case head
        case model
    }

    public var id: String
    public var path: String
    public var format: Format
    public var role: Role
    public var precision: String
    public var delegate: String?
    public var sha256: String
    public var sizeBytes: Int
    public var inputs: [TensorSpec]
    public var outputs: [TensorSpec]

    enum CodingKeys: String, CodingKey {
        case id
        case path
        case format
        case role
        case precision
        case delegate
        case sha256
        case sizeBytes = "size_bytes"
        case inputs
        case outputs
    }
}

/// Name, shape and dtype of a model input or output. Symbolic dimensions (strings) run with 1.
public struct TensorSpec: Decodable, Equatable {
    public enum Dimension: Decodable, Equatable {
        case fixed(Int)
        case symbolic(String)

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let size = try? container.decode(Int.self) {
                self = .fixed(size)
            } else {
                self = .symbolic(try container.decode(String.self))
            }
        }

        /// The size to allocate: symbolic (batch) dimensions run with one sample.
        public var runSize: Int {
            switch self {
            case .fixed(let size): return size
            case .symbolic: return 1
            }
        }
    }

    public var name: String
    public var shape: [Dimension]
    public var dtype: String

    enum CodingKeys: String, CodingKey {
        case name
        case shape
        case dtype
    }

    public var runShape: [Int] { shape.map(\.runSize) }
    public var elementCount: Int { runShape.reduce(1, *) }
}

/// NAME.json of a head (signport.core.heads.HeadManifest). Encodable because the app writes
/// heads it fine-tuned on device; `signport swap-head` and Python's HeadManifest.from_dict read them back.
public struct HeadManifest: Codable, Equatable {
    public static let expectedFormat = "signport-head"
    public static let supportedFormatVersion = 1

    public var format: String
    public var formatVersion: Int
    public var labels: [String]
    public var embeddingSize: Int
    public var backboneFingerprint: String
    public var modelFamily: String
    public var numClasses: Int
    public var binLayout: BinLayout
    public var dropout: Double
    public var created: String
    public var metrics: [String: JSONValue]
    public var source: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case format
        case formatVersion = "format_version"
        case labels
        case embeddingSize = "embedding_size"
        case backboneFingerprint = "backbone_fingerprint"
        case modelFamily = "model_family"
        case numClasses = "num_classes"
        case binLayout = "bin_layout"
        case dropout
        case created
        case metrics
        case source
    }

    public init(
        labels: [String], embeddingSize: Int, backboneFingerprint: String, modelFamily: String,
        created: String, metrics: [String: JSONValue] = [:], source: [String: JSONValue] = [:]
    ) {
        self.format = Self.expectedFormat
        self.formatVersion = Self.supportedFormatVersion
        self.labels = labels
        self.embeddingSize = embeddingSize
        self.backboneFingerprint = backboneFingerprint
        self.modelFamily = modelFamily
        self.numClasses = labels.count
        self.binLayout = BinLayout.expected(numClasses: labels.count, embeddingSize: embeddingSize)
        self.dropout = 0
        self.created = created
        self.metrics = metrics
        self.source = source
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(String.self, forKey: .format)
        formatVersion = try container.decode(Int.self, forKey: .formatVersion)
        labels = try container.decode([String].self, forKey: .labels)
        embeddingSize = try container.decode(Int.self, forKey: .embeddingSize)
        backboneFingerprint = try container.decode(String.self, forKey: .backboneFingerprint)
        modelFamily = try container.decode(String.self, forKey: .modelFamily)
        numClasses = try container.decode(Int.self, forKey: .numClasses)
        binLayout = try container.decode(BinLayout.self, forKey: .binLayout)
        // Informational fields: a head without them is still usable.
        dropout = try container.decodeIfPresent(Double.self, forKey: .dropout) ?? 0
        created = try container.decodeIfPresent(String.self, forKey: .created) ?? ""
        metrics = try container.decodeIfPresent([String: JSONValue].self, forKey: .metrics) ?? [:]
        source = try container.decodeIfPresent([String: JSONValue].self, forKey: .source) ?? [:]
    }
}

/// "bin_layout": where weight and bias sit inside NAME.bin.
public struct BinLayout: Codable, Equatable {
    public struct WeightLayout: Codable, Equatable {
        public var offset: Int
        public var shape: [Int]
        public var order: String

        enum CodingKeys: String, CodingKey {
            case offset
            case shape
            case order
        }
    }

    public struct BiasLayout: Codable, Equatable {
        public var offset: Int
        public var shape: [Int]

        enum CodingKeys: String, CodingKey {
            case offset
            case shape
        }
    }

    public var dtype: String
    public var byteOrder: String
    public var weight: WeightLayout
    public var bias: BiasLayout
    public var totalBytes: Int

    enum CodingKeys: String, CodingKey {
        case dtype
        case byteOrder = "byte_order"
        case weight
        case bias
        case totalBytes = "total_bytes"
    }

    /// The only layout signport writes (signport.core.heads.HeadManifest.bin_layout).
    public static func expected(numClasses: Int, embeddingSize: Int) -> BinLayout {
        BinLayout(
            dtype: "float32",
            byteOrder: "little",
            weight: WeightLayout(offset: 0, shape: [numClasses, embeddingSize], order: "row-major"),
            bias: BiasLayout(
                offset: HeadBinLayout.biasOffset(numClasses: numClasses, embeddingSize: embeddingSize),
                shape: [numClasses]
            ),
            totalBytes: HeadBinLayout.totalBytes(numClasses: numClasses, embeddingSize: embeddingSize)
        )
    }
}

/// Any JSON value, for the free-form "metrics" and "source" objects of a head.
public enum JSONValue: Codable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
