import CoreML
import Foundation
import QuartzCore
import SignportKit
import SwiftUI
import UIKit

/// Benchmark mode (`-benchmark 1`): every Core ML backbone of the bundle x every requested compute-unit
/// setting, backbone + head + softmax on one fixed input, written as a signport bench result
/// (signport/core/bench_result.schema.json) to Documents/bench/<-benchmarkOut>.
struct BenchmarkRunner {
    let options: LaunchOptions

    func run(progress: @escaping (String) -> Void) async throws -> URL {
        // A stale result or error from an earlier run must not be mistaken for this one's.
        for name in [options.benchmarkOut, options.benchmarkOut + LaunchOptions.errorSuffix] {
            try? FileManager.default.removeItem(at: Self.outputURL(name))
        }
        let bundle = try SignBundle(directory: try options.bundleDirectory())
        let head = try bundle.shippedHead()
        let artifacts = bundle.backbones(format: .coreml)
        guard !artifacts.isEmpty else {
            throw SignportError.invalidBundle("\(bundle.manifest.name) has no Core ML backbone; export with `--formats coreml`")
        }
        var results: [BenchRun] = []
        for artifact in artifacts {
            for units in options.computeUnits {
                progress("\(artifact.id) on \(units.benchName)…")
                let backbone = try await CoreMLBackbone(artifact: artifact, bundle: bundle, computeUnits: units)
                let input = Self.fixedInput(count: backbone.inputElementCount)
                for _ in 0..<options.warmup { _ = try Self.inferOnce(backbone, head, input) }
                var latencies: [Double] = []
                latencies.reserveCapacity(options.iterations)
                for _ in 0..<options.iterations {
                    let start = CACurrentMediaTime()
                    _ = try Self.inferOnce(backbone, head, input)
                    latencies.append((CACurrentMediaTime() - start) * 1000)
                }
                results.append(BenchRun(artifactId: artifact.id, computeUnits: units.benchName, latenciesMs: latencies,
                                        loadMs: backbone.loadMilliseconds, warmup: options.warmup))
            }
        }
        let report = BenchReport(device: Self.device(), bundle: bundle.manifest.name,
                                 created: ISO8601DateFormatter().string(from: Date()), results: results)
        let data = try report.jsonData()
        let url = try Self.outputURL(options.benchmarkOut)
        try data.write(to: url, options: .atomic)  // appears complete or not at all: the host polls for it
        print(String(decoding: data, as: UTF8.self))  // also on the console for `devicectl ... --console`
        return url
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

    private static func inferOnce(_ backbone: CoreMLBackbone, _ head: LinearHead, _ input: [Float]) throws -> [Float] {
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
            Text("\(options.iterations) iterations, \(options.warmup) warm-up, compute units \(options.computeUnits.map(\.benchName).joined(separator: ", "))")
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
