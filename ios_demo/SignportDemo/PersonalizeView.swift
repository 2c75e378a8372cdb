import SignportKit
import SwiftUI

/// Records the user's own signs (backbone embeddings, a few seconds per label), trains a new head on
/// device and drops it into Documents, where the head watcher installs it like any other head.
@MainActor
final class PersonalizationSession: ObservableObject {
    static let recordingSeconds = 5.0
    static let countdownSeconds = 3

    @Published private(set) var samples: [String: [[Float]]] = [:]
    @Published private(set) var recordingLabel: String?
    @Published private(set) var countdown: Int?
    @Published private(set) var status: String?
    @Published private(set) var training = false

    private let model: RecognizerModel

    init(model: RecognizerModel) {
        self.model = model
    }

    var labels: [String] { model.currentHead?.labels ?? [] }
    var recordedLabels: [String] { labels.filter { !(samples[$0] ?? []).isEmpty } }

    func record(_ label: String) async {
        guard recordingLabel == nil, countdown == nil else { return }
        for remaining in stride(from: Self.countdownSeconds, to: 0, by: -1) {
            countdown = remaining
            try? await Task.sleep(nanoseconds: 1_000_000_000)
        }
        countdown = nil
        recordingLabel = label
        var recorded: [[Float]] = []
        let lock = NSLock()
        model.setEmbeddingTap { embedding in
            lock.lock()
            recorded.append(embedding)
            lock.unlock()
        }
        try? await Task.sleep(nanoseconds: UInt64(Self.recordingSeconds * 1_000_000_000))
        model.setEmbeddingTap(nil)
        // The tap is removed on the frame queue; wait one frame so no embedding is still being appended.
        try? await Task.sleep(nanoseconds: 100_000_000)
        lock.lock()
        samples[label, default: []] += recorded
        lock.unlock()
        recordingLabel = nil
        status = "\(label): \(samples[label]?.count ?? 0) frames"
    }

    /// Fine-tune from the current head on all recordings (labels without recordings keep their rows
    /// but get no new examples) and write personal-<date>.json/.bin to Documents.
    func trainAndInstall() async {
        guard let head = model.currentHead, let manifest = model.manifest, !recordedLabels.isEmpty else { return }
        training = true
        defer { training = false }
        var embeddings: [[Float]] = []
        var targets: [Int] = []
        for (index, label) in head.labels.enumerated() {
            for embedding in samples[label] ?? [] {
                embeddings.append(embedding)
                targets.append(index)
            }
        }
        let trainingSet = (embeddings, targets)
        let result = await Task.detached(priority: .userInitiated) {
            HeadTrainer().train(embeddings: trainingSet.0, targets: trainingSet.1, numClasses: head.numClasses, initial: head)
        }.value

        let created = ISO8601DateFormatter().string(from: Date())
        let name = "personal-" + created.replacingOccurrences(of: ":", with: "")
        let trainer = HeadTrainer.Config()
        let newManifest = HeadManifest(
            labels: head.labels, embeddingSize: manifest.embeddingSize, backboneFingerprint: manifest.backboneFingerprint,
            modelFamily: manifest.modelFamily, created: created,
            metrics: ["train_accuracy": .number(result.trainAccuracy), "train_loss": .number(result.finalLoss)],
            source: [
                "kind": .string("on_device_finetune"), "initial_head": .string(head.sourceName), "optimizer": .string("adamw"),
                "epochs": .number(Double(trainer.epochs)), "learning_rate": .number(Double(trainer.learningRate)),
                "samples": .number(Double(embeddings.count)), "labels_recorded": .array(recordedLabels.map(JSONValue.string)),
            ]
        )
        do {
            let newHead = LinearHead(manifest: newManifest, weight: result.weight, bias: result.bias, sourceName: name)
            _ = try HeadTrainer.writeHead(newHead, to: LaunchOptions.documents, name: name)
            model.reloadDroppedHead()
            status = String(format: "Installed %@ (train accuracy %.0f %%)", name, result.trainAccuracy * 100)
        } catch {
            status = "Could not write the head: \(error.localizedDescription)"
        }
    }
}

struct PersonalizeView: View {
    @StateObject private var session: PersonalizationSession
    @Environment(\.dismiss) private var dismiss

    init(model: RecognizerModel) {
        _session = StateObject(wrappedValue: PersonalizationSession(model: model))
    }

    var body: some View {
        NavigationStack {
            List {
                Section {
                    Text("Hold each sign in front of the camera for \(Int(PersonalizationSession.recordingSeconds)) s after the countdown. Record the letters the recognizer gets wrong, then train.")
                        .font(.footnote)
                    if let countdown = session.countdown { Text("Get ready… \(countdown)").font(.headline) }
                    if let label = session.recordingLabel { Text("Recording \(label)…").font(.headline).foregroundStyle(.red) }
                    if let status = session.status { Text(status).font(.footnote) }
                }
                Section("Labels") {
                    ForEach(session.labels, id: \.self) { label in
                        HStack {
                            Text(label).font(.body.monospaced())
                            Spacer()
                            Text("\(session.samples[label]?.count ?? 0)").foregroundStyle(.secondary)
                            Button("Record") { Task { await session.record(label) } }
                                .disabled(session.recordingLabel != nil || session.countdown != nil || session.training)
                        }
                    }
                }
            }
            .navigationTitle("Personalise")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("Done") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button(session.training ? "Training…" : "Train head") { Task { await session.trainAndInstall() } }
                        .disabled(session.recordedLabels.isEmpty || session.training || session.recordingLabel != nil)
                }
            }
        }
    }
}
