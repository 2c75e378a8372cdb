import Foundation

/// What the app needs from a backbone, whatever runs it: one input laid out as the manifest says -> embedding.
/// Core ML (.mlpackage) and ExecuTorch (.pte on XNNPACK or its Core ML delegate) both sit behind it.
public protocol Backbone: AnyObject {
    var artifact: Artifact { get }
    /// Time to load the model, for the benchmark (cold: the first load after launch).
    var loadMilliseconds: Double { get }
    var inputElementCount: Int { get }
    /// The bench result's runtime name ("coreml", "executorch") and setting (compute units or backend).
    var runtimeName: String { get }
    var settingName: String? { get }
    func embedding(for input: [Float]) throws -> [Float]
}

/// The backbone backends of the app, as the UI, launch arguments (`-backends`) and bench results name them.
public enum BackboneBackend: String, CaseIterable, Identifiable {
    case coreml = "coreml"
    case executorchXNNPACK = "executorch-xnnpack"
    case executorchCoreML = "executorch-coreml"
}

// Kept out of the enum's body, whose cases tests/demos reads as the contract's backend names.
extension BackboneBackend {
    public var id: String { rawValue }

    public var title: String {
        switch self {
        case .coreml: return "Core ML"
        case .executorchXNNPACK: return "ExecuTorch + XNNPACK"
        case .executorchCoreML: return "ExecuTorch + Core ML"
        }
    }

    /// The bundle's backbones this backend runs, most compact precision first.
    public func artifacts(in bundle: SignBundle) -> [Artifact] {
        switch self {
        case .coreml: return bundle.backbones(format: .coreml)
        case .executorchXNNPACK: return bundle.backbones(format: .executorch).filter { ($0.delegate ?? "xnnpack") == "xnnpack" }
        case .executorchCoreML: return bundle.backbones(format: .executorch).filter { $0.delegate == "coreml" }
        }
    }

    public static func parse(_ names: String) -> [BackboneBackend] {
        names.split(separator: ",").compactMap { BackboneBackend(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
    }
}

extension SignportError {
    public static func noBackbone(_ backend: BackboneBackend, in bundle: SignBundle) -> SignportError {
        let hint: String
        switch backend {
        case .coreml: hint = "export with `--formats coreml`"
        case .executorchXNNPACK: hint = "export with `--formats executorch`"
        case .executorchCoreML: hint = "export with `--formats executorch` on a machine with coremltools (the Core ML-delegated .pte)"
        }
        return .invalidBundle("\(bundle.manifest.name) has no backbone for \(backend.title); \(hint)")
    }
}
