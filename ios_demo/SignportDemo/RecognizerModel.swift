import CoreML
import CoreVideo
import Foundation
import SignportKit

/// The screen's state: loads the bundle, runs the camera through the engine, and swaps heads
/// dropped into Documents without a rebuild.
@MainActor
final class RecognizerModel: ObservableObject {
    enum Phase: Equatable {
        case loading
        case running
        case failed(String)
    }

    @Published private(set) var phase = Phase.loading
    @Published private(set) var bundleName = ""
    @Published private(set) var headName = ""
    @Published private(set) var labels: [String] = []
    /// A refused head, shown until a valid one arrives.
    @Published private(set) var headMessage: String?
    @Published private(set) var frame: FrameResult?
    @Published private(set) var framesPerSecond: Double = 0
    /// The backbone backend (UI picker); changing it reloads the engine with that backend's artifact.
    @Published var backend = BackboneBackend.coreml {
        didSet { if backend != oldValue { Task { await reload() } } }
    }
    @Published private(set) var backboneDescription = ""
    @Published var settings = RecognitionEngine.Settings() {
        didSet { let settings = settings; onFrameQueue { $0.apply(settings) } }
    }

    let camera = CameraController()
    private let launch: LaunchOptions
    private var engine: RecognitionEngine?
    private var bundle: SignBundle?
    private var watcher: HeadWatcher?
    private var installedCandidate: HeadDropFolder.Candidate?
    /// The head the engine runs, mirrored on the main actor (the engine itself lives on the frame queue).
    private(set) var currentHead: LinearHead?
    private var lastFrameTime: Double?

    init(launch: LaunchOptions) {
        self.launch = launch
    }

    var inputKind: Preprocessing.InputKind? { bundle?.manifest.preprocessing.inputKind }

    func start() async {
        if engine != nil {
            camera.start()
            return
        }
        do {
            let bundle = try SignBundle(directory: try launch.bundleDirectory())
            let backbone = try await BackboneLoader.first(backend, bundle: bundle)
            backboneDescription = "\(backend.title): \(backbone.artifact.id)"
            let engine = try RecognitionEngine(bundle: bundle, backbone: backbone, head: try bundle.shippedHead(), settings: settings)
            self.bundle = bundle
            self.engine = engine
            bundleName = bundle.manifest.name
            currentHead = engine.head
            headName = engine.head.sourceName
            labels = engine.head.labels
            reloadDroppedHead()
            watchDocuments()
            try await startCamera(engine)
            phase = .running
        } catch {
            phase = .failed((error as? SignportError)?.message ?? error.localizedDescription)
        }
    }

    func stop() { camera.stop() }

    /// Rebuild the engine on the chosen backend (the head and settings carry over).
    func reload() async {
        camera.stop()
        engine = nil
        phase = .loading
        await start()
    }

    func clearTranscript() { onFrameQueue { $0.clearTranscript() } }

    /// Route embeddings to a personalisation recorder (nil stops recording).
    func setEmbeddingTap(_ tap: (([Float]) -> Void)?) { onFrameQueue { $0.embeddingTap = tap } }

    var manifest: BundleManifest? { bundle?.manifest }

    /// Check Documents for a newer head; install it if it fits this backbone, else say why not.
    func reloadDroppedHead() {
        guard let bundle, let candidate = HeadDropFolder.newestCandidate(in: LaunchOptions.documents), candidate != installedCandidate else { return }
        installedCandidate = candidate
        do {
            let head = try bundle.loadHead(json: candidate.json, bin: candidate.bin)
            onFrameQueue { $0.install(head) }
            currentHead = head
            headName = head.sourceName
            labels = head.labels
            headMessage = nil
        } catch {
            headMessage = "Head not installed: " + ((error as? SignportError)?.message ?? error.localizedDescription)
        }
    }

    private func watchDocuments() {
        let watcher = HeadWatcher(folder: LaunchOptions.documents) { [weak self] in self?.reloadDroppedHead() }
        watcher.start()
        self.watcher = watcher
    }

    private func startCamera(_ engine: RecognitionEngine) async throws {
        guard await CameraController.requestAccess() else {
            throw SignportError.runtime("camera access denied: allow it in Settings > Privacy > Camera")
        }
        try camera.configure()
        camera.onFrame = Self.frameHandler(engine: engine, model: self)
        camera.start()
    }

    /// Built outside the main actor: the handler runs on the camera's frame queue, where the engine lives.
    nonisolated private static func frameHandler(engine: RecognitionEngine, model: RecognizerModel) -> (CVPixelBuffer, Double) -> Void {
        { [weak model] pixelBuffer, timestamp in
            do {
                guard let result = try engine.process(pixelBuffer, timestamp: timestamp) else { return }
                Task { @MainActor in model?.publish(result, timestamp: timestamp) }
            } catch {
                let message = (error as? SignportError)?.message ?? error.localizedDescription
                Task { @MainActor in model?.phase = .failed(message) }
            }
        }
    }

    private func publish(_ result: FrameResult, timestamp: Double) {
        if let last = lastFrameTime, timestamp > last {
            let instantaneous = 1 / (timestamp - last)
            // Exponential moving average over roughly the last second at 30 fps.
            framesPerSecond = framesPerSecond == 0 ? instantaneous : framesPerSecond * 0.9 + instantaneous * 0.1
        }
        lastFrameTime = timestamp
        frame = result
    }

    private func onFrameQueue(_ work: @escaping (RecognitionEngine) -> Void) {
        guard let engine else { return }
        camera.frameQueue.async { work(engine) }
    }
}
