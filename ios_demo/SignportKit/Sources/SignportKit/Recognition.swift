import Foundation

/// A smoothed decision: the class that won the vote and its mean probability over its votes.
public struct SmoothedPrediction: Equatable {
    public let classIndex: Int
    public let label: String
    public let confidence: Float
}

/// Majority vote over the last `window` frames. A frame votes for its top class only when that
/// class's probability reaches `threshold`; frames without a hand or below threshold abstain, and
/// abstentions count against every class, so a prediction needs a strict majority of the whole window.
public struct MajorityVoteSmoother {
    public let window: Int
    public let threshold: Float
    private var votes: [(classIndex: Int, probability: Float)?] = []

    public init(window: Int, threshold: Float) {
        precondition(window >= 1, "window must be at least one frame")
        self.window = window
        self.threshold = threshold
    }

    /// Add one frame (nil when no hand was seen) and return the current smoothed decision.
    public mutating func push(_ probabilities: [Float]?, labels: [String]) -> SmoothedPrediction? {
        var vote: (classIndex: Int, probability: Float)?
        if let probabilities, let best = probabilities.indices.max(by: { probabilities[$0] < probabilities[$1] }),
           probabilities[best] >= threshold {
            vote = (best, probabilities[best])
        }
        votes.append(vote)
        if votes.count > window { votes.removeFirst(votes.count - window) }
        return decision(labels: labels)
    }

    public mutating func reset() { votes.removeAll() }

    private func decision(labels: [String]) -> SmoothedPrediction? {
        var counts: [Int: (count: Int, probabilitySum: Float)] = [:]
        for case let vote? in votes {
            let previous = counts[vote.classIndex] ?? (0, 0)
            counts[vote.classIndex] = (previous.count + 1, previous.probabilitySum + vote.probability)
        }
        guard let winner = counts.max(by: { $0.value.count < $1.value.count }),
              winner.value.count * 2 > window,
              winner.key < labels.count else { return nil }
        return SmoothedPrediction(
            classIndex: winner.key, label: labels[winner.key],
            confidence: winner.value.probabilitySum / Float(winner.value.count)
        )
    }
}

/// Fingerspelling to text. A letter is typed once when it becomes the smoothed prediction; holding it
/// types nothing more, so a double letter needs a release (another sign, "nothing" or no hand) between.
/// "space" and "del" act as keys; multi-letter labels (word glosses) are typed as words.
public struct FingerspellingTranscriber {
    // The key labels of signport.core.labels (SPACE, DELETE, NOTHING).
    public static let spaceLabel = "space"
    public static let deleteLabel = "del"
    public static let nothingLabel = "nothing"

    public private(set) var text = ""
    private var heldLabel: String?

    public init() {}

    /// Feed the smoothed label of one frame (nil: no decision). Returns true when the text changed.
    @discardableResult
    public mutating func update(_ label: String?) -> Bool {
        guard let label, label != Self.nothingLabel else {
            heldLabel = nil
            return false
        }
        guard label != heldLabel else { return false }
        heldLabel = label
        switch label {
        case Self.spaceLabel:
            text.append(" ")
        case Self.deleteLabel:
            if !text.isEmpty { text.removeLast() }
        default:
            if label.count == 1 {
                text.append(label)
            } else {
                if !text.isEmpty && !text.hasSuffix(" ") { text.append(" ") }
                text.append(label)
            }
        }
        return true
    }

    public mutating func clear() {
        text = ""
        heldLabel = nil
    }
}

/// The last `clipLength` frames sampled at `clipFps`, assembled as one NCTHW tensor for clip (3-D) backbones.
public struct ClipBuffer {
    public let clipLength: Int
    public let clipFps: Double
    public let frameSize: Int
    private var frames: [[Float]] = []
    private var lastAccepted: Double?

    public init(clipLength: Int, clipFps: Double, channels: Int = 3, height: Int, width: Int) {
        self.clipLength = clipLength
        self.clipFps = clipFps
        self.frameSize = channels * height * width
    }

    /// Whether a frame at `timestamp` (seconds) is due at `clipFps`; camera frames in between are skipped.
    public func wants(timestamp: Double) -> Bool {
        guard let lastAccepted else { return true }
        // 10 % slack so a 30 fps camera feeding a 15 fps clip takes every second frame despite jitter.
        return timestamp - lastAccepted >= 0.9 / clipFps
    }

    /// Append one CHW frame. Returns true when the clip is full.
    public mutating func append(_ frame: [Float], timestamp: Double) -> Bool {
        precondition(frame.count == frameSize, "frame has \(frame.count) values, expected \(frameSize)")
        frames.append(frame)
        if frames.count > clipLength { frames.removeFirst(frames.count - clipLength) }
        lastAccepted = timestamp
        return isFull
    }

    public var isFull: Bool { frames.count == clipLength }

    public mutating func reset() {
        frames.removeAll()
        lastAccepted = nil
    }

    /// (1, C, T, H, W) from T frames of (C, H, W).
    public func tensorNCTHW(channels: Int = 3) -> [Float] {
        let plane = frameSize / channels
        var tensor = [Float](repeating: 0, count: frameSize * frames.count)
        for (time, frame) in frames.enumerated() {
            for channel in 0..<channels {
                let target = (channel * frames.count + time) * plane
                tensor.replaceSubrange(target..<(target + plane), with: frame[(channel * plane)..<((channel + 1) * plane)])
            }
        }
        return tensor
    }
}

/// Interleaved 8-bit pixels at the model's input size -> NCHW float32 normalized with the manifest's mean/std.
public enum ImageNormalizer {
    /// Byte offsets of R, G and B inside one pixel (BGRA camera buffers: r 2, g 1, b 0).
    public struct ChannelOffsets {
        public let red: Int, green: Int, blue: Int, bytesPerPixel: Int
        public static let bgra = ChannelOffsets(red: 2, green: 1, blue: 0, bytesPerPixel: 4)
        public static let rgba = ChannelOffsets(red: 0, green: 1, blue: 2, bytesPerPixel: 4)
    }

    public static func nchw(
        pixels: UnsafeRawBufferPointer, width: Int, height: Int, bytesPerRow: Int,
        channels: ChannelOffsets, preprocessing: Preprocessing
    ) -> [Float] {
        let plane = width * height
        var tensor = [Float](repeating: 0, count: 3 * plane)
        // (x / 255 - mean) / std  ==  x * scale + shift, per channel (manifest color_order is RGB).
        let scale = (0..<3).map { 1 / (255 * preprocessing.std[$0]) }
        let shift = (0..<3).map { -preprocessing.mean[$0] / preprocessing.std[$0] }
        let offsets = [channels.red, channels.green, channels.blue]
        for y in 0..<height {
            let row = y * bytesPerRow
            for x in 0..<width {
                let pixel = row + x * channels.bytesPerPixel
                for channel in 0..<3 {
                    tensor[channel * plane + y * width + x] = Float(pixels[pixel + offsets[channel]]) * scale[channel] + shift[channel]
                }
            }
        }
        return tensor
    }
}

/// Hand landmarks in the landmark model's input convention (signport.core.preprocessing):
/// 21 points in MediaPipe order, x and y normalized to the image with the origin top-left, and every
/// hand turned into the one chirality the model was trained on (left hands mirrored x -> 1 - x).
public enum LandmarkConvention {
    public static let pointCount = 21
    public static let featureCount = 63

    /// MediaPipe landmark names by index (the order the model reads).
    public static let mediaPipeOrder = [
        "WRIST",
        "THUMB_CMC", "THUMB_MCP", "THUMB_IP", "THUMB_TIP",
        "INDEX_FINGER_MCP", "INDEX_FINGER_PIP", "INDEX_FINGER_DIP", "INDEX_FINGER_TIP",
        "MIDDLE_FINGER_MCP", "MIDDLE_FINGER_PIP", "MIDDLE_FINGER_DIP", "MIDDLE_FINGER_TIP",
        "RING_FINGER_MCP", "RING_FINGER_PIP", "RING_FINGER_DIP", "RING_FINGER_TIP",
        "PINKY_MCP", "PINKY_PIP", "PINKY_DIP", "PINKY_TIP",
    ]

    /// The chirality a hand shows in the image it was detected on (not the signer's physical hand).
    public enum ApparentChirality: String {
        case left
        case right
    }

    /// Vision points (normalized, origin bottom-left, MediaPipe order) -> (63,) model input.
    ///
    /// MediaPipe labels handedness assuming a mirrored (selfie) image, so its "Left" is a hand that
    /// *appears* right-handed in the image, and the caller's mirroring of "Left" hands leaves every hand
    /// appearing left-handed. Vision reports the chirality as it appears, so the equivalent rule is to
    /// mirror hands that appear right-handed. Vision has no depth: z is 0 (see README, "Hand detection").
    public static func modelInput(visionPoints: [(x: Float, y: Float)], chirality: ApparentChirality) -> [Float] {
        precondition(visionPoints.count == pointCount, "need \(pointCount) points, got \(visionPoints.count)")
        var features = [Float](repeating: 0, count: featureCount)
        for (index, point) in visionPoints.enumerated() {
            features[index * 3] = chirality == .right ? 1 - point.x : point.x
            features[index * 3 + 1] = 1 - point.y
            features[index * 3 + 2] = 0
        }
        return features
    }
}
