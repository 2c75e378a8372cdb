import CoreML
import Foundation
import SignportExecuTorch
import SignportKit

/// Builds the backbone for a backend: the one place that knows which class runs which artifact.
enum BackboneLoader {
    static func load(_ backend: BackboneBackend, artifact: Artifact, bundle: SignBundle,
                     computeUnits: MLComputeUnits = .all) async throws -> Backbone {
        switch backend {
        case .coreml:
            return try await CoreMLBackbone(artifact: artifact, bundle: bundle, computeUnits: computeUnits)
        case .executorchXNNPACK, .executorchCoreML:
            return try ExecuTorchBackbone(artifact: artifact, bundle: bundle)
        }
    }

    /// The first backbone of `backend` in the bundle, or a message saying how to export one.
    static func first(_ backend: BackboneBackend, bundle: SignBundle) async throws -> Backbone {
        guard let artifact = backend.artifacts(in: bundle).first else { throw SignportError.noBackbone(backend, in: bundle) }
        return try await load(backend, artifact: artifact, bundle: bundle)
    }
}
