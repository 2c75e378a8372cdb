import CoreML
import Foundation
import SignportKit

/// Launch arguments (`-name value`, read through UserDefaults' argument domain) and where the bundle lives.
///
/// Benchmark mode, used by `signport bench --device ios:UDID`:
///   xcrun devicectl device process launch --device UDID --terminate-existing dev.signport.demo \
///       -benchmark 1 -iterations 100 -warmup 10 -computeUnits all,cpuOnly -benchmarkOut bench_result.json \
///       -backends coreml,executorch-xnnpack,executorch-coreml
/// writes Documents/bench/bench_result.json (or bench_result.json.error on failure).
struct LaunchOptions {
    static let benchmarkFolder = "bench"
    static let errorSuffix = ".error"
    static let bundledResourceName = "SignportBundle"
    static let documentsBundleFolder = "bundle"

    var benchmark: Bool
    var iterations: Int
    var warmup: Int
    var computeUnits: [MLComputeUnits]
    /// Backbone backends timed side by side on one bundle (Core ML compute units apply to `coreml`).
    var backends: [BackboneBackend]
    var benchmarkOut: String
    /// Bundle folder relative to Documents; overrides the default lookup.
    var bundlePath: String?

    init(defaults: UserDefaults) {
        benchmark = defaults.bool(forKey: "benchmark")
        iterations = max(1, defaults.object(forKey: "iterations") == nil ? 100 : defaults.integer(forKey: "iterations"))
        warmup = max(0, defaults.object(forKey: "warmup") == nil ? 10 : defaults.integer(forKey: "warmup"))
        let unitNames = (defaults.string(forKey: "computeUnits") ?? "all").split(separator: ",").map(String.init)
        computeUnits = unitNames.compactMap(MLComputeUnits.init(benchName:))
        if computeUnits.isEmpty { computeUnits = [.all] }
        backends = BackboneBackend.parse(defaults.string(forKey: "backends") ?? "coreml")
        if backends.isEmpty { backends = [.coreml] }
        benchmarkOut = defaults.string(forKey: "benchmarkOut") ?? "bench_result.json"
        bundlePath = defaults.string(forKey: "bundle")
    }

    static var documents: URL {
        FileManager.default.urls(for: .documentDirectory, in: .userDomainMask)[0]
    }

    /// Documents/<-bundle>, else Documents/bundle (copied with Finder or the Files app), else the bundle
    /// built into the app (ios_demo/SignportBundle, see README).
    func bundleDirectory() throws -> URL {
        let fileManager = FileManager.default
        var candidates: [URL] = []
        if let bundlePath { candidates.append(Self.documents.appendingPathComponent(bundlePath, isDirectory: true)) }
        candidates.append(Self.documents.appendingPathComponent(Self.documentsBundleFolder, isDirectory: true))
        if let builtIn = Bundle.main.url(forResource: Self.bundledResourceName, withExtension: nil) { candidates.append(builtIn) }
        if let found = candidates.first(where: { fileManager.fileExists(atPath: $0.appendingPathComponent("manifest.json").path) }) {
            return found
        }
        throw SignportError.invalidBundle(
            "no signport bundle found: copy a `signport export --out` folder to Documents/\(Self.documentsBundleFolder) or build it into the app as \(Self.bundledResourceName)"
        )
    }
}
