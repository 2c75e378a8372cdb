import CoreML
import Foundation
import QuartzCore
import SignportKit
import SwiftUI
import UIKit

/// Benchmark mode (`-benchmark 1`): every backbone of the bundle on every requested backend (`-backends`:
/// Core ML .mlpackage x each `-computeUnits`, ExecuTorch + XNNPACK, ExecuTorch + Core ML), backbone + head +
/// softmax on one fixed input, plus the bundle's test vectors on each (parity on the phone), written as a
/// signport bench result (signport/core/bench_result.schema.json) to Documents/bench/<-benchmarkOut>.
struct BenchmarkRunner {
    let options: LaunchOptions

    func run(progress: @escaping (String) -> Void) async throws -> URL {
        // A stale result or error from an earlier run must not be mistaken for this one's.
        for name in [options.benchmarkOut, options.benchmarkOut + LaunchOptions.errorSuffix] {
            try? FileManager.default.removeItem(at: Self.outputURL(name))
        }
        let thermalStart = Self.thermalState()
        let bundle = try SignBundle(directory: try options.bundleDirectory())
        let head = try bundle.shippedHead()
        let vectors = bundle.manifest.testVectors == nil ? nil : try TestVectors(bundle: bundle)
        var results: [BenchRun] = []
        var vectorResults: [TestVectorResult] = []
        var coldLoadMs: Double?
        for backend in options.backends {
            let artifacts = backend.artifacts(in: bundle)
            if artifacts.isEmpty {
                progress("skipped \(backend.title): \(SignportError.noBackbone(backend, in: bundle).message)")
                continue
            }
            let settings: [MLComputeUnits] = backend == .coreml ? options.computeUnits : [.all]
            for artifact in artifacts {
                for units in settings {
                    progress("\(artifact.id) on \(backend.title)\(backend == .coreml ? " \(units.benchName)" : "")…")
                    let backbone = try await BackboneLoader.load(backend, artifact: artifact, bundle: bundle, computeUnits: units)
                    coldLoadMs = coldLoadMs ?? backbone.loadMilliseconds
                    if let vectors { vectorResults.append(Self.checkVectors(vectors, backbone, head, backend)) }
                    let input = Self.fixedInput(count: backbone.inputElementCount)
                    for _ in 0..<options.warmup { _ = try Self.inferOnce(backbone, head, input) }
                    var latencies: [Double] = []
                    latencies.reserveCapacity(options.iterations)
                    for _ in 0..<options.iterations {
                        let start = CACurrentMediaTime()
                        _ = try Self.inferOnce(backbone, head, input)
                        latencies.append((CACurrentMediaTime() - start) * 1000)
                    }
                    results.append(BenchRun(artifactId: artifact.id, runtime: backbone.runtimeName,
                                            computeUnits: backend == .coreml ? units.benchName : nil, latenciesMs: latencies,
                                            loadMs: backbone.loadMilliseconds, warmup: options.warmup))
                }
            }
        }
        guard !results.isEmpty else {
            throw SignportError.invalidBundle("\(bundle.manifest.name) has no backbone for \(options.backends.map(\.title).joined(separator: ", "))")
        }
        let state = DeviceState(coldLoadMs: coldLoadMs, thermalStateStart: thermalStart, thermalStateEnd: Self.thermalState())
        let report = BenchReport(device: Self.device(), bundle: bundle.manifest.name,
                                 created: ISO8601DateFormatter().string(from: Date()), results: results,
                                 testVectors: vectors == nil ? nil : vectorResults, deviceState: state)
        let data = try report.jsonData()
        let url = try Self.outputURL(options.benchmarkOut)
        try data.write(to: url, options: .atomic)  // appears complete or not at all: the host polls for it
        print(String(decoding: data, as: UTF8.self))  // also on the console for `devicectl ... --console`
        return url
    }

    /// The bundle's test vectors through this backbone and the shipped head, against eager PyTorch's logits.
    /// A failure to run is reported in the row (the host fails the verdict), not thrown.
    static func checkVectors(_ vectors: TestVectors, _ backbone: Backbone, _ head: LinearHead, _ backend: BackboneBackend) -> TestVectorResult {
        let units = backend == .coreml ? backbone.settingName : nil
        let engine = backend == .coreml ? nil : backbone.settingName
        do {
            let logits = try vectors.inputs.map { head.logits(try backbone.embedding(for: $0)) }
            let (top1, delta) = TestVectors.agreement(expected: vectors.logits, actual: logits)
            return TestVectorResult(artifactId: backbone.artifact.id, runtime: backbone.runtimeName, computeUnits: units,
                                    backend: engine, count: vectors.inputs.count, top1Agreement: top1, maxAbsDelta: delta)
        } catch {
            let message = (error as? SignportError)?.message ?? error.localizedDescription
            return TestVectorResult(artifactId: backbone.artifact.id, runtime: backbone.runtimeName, computeUnits: units,
                                    backend: engine, count: vectors.inputs.count, top1Agreement: 0, maxAbsDelta: 0, error: message)
        }
    }

    static func thermalState() -> String {
        switch ProcessInfo.processInfo.thermalState {
        case .nominal: return "nominal"
        case .fair: return "fair"
        case .serious: return "serious"
        case .critical: return "critical"
        @unknown default: return "unknown"
        }
    }

    static func outputURL(_ name: String) throws -> URL {
        let folder = LaunchOptions.documents.appendingPathComponent(LaunchOptions.benchmarkFolder, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name)
    }

    static func writeError(_ message: String, options: LaunchOptions) {
        guard let url = try? outputURL(options.benchmarkOut + LaunchOptions.errorSuffix) else { return }
        try? Data(message.utf8).write(to: url, options: .atomic)
    }

    private static func inferOnce(_ backbone: Backbone, _ head: LinearHead, _ input: [Float]) throws -> [Float] {
        Softmax.probabilities(head.logits(try backbone.embedding(for: input)))
    }

    /// Deterministic, non-constant input in the normalized value range (constant inputs can take fast paths).
    static func fixedInput(count: Int) -> [Float] {
        (0..<count).map { Float(sin(Double($0) * 0.37)) }
    }

    static func device() -> BenchDevice {
        var systemInfo = utsname()
        uname(&systemInfo)
        let machine = withUnsafeBytes(of: &systemInfo.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return BenchDevice(name: machine, os: "\(UIDevice.current.systemName) \(UIDevice.current.systemVersion)", kind: "ios")
    }
}

struct BenchmarkView: View {
    let options: LaunchOptions
    @State private var lines: [String] = []

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text("signport benchmark").font(.title2.bold())
            Text("\(options.iterations) iterations, \(options.warmup) warm-up, backends \(options.backends.map(\.title).joined(separator: ", ")), compute units \(options.computeUnits.map(\.benchName).joined(separator: ", "))")
                .font(.footnote)
            ForEach(lines, id: \.self) { Text($0).font(.footnote.monospaced()) }
            Spacer()
        }
        .padding()
        .task { await run() }
    }

    @MainActor
    private func run() async {
        // Keep the screen awake: a dimmed phone throttles and the numbers would mean nothing.
        UIApplication.shared.isIdleTimerDisabled = true
        defer { UIApplication.shared.isIdleTimerDisabled = false }
        do {
            let url = try await BenchmarkRunner(options: options).run { line in
                Task { @MainActor in lines.append(line) }
            }
            lines.append("wrote Documents/\(LaunchOptions.benchmarkFolder)/\(url.lastPathComponent)")
        } catch {
            let message = (error as? SignportError)?.message ?? error.localizedDescription
            BenchmarkRunner.writeError(message, options: options)
            lines.append("failed: \(message)")
        }
    }
}
