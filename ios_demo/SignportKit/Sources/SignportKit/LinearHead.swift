import Foundation
#if canImport(Accelerate)
import Accelerate
#endif

/// Byte layout of a head's NAME.bin, identical to signport.core.heads.head_to_bin:
/// little-endian float32, weight row-major (numClasses x embeddingSize) at offset 0, then bias (numClasses).
public enum HeadBinLayout {
    public static let bytesPerValue = 4

    public static func biasOffset(numClasses: Int, embeddingSize: Int) -> Int {
        numClasses * embeddingSize * bytesPerValue
    }

    public static func totalBytes(numClasses: Int, embeddingSize: Int) -> Int {
        (numClasses * embeddingSize + numClasses) * bytesPerValue
    }

    /// Little-endian float32 values starting at `byteOffset`.
    public static func decodeFloats(_ data: Data, byteOffset: Int, count: Int) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<count).map { index in
                let bits = raw.loadUnaligned(fromByteOffset: byteOffset + index * bytesPerValue, as: UInt32.self)
                return Float(bitPattern: UInt32(littleEndian: bits))
            }
        }
    }

    /// weight (row-major) then bias, little-endian float32: the bytes of NAME.bin.
    public static func encode(weight: [Float], bias: [Float]) -> Data {
        var data = Data(capacity: (weight.count + bias.count) * bytesPerValue)
        for value in weight + bias {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }
}

/// The classifier head: logits = weight · embedding + bias, weight row-major (numClasses x embeddingSize).
public struct LinearHead: Equatable {
    public let manifest: HeadManifest
    public let weight: [Float]
    public let bias: [Float]
    /// Where the head came from (file name), for the UI.
    public let sourceName: String

    public var labels: [String] { manifest.labels }
    public var numClasses: Int { manifest.numClasses }
    public var embeddingSize: Int { manifest.embeddingSize }

    public init(manifest: HeadManifest, weight: [Float], bias: [Float], sourceName: String) {
        precondition(weight.count == manifest.numClasses * manifest.embeddingSize && bias.count == manifest.numClasses)
        self.manifest = manifest
        self.weight = weight
        self.bias = bias
        self.sourceName = sourceName
    }

    /// Parse NAME.bin according to the head's own manifest, refusing any layout signport does not write.
    public init(manifest: HeadManifest, binData: Data, sourceName: String) throws {
        let classes = manifest.numClasses
        let features = manifest.embeddingSize
        let expected = BinLayout.expected(numClasses: classes, embeddingSize: features)
        guard manifest.labels.count == classes else {
            throw SignportError.headRefused("\(sourceName): \(manifest.labels.count) labels but num_classes=\(classes); re-create the head")
        }
        guard manifest.binLayout == expected else {
            throw SignportError.headRefused(
                "\(sourceName): bin_layout is not little-endian float32 weight[\(classes)x\(features)] then bias; re-export the head with signport"
            )
        }
        guard binData.count == expected.totalBytes else {
            throw SignportError.headRefused(
                "\(sourceName): .bin holds \(binData.count) bytes, expected \(expected.totalBytes) for \(classes)x\(features); copy the matching .bin"
            )
        }
        let weight = HeadBinLayout.decodeFloats(binData, byteOffset: expected.weight.offset, count: classes * features)
        let bias = HeadBinLayout.decodeFloats(binData, byteOffset: expected.bias.offset, count: classes)
        guard weight.allSatisfy(\.isFinite), bias.allSatisfy(\.isFinite) else {
            throw SignportError.headRefused("\(sourceName): head weights contain NaN or infinity; re-train the head")
        }
        self.init(manifest: manifest, weight: weight, bias: bias, sourceName: sourceName)
    }

    public func logits(_ embedding: [Float]) -> [Float] {
        precondition(embedding.count == embeddingSize, "embedding has \(embedding.count) values, head expects \(embeddingSize)")
        return LinearAlgebra.matrixVector(weight, rows: numClasses, columns: embeddingSize, vector: embedding, adding: bias)
    }

    /// Raise unless this head can sit on the bundle's backbone: same fingerprint and embedding size.
    public func checkCompatible(with bundle: BundleManifest) throws {
        if manifest.format != HeadManifest.expectedFormat || manifest.formatVersion != HeadManifest.supportedFormatVersion {
            throw SignportError.headRefused(
                "\(sourceName): not a signport head (format \(manifest.format) v\(manifest.formatVersion)); write heads with `signport finetune`"
            )
        }
        if manifest.embeddingSize != bundle.embeddingSize {
            throw SignportError.headRefused(
                "\(sourceName): head expects \(manifest.embeddingSize)-d embeddings but the backbone gives \(bundle.embeddingSize)-d; train the head on this bundle's backbone"
            )
        }
        if manifest.backboneFingerprint != bundle.backboneFingerprint {
            throw SignportError.headRefused(
                "\(sourceName): trained for backbone \(manifest.backboneFingerprint.prefix(19))…, this bundle is \(bundle.backboneFingerprint.prefix(19))…; fine-tune on this bundle"
            )
        }
    }
}

/// Numerically stable softmax.
public enum Softmax {
    public static func probabilities(_ logits: [Float]) -> [Float] {
        guard let maximum = logits.max() else { return [] }
        let exponentials = logits.map { exp($0 - maximum) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }
}

/// Small dense kernels on Accelerate (vDSP) with a portable fallback for Linux builds of the tests.
public enum LinearAlgebra {
    /// matrix (rows x columns, row-major) · vector + addend.
    public static func matrixVector(_ matrix: [Float], rows: Int, columns: Int, vector: [Float], adding addend: [Float]) -> [Float] {
        var product = multiply(matrix, vector, m: rows, n: 1, p: columns)
        for row in 0..<rows { product[row] += addend[row] }
        return product
    }

    /// a (m x p) · b (p x n), both row-major.
    public static func multiply(_ a: [Float], _ b: [Float], m: Int, n: Int, p: Int) -> [Float] {
        var result = [Float](repeating: 0, count: m * n)
        #if canImport(Accelerate)
        vDSP_mmul(a, 1, b, 1, &result, 1, vDSP_Length(m), vDSP_Length(n), vDSP_Length(p))
        #else
        for row in 0..<m {
            for k in 0..<p {
                let scale = a[row * p + k]
                if scale == 0 { continue }
                for column in 0..<n { result[row * n + column] += scale * b[k * n + column] }
            }
        }
        #endif
        return result
    }

    /// (rows x columns) row-major -> (columns x rows) row-major.
    public static func transpose(_ matrix: [Float], rows: Int, columns: Int) -> [Float] {
        var result = [Float](repeating: 0, count: rows * columns)
        #if canImport(Accelerate)
        vDSP_mtrans(matrix, 1, &result, 1, vDSP_Length(columns), vDSP_Length(rows))
        #else
        for row in 0..<rows {
            for column in 0..<columns { result[column * rows + row] = matrix[row * columns + column] }
        }
        #endif
        return result
    }
}
