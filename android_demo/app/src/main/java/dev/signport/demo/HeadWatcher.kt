package dev.signport.demo

import android.os.FileObserver
import android.os.Handler
import android.os.Looper
import java.io.File

/**
 * Calls `onChange` on the main thread when heads are pushed into `folder` (adb push NAME.json NAME.bin).
 * FileObserver reacts at once where the storage delivers inotify events; external storage behind FUSE
 * does not always, so the folder is also re-checked every POLL_MS while watching, and on every resume.
 * Events are debounced: a .json and a .bin pushed together arrive as several writes.
 */
class HeadWatcher(private val folder: File, private val onChange: () -> Unit) {
    private val handler = Handler(Looper.getMainLooper())
    private val notify = Runnable { onChange() }
    private val poll = object : Runnable {
        override fun run() {
            onChange()
            handler.postDelayed(this, POLL_MS)
        }
    }
    private val observer = object : FileObserver(folder, FileObserver.CLOSE_WRITE or FileObserver.MOVED_TO or FileObserver.DELETE or FileObserver.CREATE) {
        override fun onEvent(event: Int, path: String?) {
            handler.removeCallbacks(notify)
            handler.postDelayed(notify, DEBOUNCE_MS)
        }
    }

    private var watching = false

    fun start() {
        if (watching) return
        watching = true
        folder.mkdirs()
        observer.startWatching()
        handler.post(poll)
    }

    fun stop() {
        if (!watching) return
        watching = false
        observer.stopWatching()
        handler.removeCallbacks(notify)
        handler.removeCallbacks(poll)
    }

    companion object {
        const val DEBOUNCE_MS = 500L
        const val POLL_MS = 2000L
    }
}
