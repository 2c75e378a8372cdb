import CoreGraphics
import CoreVideo
import Foundation
import QuartzCore
import SignportKit

/// What the UI shows after one frame.
struct FrameResult {
    var smoothed: SmoothedPrediction?
    /// The raw (unsmoothed) top class of this frame, nil without a hand or a full clip.
    var rawLabel: String?
    var rawProbability: Float
    var transcript: String
    /// Camera frame -> smoothed decision, including hand detection and preprocessing.
    var latencyMs: Double
    /// The landmark model's input for drawing (x, y in 0...1), landmark bundles only.
    var modelLandmarks: [CGPoint]?
    var chirality: LandmarkConvention.ApparentChirality?
}

/// Frame -> input tensor (per the manifest's input_kind) -> backbone (Core ML or ExecuTorch) -> head -> softmax ->
/// majority vote -> transcript. Used only on CameraController.frameQueue, so it needs no locks.
final class RecognitionEngine {
    struct Settings: Equatable {
        var window = 7
        var threshold: Float = 0.6
    }

    let bundle: SignBundle
    let backbone: Backbone
    private(set) var head: LinearHead
    private var smoother: MajorityVoteSmoother
    private var transcriber = FingerspellingTranscriber()
    private let imagePreprocessor: PixelBufferPreprocessor?
    private let handDetector: VisionHandDetector?
    private var clip: ClipBuffer?
    /// Personalisation recording: receives every embedding while set.
    var embeddingTap: (([Float]) -> Void)?

    init(bundle: SignBundle, backbone: Backbone, head: LinearHead, settings: Settings) throws {
        self.bundle = bundle
        self.backbone = backbone
        self.head = head
        smoother = MajorityVoteSmoother(window: settings.window, threshold: settings.threshold)
        let preprocessing = bundle.manifest.preprocessing
        switch preprocessing.inputKind {
        case .landmarks:
            handDetector = VisionHandDetector()
            imagePreprocessor = nil
        case .image:
            handDetector = nil
            imagePreprocessor = try PixelBufferPreprocessor(preprocessing: preprocessing)
        case .clip:
            guard let length = preprocessing.clipLength, let fps = preprocessing.clipFps else {
                throw SignportError.invalidBundle("clip bundle without preprocessing.clip_length/clip_fps; re-export the bundle")
            }
            handDetector = nil
            imagePreprocessor = try PixelBufferPreprocessor(preprocessing: preprocessing)
            clip = ClipBuffer(clipLength: length, clipFps: fps, height: preprocessing.height, width: preprocessing.width)
        }
    }

    func install(_ newHead: LinearHead) {
        head = newHead
        smoother.reset()  // votes were class indices of the old label set
    }

    func apply(_ settings: Settings) {
        smoother = MajorityVoteSmoother(window: settings.window, threshold: settings.threshold)
    }

    func clearTranscript() { transcriber.clear() }

    /// One camera frame. Returns nil for frames a clip model skips (between clip_fps samples).
    func process(_ pixelBuffer: CVPixelBuffer, timestamp: Double) throws -> FrameResult? {
        let start = CACurrentMediaTime()
        var result = FrameResult(rawProbability: 0, transcript: transcriber.text, latencyMs: 0)
        var input: [Float]?
        switch bundle.manifest.preprocessing.inputKind {
        case .landmarks:
            if let hand = try handDetector?.detect(in: pixelBuffer) {
                input = hand.modelInput
                result.chirality = hand.chirality
                result.modelLandmarks = stride(from: 0, to: hand.modelInput.count, by: 3).map {
                    CGPoint(x: CGFloat(hand.modelInput[$0]), y: CGFloat(hand.modelInput[$0 + 1]))
                }
            }
        case .image:
            input = try imagePreprocessor?.tensor(from: pixelBuffer)
        case .clip:
            guard var clip, let imagePreprocessor, clip.wants(timestamp: timestamp) else { return nil }
            let frame = try imagePreprocessor.tensor(from: pixelBuffer)
            let full = clip.append(frame, timestamp: timestamp)
            self.clip = clip
            input = full ? clip.tensorNCTHW() : nil
        }

        var probabilities: [Float]?
        if let input {
            let embedding = try backbone.embedding(for: input)
            embeddingTap?(embedding)
            let scores = Softmax.probabilities(head.logits(embedding))
            if let best = scores.indices.max(by: { scores[$0] < scores[$1] }) {
                result.rawLabel = head.labels[best]
                result.rawProbability = scores[best]
            }
            probabilities = scores
        }
        result.smoothed = smoother.push(probabilities, labels: head.labels)
        transcriber.update(result.smoothed?.label)
        result.transcript = transcriber.text
        result.latencyMs = (CACurrentMediaTime() - start) * 1000
        return result
    }
}
