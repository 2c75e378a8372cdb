import AVFoundation
import SignportKit
import UIKit

/// AVFoundation capture at 30 fps delivering upright, unmirrored 32BGRA frames on one serial queue.
/// Late frames are dropped (alwaysDiscardsLateVideoFrames), so a slow model lowers the frame rate
/// instead of building latency.
final class CameraController: NSObject, AVCaptureVideoDataOutputSampleBufferDelegate {
    static let targetFrameRate: Int32 = 30

    let session = AVCaptureSession()
    /// Frames arrive here, and everything that touches the recognition engine runs here too.
    let frameQueue = DispatchQueue(label: "dev.signport.demo.frames", qos: .userInitiated)
    private let sessionQueue = DispatchQueue(label: "dev.signport.demo.session")
    private let output = AVCaptureVideoDataOutput()
    var onFrame: ((CVPixelBuffer, Double) -> Void)?

    static func requestAccess() async -> Bool {
        switch AVCaptureDevice.authorizationStatus(for: .video) {
        case .authorized: return true
        case .notDetermined: return await AVCaptureDevice.requestAccess(for: .video)
        default: return false
        }
    }

    func configure(position: AVCaptureDevice.Position = .front) throws {
        guard let device = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: position) else {
            throw SignportError.runtime("no \(position == .front ? "front" : "back") camera on this device")
        }
        session.beginConfiguration()
        defer { session.commitConfiguration() }
        session.sessionPreset = .vga640x480  // plenty for a 224 px model and for Vision hand pose
        let input = try AVCaptureDeviceInput(device: device)
        guard session.canAddInput(input) else { throw SignportError.runtime("cannot use the camera input") }
        session.addInput(input)

        output.videoSettings = [kCVPixelBufferPixelFormatTypeKey as String: kCVPixelFormatType_32BGRA]
        output.alwaysDiscardsLateVideoFrames = true
        output.setSampleBufferDelegate(self, queue: frameQueue)
        guard session.canAddOutput(output) else { throw SignportError.runtime("cannot add the video output") }
        session.addOutput(output)

        if let connection = output.connection(with: .video) {
            if #available(iOS 17.0, *) {
                if connection.isVideoRotationAngleSupported(90) { connection.videoRotationAngle = 90 }
            } else if connection.isVideoOrientationSupported {
                connection.videoOrientation = .portrait
            }
            // Unmirrored on purpose: Vision's chirality then describes the image the model's landmarks come from.
            if connection.isVideoMirroringSupported {
                connection.automaticallyAdjustsVideoMirroring = false
                connection.isVideoMirrored = false
            }
        }
        try lockFrameRate(device)
    }

    private func lockFrameRate(_ device: AVCaptureDevice) throws {
        let rate = Double(Self.targetFrameRate)
        guard device.activeFormat.videoSupportedFrameRateRanges.contains(where: { $0.minFrameRate <= rate && rate <= $0.maxFrameRate }) else {
            return  // keep the format's default rate rather than fail on an unusual camera
        }
        try device.lockForConfiguration()
        let duration = CMTime(value: 1, timescale: Self.targetFrameRate)
        device.activeVideoMinFrameDuration = duration
        device.activeVideoMaxFrameDuration = duration
        device.unlockForConfiguration()
    }

    func start() { sessionQueue.async { [session] in if !session.isRunning { session.startRunning() } } }
    func stop() { sessionQueue.async { [session] in if session.isRunning { session.stopRunning() } } }

    func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer, from connection: AVCaptureConnection) {
        guard let pixelBuffer = CMSampleBufferGetImageBuffer(sampleBuffer) else { return }
        onFrame?(pixelBuffer, CMSampleBufferGetPresentationTimeStamp(sampleBuffer).seconds)
    }
}
