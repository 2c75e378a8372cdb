import SignportKit
import SwiftUI

struct ContentView: View {
    @StateObject var model: RecognizerModel
    @State private var showingPersonalisation = false

    var body: some View {
        ZStack {
            CameraPreview(session: model.camera.session).ignoresSafeArea()
            VStack(spacing: 12) {
                statusBar
                if let message = model.headMessage { banner(message, color: .red) }
                if case .failed(let message) = model.phase { banner(message, color: .red) }
                if case .loading = model.phase { ProgressView("Loading bundle…").tint(.white).foregroundStyle(.white) }
                HStack {
                    Spacer()
                    if let points = model.frame?.modelLandmarks { ModelInputView(points: points, chirality: model.frame?.chirality) }
                }
                Spacer()
                predictionCard
                transcriptCard
                controls
            }
            .padding()
        }
        .task { await model.start() }
        .onDisappear { model.stop() }
        .sheet(isPresented: $showingPersonalisation) { PersonalizeView(model: model) }
    }

    private var statusBar: some View {
        HStack {
            Text(String(format: "%.1f fps", model.framesPerSecond))
            Text(String(format: "%.1f ms", model.frame?.latencyMs ?? 0))
            Spacer()
            Text("\(model.bundleName) · head \(model.headName)").lineLimit(1).truncationMode(.middle)
        }
        .font(.caption.monospacedDigit())
        .foregroundStyle(.white)
        .padding(8)
        .background(.black.opacity(0.5), in: RoundedRectangle(cornerRadius: 8))
    }

    private func banner(_ text: String, color: Color) -> some View {
        Text(text)
            .font(.footnote)
            .foregroundStyle(.white)
            .frame(maxWidth: .infinity, alignment: .leading)
            .padding(10)
            .background(color.opacity(0.85), in: RoundedRectangle(cornerRadius: 8))
    }

    private var predictionCard: some View {
        VStack(spacing: 4) {
            Text(model.frame?.smoothed?.label ?? "–").font(.system(size: 64, weight: .bold, design: .rounded))
            if let smoothed = model.frame?.smoothed {
                ProgressView(value: Double(smoothed.confidence)).tint(.green)
                Text(String(format: "%.0f %%", smoothed.confidence * 100)).font(.caption.monospacedDigit())
            } else if let raw = model.frame?.rawLabel {
                Text(String(format: "frame: %@ %.0f %%", raw, (model.frame?.rawProbability ?? 0) * 100)).font(.caption)
            } else {
                Text(model.inputKind == .landmarks ? "show one hand" : "…").font(.caption)
            }
        }
        .foregroundStyle(.white)
        .frame(maxWidth: .infinity)
        .padding()
        .background(.black.opacity(0.5), in: RoundedRectangle(cornerRadius: 12))
    }

    private var transcriptCard: some View {
        HStack(alignment: .top) {
            Text(model.frame?.transcript.isEmpty == false ? model.frame!.transcript : "Fingerspell to type…")
                .font(.title3.monospaced())
                .frame(maxWidth: .infinity, alignment: .leading)
            Button("Clear") { model.clearTranscript() }.buttonStyle(.bordered)
        }
        .foregroundStyle(.white)
        .padding()
        .background(.black.opacity(0.5), in: RoundedRectangle(cornerRadius: 12))
    }

    private var controls: some View {
        VStack(alignment: .leading, spacing: 6) {
            Picker("backbone", selection: $model.backend) {
                ForEach(BackboneBackend.allCases) { Text($0.title).tag($0) }
            }
            .pickerStyle(.segmented)
            Text(model.backboneDescription).font(.caption2.monospaced())
            HStack {
                Text(String(format: "threshold %.2f", model.settings.threshold)).font(.caption.monospacedDigit())
                Slider(value: Binding(get: { Double(model.settings.threshold) }, set: { model.settings.threshold = Float($0) }), in: 0.3...0.95)
            }
            HStack {
                Stepper("vote over \(model.settings.window) frames", value: $model.settings.window, in: 1...30).font(.caption)
                Button("Personalise") { showingPersonalisation = true }
                    .buttonStyle(.borderedProminent)
                    .disabled(model.phase != .running)
            }
        }
        .foregroundStyle(.white)
        .padding()
        .background(.black.opacity(0.5), in: RoundedRectangle(cornerRadius: 12))
    }
}

/// The landmark model's actual input (after the chirality mirroring), so a developer can see what it sees.
struct ModelInputView: View {
    let points: [CGPoint]
    let chirality: LandmarkConvention.ApparentChirality?
    private static let bones: [(Int, Int)] = [
        (0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11), (11, 12),
        (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (17, 18), (18, 19), (19, 20), (0, 17),
    ]

    var body: some View {
        VStack(spacing: 2) {
            Canvas { context, size in
                func place(_ point: CGPoint) -> CGPoint { CGPoint(x: point.x * size.width, y: point.y * size.height) }
                var path = Path()
                for (from, to) in Self.bones where from < points.count && to < points.count {
                    path.move(to: place(points[from]))
                    path.addLine(to: place(points[to]))
                }
                context.stroke(path, with: .color(.green), lineWidth: 2)
            }
            .frame(width: 110, height: 110)
            .background(.black.opacity(0.6), in: RoundedRectangle(cornerRadius: 8))
            Text("model input · seen \(chirality?.rawValue ?? "?")").font(.caption2).foregroundStyle(.white)
        }
    }
}
