import Foundation
import XCTest
@testable import SignportKit

/// The fixture bundle written by signport's Python side (tests/demos/fixtures/bundle; regenerate with
/// `python tests/demos/test_fixture_bundle.py`), so these tests prove the app reads what Python writes.
private let fixtureBundle = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()  // SignportKit
    .deletingLastPathComponent().deletingLastPathComponent()  // repository root
    .appendingPathComponent("tests/demos/fixtures/bundle", isDirectory: true)

private struct Expected: Decodable {
    let embedding: [Float]
    let logits: [Float]
    let probabilities: [Float]
}

private func expected() throws -> Expected {
    try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixtureBundle.appendingPathComponent("expected.json")))
}

final class BundleReaderTests: XCTestCase {
    func testManifestDecodesEveryContractField() throws {
        let bundle = try SignBundle(directory: fixtureBundle)
        let manifest = bundle.manifest
        XCTAssertEqual(manifest.schemaVersion, 1)
        XCTAssertEqual(manifest.labels, ["A", "B", "space"])
        XCTAssertEqual(manifest.preprocessing.inputKind, .landmarks)
        XCTAssertEqual(manifest.preprocessing.layout, .nf)
        XCTAssertNil(manifest.preprocessing.clipLength)
        XCTAssertEqual(manifest.embeddingSize, 4)
        XCTAssertEqual(manifest.head.binLayout, BinLayout.expected(numClasses: 3, embeddingSize: 4))
        let coreml = bundle.backbones(format: .coreml)
        XCTAssertEqual(coreml.map(\.id), ["backbone-coreml-fp16"])
        XCTAssertEqual(coreml[0].inputs[0].runShape, [1, 63])
        XCTAssertEqual(bundle.backbones(format: .executorch)[0].delegate, "xnnpack")
    }

    func testShippedHeadMatchesPythonLogits() throws {
        let head = try SignBundle(directory: fixtureBundle).shippedHead()
        let reference = try expected()
        let logits = head.logits(reference.embedding)
        for (value, want) in zip(logits, reference.logits) { XCTAssertEqual(value, want, accuracy: 1e-5) }
        for (value, want) in zip(Softmax.probabilities(logits), reference.probabilities) { XCTAssertEqual(value, want, accuracy: 1e-5) }
    }

    func testManifestPathOutsideTheBundleIsRefused() throws {
        for outside in ["../outside.pte", "/etc/passwd", "a/../../outside.pte"] {
            let folder = try temporaryCopyOfFixture()
            let manifestURL = folder.appendingPathComponent(SignBundle.manifestFileName)
            var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
            var artifacts = try XCTUnwrap(object["artifacts"] as? [[String: Any]])
            artifacts[0]["path"] = outside
            object["artifacts"] = artifacts
            try JSONSerialization.data(withJSONObject: object).write(to: manifestURL)
            XCTAssertThrowsError(try SignBundle(directory: folder)) { error in
                XCTAssertTrue((error as? SignportError)?.message.contains(outside) == true, "\(error)")
            }
        }
    }

    func testHeadFromOtherBackboneIsRefused() throws {
        let folder = try temporaryCopyOfFixture()
        let jsonURL = folder.appendingPathComponent("head.json")
        let original = try Data(contentsOf: jsonURL)
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: original) as? [String: Any])
        object["backbone_fingerprint"] = "sha256:" + String(repeating: "cd", count: 32)
        try JSONSerialization.data(withJSONObject: object).write(to: jsonURL)
        let bundle = try SignBundle(directory: folder)
        XCTAssertThrowsError(try bundle.loadHead(json: jsonURL, bin: folder.appendingPathComponent("head.bin"))) { error in
            XCTAssertTrue((error as? SignportError)?.message.contains("trained for backbone") == true, "\(error)")
        }
    }

    func testTruncatedBinIsRefused() throws {
        let folder = try temporaryCopyOfFixture()
        let binURL = folder.appendingPathComponent("head.bin")
        try Data(contentsOf: binURL).prefix(56).write(to: binURL)
        let bundle = try SignBundle(directory: folder)
        XCTAssertThrowsError(try bundle.loadHead(json: folder.appendingPathComponent("head.json"), bin: binURL)) { error in
            XCTAssertTrue((error as? SignportError)?.message.contains("holds 56 bytes, expected 60") == true, "\(error)")
        }
    }

    func testNewestDroppedHeadWins() throws {
        let folder = try temporaryCopyOfFixture()
        let older = Date(timeIntervalSinceNow: -60)
        for name in ["head.json", "head.bin"] {
            try FileManager.default.setAttributes([.modificationDate: older], ofItemAtPath: folder.appendingPathComponent(name).path)
        }
        for name in ["mine.json", "mine.bin"] {
            try FileManager.default.copyItem(at: fixtureBundle.appendingPathComponent(name.replacingOccurrences(of: "mine", with: "head")),
                                             to: folder.appendingPathComponent(name))
        }
        XCTAssertEqual(HeadDropFolder.newestCandidate(in: folder)?.json.lastPathComponent, "mine.json")
    }

    private func temporaryCopyOfFixture() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.copyItem(at: fixtureBundle, to: folder)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }
}

final class HeadFormatTests: XCTestCase {
    func testBinRoundTripIsLittleEndianWeightThenBias() throws {
        let weight: [Float] = [1, 2, 3, 4, 5, 6]
        let bias: [Float] = [-1, -2]
        let data = HeadBinLayout.encode(weight: weight, bias: bias)
        XCTAssertEqual(data.count, HeadBinLayout.totalBytes(numClasses: 2, embeddingSize: 3))
        XCTAssertEqual(Array(data.prefix(4)), [0x00, 0x00, 0x80, 0x3F])  // 1.0f little-endian
        XCTAssertEqual(HeadBinLayout.decodeFloats(data, byteOffset: HeadBinLayout.biasOffset(numClasses: 2, embeddingSize: 3), count: 2), bias)
    }

    func testWrittenHeadManifestHasEveryPythonKey() throws {
        let manifest = HeadManifest(labels: ["A", "B"], embeddingSize: 3, backboneFingerprint: "sha256:x", modelFamily: "landmarks", created: "now")
        let encoded = try JSONEncoder().encode(manifest)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        let pythonKeys: Set<String> = [
            "labels", "embedding_size", "backbone_fingerprint", "model_family", "dropout", "created", "metrics", "source",
            "format", "format_version", "num_classes", "bin_layout",
        ]
        XCTAssertEqual(Set(object.keys), pythonKeys)
    }
}

final class RecognitionTests: XCTestCase {
    func testMajorityVoteNeedsStrictMajorityAboveThreshold() {
        var smoother = MajorityVoteSmoother(window: 5, threshold: 0.6)
        let labels = ["A", "B"]
        XCTAssertNil(smoother.push([0.9, 0.1], labels: labels))
        XCTAssertNil(smoother.push([0.9, 0.1], labels: labels))
        XCTAssertEqual(smoother.push([0.7, 0.3], labels: labels)?.label, "A")  // 3 of 5
        XCTAssertEqual(smoother.push([0.55, 0.45], labels: labels)?.confidence ?? 0, (0.9 + 0.9 + 0.7) / 3, accuracy: 1e-6)
        XCTAssertEqual(smoother.push(nil, labels: labels)?.label, "A")
        XCTAssertNil(smoother.push([0.1, 0.9], labels: labels))  // window: A A(0.7) abstain abstain B
    }

    func testTranscriberTypesOncePerHoldAndHandlesKeys() {
        var transcriber = FingerspellingTranscriber()
        for label in ["H", "H", "H", "I", nil, "I", "space", "space", "B", "del", "nothing", "O", "O"] { transcriber.update(label) }
        XCTAssertEqual(transcriber.text, "HII O")
        transcriber.update("hello")
        XCTAssertEqual(transcriber.text, "HII O hello")
    }

    func testClipBufferSamplesAtClipFpsAndLaysOutNCTHW() {
        var clip = ClipBuffer(clipLength: 2, clipFps: 15, channels: 3, height: 1, width: 2)
        XCTAssertTrue(clip.wants(timestamp: 0))
        _ = clip.append([1, 2, 3, 4, 5, 6], timestamp: 0)
        XCTAssertFalse(clip.wants(timestamp: 1.0 / 30))
        XCTAssertTrue(clip.wants(timestamp: 2.0 / 30))
        XCTAssertTrue(clip.append([10, 20, 30, 40, 50, 60], timestamp: 2.0 / 30))
        // (C, T, H*W): channel 0 of frame 0, channel 0 of frame 1, channel 1 of frame 0, ...
        XCTAssertEqual(clip.tensorNCTHW(), [1, 2, 10, 20, 3, 4, 30, 40, 5, 6, 50, 60])
    }

    func testImageNormalizerUsesManifestMeanStdInRGBOrder() throws {
        let bundle = try SignBundle(directory: fixtureBundle)
        var preprocessing = bundle.manifest.preprocessing
        preprocessing.mean = [0.5, 0.25, 0]
        preprocessing.std = [0.5, 0.25, 1]
        let bgra: [UInt8] = [0, 255, 255, 255, 255, 0, 0, 255]  // two pixels: (R255,G255,B0), (R0,G0,B255)
        let tensor = bgra.withUnsafeBytes {
            ImageNormalizer.nchw(pixels: $0, width: 2, height: 1, bytesPerRow: 8, channels: .bgra, preprocessing: preprocessing)
        }
        let want: [Float] = [1, -1, 3, -1, 0, 1]
        for (value, target) in zip(tensor, want) { XCTAssertEqual(value, target, accuracy: 1e-6) }
    }

    func testRightLookingHandIsMirroredAndYFlipped() {
        let points = (0..<21).map { (x: Float($0) / 100, y: 0.25 as Float) }
        let right = LandmarkConvention.modelInput(visionPoints: points, chirality: .right)
        let left = LandmarkConvention.modelInput(visionPoints: points, chirality: .left)
        XCTAssertEqual(right[3], 1 - 0.01, accuracy: 1e-6)
        XCTAssertEqual(left[3], 0.01, accuracy: 1e-6)
        XCTAssertEqual(left[4], 0.75, accuracy: 1e-6)
        XCTAssertEqual(left[5], 0)
    }

    func testBenchReportWritesNullThreadsAndPercentiles() throws {
        let run = BenchRun(artifactId: "a", computeUnits: "all", latenciesMs: [1, 2, 3, 4], loadMs: 5, warmup: 2)
        XCTAssertEqual(run.latencyMs.p50, 2.5, accuracy: 1e-9)
        XCTAssertEqual(run.latencyMs.p90, 3.7, accuracy: 1e-9)
        XCTAssertEqual(run.fps, 400, accuracy: 1e-9)
        let report = BenchReport(device: BenchDevice(name: "iPhone", os: "iOS 17"), bundle: "b", created: "now", results: [run])
        let encoded = try report.jsonData()
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        let result = try XCTUnwrap((object["results"] as? [[String: Any]])?.first)
        XCTAssertTrue(result["threads"] is NSNull)
        XCTAssertEqual(result["iterations"] as? Int, 4)
    }

    func testHeadTrainerSeparatesTwoClusters() {
        var generator = SplitMix64(seed: 1)
        var embeddings: [[Float]] = []
        var targets: [Int] = []
        for index in 0..<200 {
            let target = index % 2
            let centre: Float = target == 0 ? -1 : 1
            embeddings.append((0..<8).map { _ in centre + Float.random(in: -0.5...0.5, using: &generator) })
            targets.append(target)
        }
        var config = HeadTrainer.Config()
        config.epochs = 20
        let result = HeadTrainer(config: config).train(embeddings: embeddings, targets: targets, numClasses: 2)
        XCTAssertEqual(result.trainAccuracy, 1.0)
        XCTAssertLessThan(result.finalLoss, 0.1)
    }
}
