import Foundation

/// The manifest's "test_vectors" block: raw little-endian float32 files (no header) with their shapes.
public struct TestVectorsBlock: Decodable, Equatable {
    public var count: Int
    public var inputs: VectorFile
    public var embeddings: VectorFile
    public var logits: VectorFile

    enum CodingKeys: String, CodingKey {
        case count
        case inputs
        case embeddings
        case logits
    }
}

public struct VectorFile: Decodable, Equatable {
    public var path: String
    public var shape: [Int]
    public var sha256: String

    enum CodingKeys: String, CodingKey {
        case path
        case shape
        case sha256
    }

    /// Values per vector (the shape without its leading count).
    public var rowSize: Int { shape.dropFirst().reduce(1, *) }
}

/// A bundle's test vectors, read and checked against the manifest, and the parity of any backbone on them:
/// the backbone's embedding through the bundle's head, compared with the eager PyTorch logits.
public struct TestVectors {
    public let inputs: [[Float]]
    public let embeddings: [[Float]]
    public let logits: [[Float]]

    public init(bundle: SignBundle) throws {
        guard let block = bundle.manifest.testVectors else {
            throw SignportError.invalidBundle("\(bundle.manifest.name) has no test vectors; re-export it with this signport")
        }
        inputs = try Self.rows(block.inputs, count: block.count, bundle: bundle)
        embeddings = try Self.rows(block.embeddings, count: block.count, bundle: bundle)
        logits = try Self.rows(block.logits, count: block.count, bundle: bundle)
    }

    static func rows(_ file: VectorFile, count: Int, bundle: SignBundle) throws -> [[Float]] {
        let url = bundle.url(for: file.path)
        guard let data = try? Data(contentsOf: url) else {
            throw SignportError.invalidBundle("\(file.path) is listed in manifest.json test_vectors but missing; re-copy the bundle folder")
        }
        guard SignBundle.sha256Hex(of: url) == file.sha256 else {
            throw SignportError.invalidBundle("\(file.path) does not match its sha256 in manifest.json; re-copy the bundle folder")
        }
        let values = data.count / 4
        guard values == count * file.rowSize, file.shape.first == count else {
            throw SignportError.invalidBundle("\(file.path) holds \(values) floats, manifest.json says \(file.shape)")
        }
        // Little-endian float32 on every Apple device: one bulk copy.
        let floats: [Float] = data.withUnsafeBytes { raw in
            (0..<values).map { Float(bitPattern: UInt32(littleEndian: raw.load(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return stride(from: 0, to: values, by: file.rowSize).map { Array(floats[$0..<($0 + file.rowSize)]) }
    }

    /// Top-1 agreement and max |Δlogit| of `actualLogits` against the eager logits.
    public static func agreement(expected: [[Float]], actual: [[Float]]) -> (top1: Double, maxAbsDelta: Double) {
        var agree = 0
        var maxDelta: Float = 0
        for (want, got) in zip(expected, actual) {
            if argmax(want) == argmax(got) { agree += 1 }
            for (a, b) in zip(want, got) { maxDelta = max(maxDelta, abs(a - b)) }
        }
        return (expected.isEmpty ? 0 : Double(agree) / Double(expected.count), Double(maxDelta))
    }

    static func argmax(_ values: [Float]) -> Int {
        values.indices.max(by: { values[$0] < values[$1] }) ?? 0
    }
}
