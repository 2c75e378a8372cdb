package dev.signport.demo

import android.content.Context
import dev.signport.demo.bundle.SignBundle
import dev.signport.demo.core.InvalidBundleException
import java.io.File

/** Where bundles, heads and benchmark results live on the device (see BenchContract for the adb paths). */
object DemoPaths {
    /** The app's external files dir = BenchContract.DEVICE_FILES_DIR; adb can push and pull there. */
    fun filesDir(context: Context): File =
        context.getExternalFilesDir(null) ?: throw InvalidBundleException("external storage is not available")

    fun bundlesDir(context: Context): File = File(filesDir(context), "bundles").also { it.mkdirs() }

    fun headsDir(context: Context): File = File(filesDir(context), "heads").also { it.mkdirs() }

    /** `requested` (absolute, or relative to the bundles folder), else the first bundle in the bundles folder. */
    fun findBundle(context: Context, requested: String?): File {
        val bundles = bundlesDir(context)
        if (!requested.isNullOrEmpty()) {
            val folder = if (requested.startsWith("/")) File(requested) else File(bundles, requested)
            if (!File(folder, SignBundle.MANIFEST_FILE).isFile) {
                throw InvalidBundleException("${folder.path}/${SignBundle.MANIFEST_FILE} not found; adb push the `signport export --out` folder there")
            }
            return folder
        }
        return bundles.listFiles()?.sortedBy { it.name }?.firstOrNull { File(it, SignBundle.MANIFEST_FILE).isFile }
            ?: throw InvalidBundleException(
                "no bundle in ${bundles.path}: adb push a `signport export --out` folder to ${BenchContract.BUNDLES_DIR}/NAME"
            )
    }

    /** Relative result paths resolve against the app's external files dir. */
    fun resultFile(context: Context, requested: String?): File {
        val path = if (requested.isNullOrEmpty()) BenchContract.DEFAULT_OUT else requested
        return if (path.startsWith("/")) File(path) else File(filesDir(context), path)
    }
}
