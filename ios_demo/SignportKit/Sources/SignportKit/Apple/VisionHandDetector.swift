#if canImport(Vision)
import CoreGraphics
import CoreVideo
import Foundation
import ImageIO
import Vision

/// One detected hand: the landmark model's (63,) input plus what the overlay draws.
public struct DetectedHand {
    public let modelInput: [Float]
    public let chirality: LandmarkConvention.ApparentChirality
    /// Normalized image points (origin top-left) in MediaPipe order, for drawing.
    public let imagePoints: [CGPoint]
}

/// Apple Vision hand pose (21 joints) mapped onto MediaPipe's landmark topology.
public final class VisionHandDetector {
    /// Vision joint for each MediaPipe landmark index (LandmarkConvention.mediaPipeOrder), one to one.
    public static let jointsInMediaPipeOrder: [VNHumanHandPoseObservation.JointName] = [
        .wrist,
        .thumbCMC, .thumbMP, .thumbIP, .thumbTip,
        .indexMCP, .indexPIP, .indexDIP, .indexTip,
        .middleMCP, .middlePIP, .middleDIP, .middleTip,
        .ringMCP, .ringPIP, .ringDIP, .ringTip,
        .littleMCP, .littlePIP, .littleDIP, .littleTip,
    ]

    /// Joints below this confidence make the frame count as "no hand" rather than feed a guess to the model.
    public var minimumJointConfidence: Float = 0.3
    private let request: VNDetectHumanHandPoseRequest

    public init() {
        request = VNDetectHumanHandPoseRequest()
        request.maximumHandCount = 1
    }

    /// Detect the most confident hand in an upright frame; nil when there is none.
    public func detect(in pixelBuffer: CVPixelBuffer, orientation: CGImagePropertyOrientation = .up) throws -> DetectedHand? {
        let handler = VNImageRequestHandler(cvPixelBuffer: pixelBuffer, orientation: orientation)
        try handler.perform([request])
        guard let observation = request.results?.max(by: { $0.confidence < $1.confidence }) else { return nil }
        let joints = try observation.recognizedPoints(.all)
        var points: [(x: Float, y: Float)] = []
        points.reserveCapacity(LandmarkConvention.pointCount)
        for joint in Self.jointsInMediaPipeOrder {
            guard let point = joints[joint], point.confidence >= minimumJointConfidence else { return nil }
            points.append((Float(point.location.x), Float(point.location.y)))
        }
        // .unknown is rare and mostly a right hand (most signers fingerspell right-handed; unmirrored frames).
        let chirality: LandmarkConvention.ApparentChirality = observation.chirality == .left ? .left : .right
        return DetectedHand(
            modelInput: LandmarkConvention.modelInput(visionPoints: points, chirality: chirality),
            chirality: chirality,
            imagePoints: points.map { CGPoint(x: CGFloat($0.x), y: CGFloat(1 - $0.y)) }
        )
    }
}
#endif
