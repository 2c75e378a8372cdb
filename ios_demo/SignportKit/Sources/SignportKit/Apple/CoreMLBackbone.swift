#if canImport(CoreML)
import CoreML
import Foundation

/// A bundle's Core ML backbone: input tensor -> embedding. The .mlpackage is compiled on the device
/// (MLModel.compileModel) once per artifact sha256 and cached in Application Support.
public final class CoreMLBackbone {
    public let artifact: Artifact
    public let computeUnits: MLComputeUnits
    /// Time to load the compiled model (not counting a first-launch compile), for the benchmark.
    public let loadMilliseconds: Double
    private let model: MLModel
    private let inputName: String
    private let outputName: String
    private let inputShape: [NSNumber]

    public init(artifact: Artifact, bundle: SignBundle, computeUnits: MLComputeUnits) async throws {
        guard artifact.format == .coreml, artifact.role == .backbone else {
            throw SignportError.invalidBundle("artifact \(artifact.id) is \(artifact.format.rawValue)/\(artifact.role.rawValue), not a Core ML backbone")
        }
        guard let input = artifact.inputs.first, let output = artifact.outputs.first else {
            throw SignportError.invalidBundle("artifact \(artifact.id) lists no inputs/outputs in manifest.json; re-export the bundle")
        }
        let compiledURL = try await Self.compiledModel(for: artifact, in: bundle)
        let configuration = MLModelConfiguration()
        configuration.computeUnits = computeUnits
        let start = DispatchTime.now().uptimeNanoseconds
        let model = try MLModel(contentsOf: compiledURL, configuration: configuration)
        loadMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6

        let description = model.modelDescription
        guard description.inputDescriptionsByName[input.name] != nil else {
            throw SignportError.invalidBundle(
                "\(artifact.path) has no input named \(input.name) (it has \(description.inputDescriptionsByName.keys.sorted())); re-export the bundle"
            )
        }
        // The manifest names the embedding output; fall back to the model's only output if it was renamed.
        if description.outputDescriptionsByName[output.name] != nil {
            outputName = output.name
        } else if description.outputDescriptionsByName.count == 1, let only = description.outputDescriptionsByName.keys.first {
            outputName = only
        } else {
            throw SignportError.invalidBundle("\(artifact.path) has no output named \(output.name); re-export the bundle")
        }
        self.artifact = artifact
        self.computeUnits = computeUnits
        self.model = model
        self.inputName = input.name
        self.inputShape = input.runShape.map { NSNumber(value: $0) }
    }

    public var inputElementCount: Int { inputShape.reduce(1) { $0 * $1.intValue } }

    /// Run the backbone on one input laid out as the manifest's shape; returns the (D,) embedding.
    public func embedding(for input: [Float]) throws -> [Float] {
        guard input.count == inputElementCount else {
            throw SignportError.runtime("backbone \(artifact.id) expects \(inputElementCount) input values, got \(input.count)")
        }
        let array = try MLMultiArray(shape: inputShape, dataType: .float32)
        array.withUnsafeMutableBufferPointer(ofType: Float.self) { buffer, _ in
            // A freshly allocated MLMultiArray is contiguous in C order, the manifest's layout.
            _ = buffer.update(fromContentsOf: input)
        }
        let features = try MLDictionaryFeatureProvider(dictionary: [inputName: MLFeatureValue(multiArray: array)])
        let prediction = try model.prediction(from: features)
        guard let output = prediction.featureValue(for: outputName)?.multiArrayValue else {
            throw SignportError.runtime("backbone \(artifact.id) returned no \(outputName)")
        }
        return Self.floats(of: output)
    }

    static func floats(of array: MLMultiArray) -> [Float] {
        // Core ML may pad outputs (e.g. for the Neural Engine); read raw memory only when it is C-contiguous.
        let shape = array.shape.map(\.intValue)
        var contiguousStrides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { contiguousStrides[axis] = contiguousStrides[axis + 1] * shape[axis + 1] }
        if array.dataType == .float32 && array.strides.map(\.intValue) == contiguousStrides {
            return array.withUnsafeBufferPointer(ofType: Float.self) { Array($0.prefix(array.count)) }
        }
        return (0..<array.count).map { array[$0].floatValue }
    }

    /// Compile the .mlpackage once per content hash; later launches reuse the cached .mlmodelc.
    static func compiledModel(for artifact: Artifact, in bundle: SignBundle) async throws -> URL {
        let fileManager = FileManager.default
        let cache = try fileManager.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            .appendingPathComponent("CompiledModels", isDirectory: true)
        try fileManager.createDirectory(at: cache, withIntermediateDirectories: true)
        let cached = cache.appendingPathComponent("\(artifact.sha256).mlmodelc", isDirectory: true)
        if fileManager.fileExists(atPath: cached.path) { return cached }

        let package = try bundle.url(for: artifact.path)
        guard fileManager.fileExists(atPath: package.path) else {
            throw SignportError.invalidBundle("\(artifact.path) is listed in manifest.json but missing from the bundle; re-copy the bundle folder")
        }
        let compiled = try await MLModel.compileModel(at: package)
        _ = try? fileManager.removeItem(at: cached)
        try fileManager.moveItem(at: compiled, to: cached)
        return cached
    }
}

extension MLComputeUnits {
    /// The names used in launch arguments and benchmark results.
    public var benchName: String {
        switch self {
        case .cpuOnly: return "cpuOnly"
        case .cpuAndGPU: return "cpuAndGPU"
        case .cpuAndNeuralEngine: return "cpuAndNeuralEngine"
        case .all: return "all"
        @unknown default: return "all"
        }
    }

    public init?(benchName: String) {
        switch benchName {
        case "cpuOnly": self = .cpuOnly
        case "cpuAndGPU": self = .cpuAndGPU
        case "cpuAndNeuralEngine": self = .cpuAndNeuralEngine
        case "all": self = .all
        default: return nil
        }
    }
}
#endif
