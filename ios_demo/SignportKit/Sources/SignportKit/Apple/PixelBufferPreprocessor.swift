#if canImport(Accelerate) && canImport(CoreVideo)
import Accelerate
import CoreVideo
import Foundation

/// Camera frame (32BGRA CVPixelBuffer, upright) -> the backbone's NCHW tensor: centre square crop,
/// vImage resize to the manifest's input_size, then (x/255 - mean)/std with the manifest's constants.
public final class PixelBufferPreprocessor {
    public let preprocessing: Preprocessing
    private var resized: vImage_Buffer

    public init(preprocessing: Preprocessing) throws {
        guard preprocessing.inputKind != .landmarks, preprocessing.height > 0, preprocessing.width > 0 else {
            throw SignportError.invalidBundle("preprocessing.input_size \(preprocessing.inputSize) is not an image size")
        }
        self.preprocessing = preprocessing
        resized = try vImage_Buffer(width: preprocessing.width, height: preprocessing.height, bitsPerPixel: 32)
    }

    deinit { resized.free() }

    public func tensor(from pixelBuffer: CVPixelBuffer) throws -> [Float] {
        guard CVPixelBufferGetPixelFormatType(pixelBuffer) == kCVPixelFormatType_32BGRA else {
            throw SignportError.runtime("camera frames must be 32BGRA")
        }
        CVPixelBufferLockBaseAddress(pixelBuffer, .readOnly)
        defer { CVPixelBufferUnlockBaseAddress(pixelBuffer, .readOnly) }
        guard let base = CVPixelBufferGetBaseAddress(pixelBuffer) else { throw SignportError.runtime("camera frame has no pixels") }

        let width = CVPixelBufferGetWidth(pixelBuffer)
        let height = CVPixelBufferGetHeight(pixelBuffer)
        let rowBytes = CVPixelBufferGetBytesPerRow(pixelBuffer)
        // Same aspect as the model input, centred: the training images were square crops of the hand.
        let targetAspect = Double(preprocessing.width) / Double(preprocessing.height)
        let cropWidth = min(width, Int(Double(height) * targetAspect))
        let cropHeight = min(height, Int(Double(cropWidth) / targetAspect))
        let originX = (width - cropWidth) / 2
        let originY = (height - cropHeight) / 2
        var source = vImage_Buffer(
            data: base.advanced(by: originY * rowBytes + originX * 4),
            height: vImagePixelCount(cropHeight), width: vImagePixelCount(cropWidth), rowBytes: rowBytes
        )
        let error = vImageScale_ARGB8888(&source, &resized, nil, vImage_Flags(kvImageHighQualityResampling))
        guard error == kvImageNoError else { throw SignportError.runtime("vImage resize failed (\(error))") }

        let pixels = UnsafeRawBufferPointer(start: resized.data, count: resized.rowBytes * Int(resized.height))
        return ImageNormalizer.nchw(
            pixels: pixels, width: preprocessing.width, height: preprocessing.height, bytesPerRow: resized.rowBytes,
            channels: .bgra, preprocessing: preprocessing
        )
    }
}
#endif
