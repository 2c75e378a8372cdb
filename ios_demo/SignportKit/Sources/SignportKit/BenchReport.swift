import Foundation

// The benchmark result file, in the shape of signport/core/bench_result.schema.json
// (the same JSON `signport bench` writes on the host); tests/demos checks these keys.

public struct BenchReport: Codable, Equatable {
    public var device: BenchDevice
    public var bundle: String
    public var created: String
    public var results: [BenchRun]
    /// The bundle's test vectors run on this phone, one row per backbone and setting.
    public var testVectors: [TestVectorResult]?
    /// MediaPipe's hand stage (Android); iOS times Vision inside its frame loop, not here.
    public var handStage: HandStage?
    public var deviceState: DeviceState?

    enum CodingKeys: String, CodingKey {
        case device
        case bundle
        case created
        case results
        case testVectors = "test_vectors"
        case handStage = "hand_stage"
        case deviceState = "device_state"
    }

    public init(device: BenchDevice, bundle: String, created: String, results: [BenchRun],
                testVectors: [TestVectorResult]? = nil, deviceState: DeviceState? = nil) {
        self.device = device
        self.bundle = bundle
        self.created = created
        self.results = results
        self.testVectors = testVectors
        self.handStage = nil
        self.deviceState = deviceState
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

public struct BenchDevice: Codable, Equatable {
    public var name: String
    public var os: String
    public var kind: String

    enum CodingKeys: String, CodingKey {
        case name
        case os
        case kind
    }

    public init(name: String, os: String, kind: String = "ios") {
        self.name = name
        self.os = os
        self.kind = kind
    }
}

public struct BenchRun: Codable, Equatable {
    public var artifactId: String
    public var runtime: String
    public var computeUnits: String?
    /// Core ML picks its own threads: always null on iOS, but written (the schema requires the key).
    public var threads: Int?
    public var latencyMs: LatencySummary
    public var fps: Double
    public var loadMs: Double
    public var iterations: Int
    public var warmup: Int

    enum CodingKeys: String, CodingKey {
        case artifactId = "artifact_id"
        case runtime
        case computeUnits = "compute_units"
        case threads
        case latencyMs = "latency_ms"
        case fps
        case loadMs = "load_ms"
        case iterations
        case warmup
    }

    public init(artifactId: String, runtime: String = "coreml", computeUnits: String?, threads: Int? = nil,
                latenciesMs: [Double], loadMs: Double, warmup: Int) {
        self.artifactId = artifactId
        self.runtime = runtime
        self.computeUnits = computeUnits
        self.threads = threads
        let summary = LatencySummary(latenciesMs)
        self.latencyMs = summary
        self.fps = summary.mean > 0 ? 1000 / summary.mean : 0
        self.loadMs = loadMs
        self.iterations = latenciesMs.count
        self.warmup = warmup
    }

    // Synthesized encoding skips nil optionals; the schema wants explicit nulls.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(artifactId, forKey: .artifactId)
        try container.encode(runtime, forKey: .runtime)
        try container.encode(computeUnits, forKey: .computeUnits)
        try container.encode(threads, forKey: .threads)
        try container.encode(latencyMs, forKey: .latencyMs)
        try container.encode(fps, forKey: .fps)
        try container.encode(loadMs, forKey: .loadMs)
        try container.encode(iterations, forKey: .iterations)
        try container.encode(warmup, forKey: .warmup)
    }
}

/// One backbone on the bundle's test vectors: its logits (embedding through head.bin) vs eager PyTorch's.
public struct TestVectorResult: Codable, Equatable {
    public var artifactId: String
    public var runtime: String
    public var computeUnits: String?
    public var backend: String?
    public var count: Int
    public var top1Agreement: Double
    public var maxAbsDelta: Double
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case artifactId = "artifact_id"
        case runtime
        case computeUnits = "compute_units"
        case backend
        case count
        case top1Agreement = "top1_agreement"
        case maxAbsDelta = "max_abs_delta"
        case error
    }

    public init(artifactId: String, runtime: String, computeUnits: String?, backend: String?, count: Int,
                top1Agreement: Double, maxAbsDelta: Double, error: String? = nil) {
        self.artifactId = artifactId
        self.runtime = runtime
        self.computeUnits = computeUnits
        self.backend = backend
        self.count = count
        self.top1Agreement = top1Agreement
        self.maxAbsDelta = maxAbsDelta
        self.error = error
    }
}

public struct HandStage: Codable, Equatable {
    public var latencyMs: LatencySummary
    public var iterations: Int
    public var handsFound: Int
    public var runningMode: String

    enum CodingKeys: String, CodingKey {
        case latencyMs = "latency_ms"
        case iterations
        case handsFound = "hands_found"
        case runningMode = "running_mode"
    }
}

public struct DeviceState: Codable, Equatable {
    public var pssMb: Double?
    public var coldLoadMs: Double?
    public var thermalStateStart: String?
    public var thermalStateEnd: String?

    enum CodingKeys: String, CodingKey {
        case pssMb = "pss_mb"
        case coldLoadMs = "cold_load_ms"
        case thermalStateStart = "thermal_state_start"
        case thermalStateEnd = "thermal_state_end"
    }

    public init(pssMb: Double? = nil, coldLoadMs: Double? = nil, thermalStateStart: String? = nil, thermalStateEnd: String? = nil) {
        self.pssMb = pssMb
        self.coldLoadMs = coldLoadMs
        self.thermalStateStart = thermalStateStart
        self.thermalStateEnd = thermalStateEnd
    }
}

public struct LatencySummary: Codable, Equatable {
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var mean: Double

    enum CodingKeys: String, CodingKey {
        case p50
        case p90
        case p99
        case mean
    }

    public init(_ latenciesMs: [Double]) {
        let sorted = latenciesMs.sorted()
        p50 = Self.percentile(sorted, 0.50)
        p90 = Self.percentile(sorted, 0.90)
        p99 = Self.percentile(sorted, 0.99)
        mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
    }

    /// Linear interpolation between closest ranks: numpy.percentile's default, as signport uses.
    public static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let position = fraction * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }
}
