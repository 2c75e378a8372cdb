package dev.signport.demo

import android.Manifest
import android.content.pm.PackageManager
import android.hardware.camera2.CaptureRequest
import android.os.Bundle
import android.os.SystemClock
import android.util.Log
import android.util.Range
import android.util.Size
import android.view.View
import android.widget.SeekBar
import androidx.activity.result.contract.ActivityResultContracts
import androidx.annotation.OptIn
import androidx.appcompat.app.AppCompatActivity
import androidx.camera.camera2.interop.Camera2Interop
import androidx.camera.camera2.interop.ExperimentalCamera2Interop
import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import androidx.camera.core.Preview
import androidx.camera.core.resolutionselector.ResolutionSelector
import androidx.camera.core.resolutionselector.ResolutionStrategy
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.core.content.ContextCompat
import dev.signport.demo.bundle.Artifact
import dev.signport.demo.bundle.HeadDropFolder
import dev.signport.demo.bundle.Preprocessing
import dev.signport.demo.bundle.SignBundle
import dev.signport.demo.camera.FrameConverter
import dev.signport.demo.core.InvalidBundleException
import dev.signport.demo.core.SignportException
import dev.signport.demo.databinding.ActivityMainBinding
import dev.signport.demo.landmarks.HandLandmarkSource
import dev.signport.demo.landmarks.LandmarkFrame
import dev.signport.demo.runtime.ExecuTorchBackbone
import java.io.File
import java.util.Locale
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.RejectedExecutionException

/**
 * Live recognition: CameraX (30 fps, keep-only-latest) -> MediaPipe hand landmarks or image
 * preprocessing -> ExecuTorch backbone -> hot-swappable head -> majority vote -> transcript.
 */
class MainActivity : AppCompatActivity() {
    private lateinit var binding: ActivityMainBinding
    /** The engine, the backbone and every frame live on this one thread. */
    private val inference: ExecutorService = Executors.newSingleThreadExecutor()
    private var engine: RecognitionEngine? = null
    private var bundle: SignBundle? = null
    private var backbone: ExecuTorchBackbone? = null
    private var landmarks: HandLandmarkSource? = null
    private var watcher: HeadWatcher? = null
    private var installedCandidate: HeadDropFolder.Candidate? = null
    private var settings = RecognitionEngine.Settings()
    /** MediaPipe result timestamp -> frame arrival (nanoTime), for end-to-end latency. */
    private val frameStarts = ConcurrentHashMap<Long, Long>()
    private var lastLandmarkTimestampMs = 0L
    private var lastFrameNanos = 0L
    private var framesPerSecond = 0.0

    private val requestCamera = registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) startCamera() else showError("Camera permission denied: allow it in Settings > Apps > signport")
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        binding = ActivityMainBinding.inflate(layoutInflater)
        setContentView(binding.root)
        binding.clearButton.setOnClickListener { onInference { engine?.clearTranscript() } }
        binding.reloadHeadButton.setOnClickListener { reloadDroppedHead() }
        binding.thresholdSeek.setOnSeekBarChangeListener(seekListener { progress -> settings = settings.copy(threshold = progress / 100f) })
        binding.windowSeek.setOnSeekBarChangeListener(seekListener { progress -> settings = settings.copy(window = Math.max(1, progress)) })
        binding.thresholdSeek.progress = (settings.threshold * 100).toInt()
        binding.windowSeek.progress = settings.window
        showSettings()
        onInference { loadBundle() }
    }

    override fun onResume() {
        super.onResume()
        watcher?.start()
        reloadDroppedHead()
    }

    override fun onPause() {
        watcher?.stop()
        super.onPause()
    }

    override fun onDestroy() {
        onInference {
            landmarks?.close()
            backbone?.close()
        }
        inference.shutdown()
        super.onDestroy()
    }

    /** On the inference thread: bundle, backbone, shipped head, then the camera. */
    private fun loadBundle() {
        try {
            val bundleDir = DemoPaths.findBundle(this, null)
            val bundle = SignBundle.load(bundleDir)
            val artifact = bundle.backbones(Artifact.FORMAT_EXECUTORCH).firstOrNull()
                ?: throw InvalidBundleException("${bundle.manifest.name} has no ExecuTorch backbone; export with `--formats executorch`")
            val backbone = ExecuTorchBackbone(artifact, bundle, BenchContract.DEFAULT_THREADS)
            val engine = RecognitionEngine(bundle, backbone, bundle.shippedHead(), settings)
            if (bundle.manifest.preprocessing.inputKind == Preprocessing.INPUT_KIND_LANDMARKS) {
                landmarks = HandLandmarkSource(this, File(bundleDir, HandLandmarkSource.ASSET_NAME), ::onLandmarks) { message ->
                    runOnUiThread { showError(message) }
                }
            }
            this.bundle = bundle
            this.backbone = backbone
            this.engine = engine
            runOnUiThread {
                binding.headName.text = getString(R.string.bundle_and_head, bundle.manifest.name, engine.head.sourceName)
                watcher = HeadWatcher(DemoPaths.headsDir(this)) { reloadDroppedHead() }.also { it.start() }
                reloadDroppedHead()
                if (ContextCompat.checkSelfPermission(this, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED) {
                    startCamera()
                } else {
                    requestCamera.launch(Manifest.permission.CAMERA)
                }
            }
        } catch (error: Exception) {
            Log.e(TAG, "bundle load failed", error)
            runOnUiThread { showError(error.message ?: error.toString()) }
        }
    }

    @OptIn(ExperimentalCamera2Interop::class)
    private fun startCamera() {
        val providerFuture = ProcessCameraProvider.getInstance(this)
        providerFuture.addListener({
            val provider = providerFuture.get()
            val preview = Preview.Builder().build().also { it.setSurfaceProvider(binding.previewView.surfaceProvider) }
            val analysisBuilder = ImageAnalysis.Builder()
                .setResolutionSelector(
                    ResolutionSelector.Builder()
                        .setResolutionStrategy(ResolutionStrategy(Size(640, 480), ResolutionStrategy.FALLBACK_RULE_CLOSEST_HIGHER_THEN_LOWER))
                        .build()
                )
                .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
                .setOutputImageFormat(ImageAnalysis.OUTPUT_IMAGE_FORMAT_RGBA_8888)
            // Ask the camera for a fixed 30 fps (auto-exposure may otherwise drop to 15 fps indoors).
            Camera2Interop.Extender(analysisBuilder).setCaptureRequestOption(CaptureRequest.CONTROL_AE_TARGET_FPS_RANGE, Range(TARGET_FPS, TARGET_FPS))
            val analysis = analysisBuilder.build().also { it.setAnalyzer(inference, ::analyze) }
            provider.unbindAll()
            provider.bindToLifecycle(this, CameraSelector.DEFAULT_FRONT_CAMERA, preview, analysis)
        }, ContextCompat.getMainExecutor(this))
    }

    /** On the inference thread, one camera frame at a time. */
    private fun analyze(image: ImageProxy) {
        val start = System.nanoTime()
        val engine = engine
        try {
            if (engine == null) return
            val timestampSeconds = image.imageInfo.timestamp / 1e9
            val preprocessing = engine.bundle.manifest.preprocessing
            val landmarks = landmarks
            if (landmarks != null) {
                // MediaPipe LIVE_STREAM needs strictly increasing timestamps.
                val timestampMs = Math.max(SystemClock.uptimeMillis(), lastLandmarkTimestampMs + 1)
                lastLandmarkTimestampMs = timestampMs
                frameStarts[timestampMs] = start
                landmarks.detectAsync(FrameConverter.uprightBitmap(image), timestampMs)
            } else if (engine.wantsFrame(timestampSeconds)) {
                val input = FrameConverter.tensor(FrameConverter.uprightBitmap(image), preprocessing)
                show(engine.process(input, start, timestampSeconds))
            }
        } catch (error: Exception) {
            Log.e(TAG, "frame failed", error)
            runOnUiThread { showError(error.message ?: error.toString()) }
        } finally {
            image.close()
        }
    }

    /** MediaPipe's thread -> the inference thread. */
    private fun onLandmarks(frame: LandmarkFrame) {
        val start = frameStarts.remove(frame.timestampMs) ?: System.nanoTime()
        frameStarts.keys.removeAll { it < frame.timestampMs }  // frames MediaPipe dropped
        onInference {
            val engine = engine ?: return@onInference
            show(engine.process(frame.features, start, frame.timestampMs / 1e3, frame.handedness))
        }
    }

    private fun show(result: FrameResult) {
        val now = System.nanoTime()
        if (lastFrameNanos != 0L) {
            val instantaneous = 1e9 / (now - lastFrameNanos)
            // Exponential moving average over roughly the last second at 30 fps.
            framesPerSecond = if (framesPerSecond == 0.0) instantaneous else framesPerSecond * 0.9 + instantaneous * 0.1
        }
        lastFrameNanos = now
        val fps = framesPerSecond
        runOnUiThread {
            binding.status.text = String.format(Locale.ROOT, "%.1f fps · %.1f ms", fps, result.latencyMs)
            val smoothed = result.smoothed
            binding.prediction.text = smoothed?.label ?: "–"
            binding.confidence.text = when {
                smoothed != null -> String.format(Locale.ROOT, "%.0f %%", smoothed.confidence * 100)
                result.rawLabel != null -> String.format(Locale.ROOT, "frame: %s %.0f %%", result.rawLabel, result.rawProbability * 100)
                landmarks != null -> getString(R.string.show_one_hand)
                else -> "…"
            }
            binding.handedness.text = result.handedness ?: ""
            binding.transcript.text = if (result.transcript.isEmpty()) getString(R.string.transcript_hint) else result.transcript
        }
    }

    /** Install the newest NAME.json + NAME.bin in the heads folder if it fits this backbone, else say why not. */
    private fun reloadDroppedHead() {
        val bundle = bundle ?: return
        val candidate = HeadDropFolder.newestCandidate(DemoPaths.headsDir(this)) ?: return
        if (candidate == installedCandidate) return
        installedCandidate = candidate
        try {
            val head = bundle.loadHead(candidate.json, candidate.bin)
            onInference { engine?.install(head) }
            binding.headName.text = getString(R.string.bundle_and_head, bundle.manifest.name, head.sourceName)
            binding.banner.visibility = View.GONE
        } catch (error: SignportException) {
            showError(getString(R.string.head_not_installed, error.message))
        }
    }

    private fun showError(message: String) {
        binding.banner.text = message
        binding.banner.visibility = View.VISIBLE
    }

    private fun showSettings() {
        binding.settingsLabel.text = String.format(Locale.ROOT, "threshold %.2f · vote over %d frames", settings.threshold, settings.window)
        val current = settings
        onInference { engine?.apply(current) }
    }

    /** Run on the inference thread; dropped once the activity is being destroyed (late MediaPipe results). */
    private fun onInference(work: () -> Unit) {
        try {
            inference.execute { work() }
        } catch (ignored: RejectedExecutionException) {
        }
    }

    private fun seekListener(onChange: (Int) -> Unit) = object : SeekBar.OnSeekBarChangeListener {
        override fun onProgressChanged(seekBar: SeekBar, progress: Int, fromUser: Boolean) {
            if (!fromUser) return
            onChange(progress)
            showSettings()
        }

        override fun onStartTrackingTouch(seekBar: SeekBar) {}

        override fun onStopTrackingTouch(seekBar: SeekBar) {}
    }

    companion object {
        private const val TAG = "SignportDemo"
        private const val TARGET_FPS = 30
    }
}
