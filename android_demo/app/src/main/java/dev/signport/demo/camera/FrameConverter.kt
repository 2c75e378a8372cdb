package dev.signport.demo.camera

import android.graphics.Bitmap
import android.graphics.Matrix
import androidx.camera.core.ImageProxy
import dev.signport.demo.bundle.Preprocessing
import dev.signport.demo.core.ImageNormalizer

/** CameraX frames -> upright bitmaps -> the backbone's NCHW tensor, using the manifest's constants. */
object FrameConverter {
    /** RGBA_8888 ImageProxy -> upright ARGB bitmap (unmirrored; see README "Handedness"). */
    fun uprightBitmap(image: ImageProxy): Bitmap {
        val bitmap = image.toBitmap()
        val rotation = image.imageInfo.rotationDegrees
        if (rotation == 0) return bitmap
        val matrix = Matrix().apply { postRotate(rotation.toFloat()) }
        return Bitmap.createBitmap(bitmap, 0, 0, bitmap.width, bitmap.height, matrix, true)
    }

    /** Centre crop to the model's aspect ratio, resize to input_size, (x/255 - mean)/std, NCHW. */
    fun tensor(frame: Bitmap, preprocessing: Preprocessing): FloatArray {
        val width = preprocessing.width
        val height = preprocessing.height
        val cropWidth = Math.min(frame.width, frame.height * width / height)
        val cropHeight = Math.min(frame.height, cropWidth * height / width)
        val cropped = Bitmap.createBitmap(frame, (frame.width - cropWidth) / 2, (frame.height - cropHeight) / 2, cropWidth, cropHeight)
        val scaled = Bitmap.createScaledBitmap(cropped, width, height, true)
        val pixels = IntArray(width * height)
        scaled.getPixels(pixels, 0, width, 0, 0, width, height)
        return ImageNormalizer.nchw(pixels, width, height, preprocessing.mean, preprocessing.std)
    }
}
