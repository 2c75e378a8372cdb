#if canImport(ExecuTorch)
import ExecuTorch
import Foundation
import SignportKit

/// A bundle's ExecuTorch backbone (.pte): XNNPACK on the CPU, or the Core ML delegate, the same program
/// files Android runs (XNNPACK) and `signport bench` checks on the host. Input tensor -> embedding.
///
/// The backends register themselves at launch: the app links backend_xnnpack and backend_coreml with
/// `-all_load` (project.yml), otherwise loading reports an unregistered backend.
public final class ExecuTorchBackbone: Backbone {
    public let artifact: Artifact
    public let loadMilliseconds: Double
    public let inputElementCount: Int
    public let runtimeName = "executorch"
    public var settingName: String? { artifact.delegate ?? "xnnpack" }
    private let module: Module
    private let inputShape: [Int]

    public init(artifact: Artifact, bundle: SignBundle) throws {
        guard artifact.format == .executorch, artifact.role == .backbone else {
            throw SignportError.invalidBundle("artifact \(artifact.id) is \(artifact.format.rawValue)/\(artifact.role.rawValue), not an ExecuTorch backbone")
        }
        guard let input = artifact.inputs.first else {
            throw SignportError.invalidBundle("artifact \(artifact.id) lists no inputs in manifest.json; re-export the bundle")
        }
        let path = bundle.url(for: artifact.path).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw SignportError.invalidBundle("\(artifact.path) is listed in manifest.json but missing from the bundle; re-copy the bundle folder")
        }
        let module = Module(filePath: path)
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            try module.load("forward")
        } catch {
            throw SignportError.runtime(
                "ExecuTorch could not load \(artifact.path) (\(error.localizedDescription)); a .pte delegated to \(artifact.delegate ?? "xnnpack") "
                    + "needs that backend linked into the app (backend_\(artifact.delegate ?? "xnnpack"))")
        }
        loadMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        self.artifact = artifact
        self.module = module
        inputShape = input.runShape
        inputElementCount = inputShape.reduce(1, *)
    }

    public func embedding(for input: [Float]) throws -> [Float] {
        guard input.count == inputElementCount else {
            throw SignportError.runtime("backbone \(artifact.id) expects \(inputElementCount) input values, got \(input.count)")
        }
        let tensor = Tensor<Float>(input, shape: inputShape)
        let output = try Tensor<Float>(module.forward(tensor))
        return output.scalars()
    }
}
#endif
