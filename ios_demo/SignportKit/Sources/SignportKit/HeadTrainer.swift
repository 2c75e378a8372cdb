import Foundation

/// On-device personalisation: the backbone stays frozen, only the linear head is trained, by softmax
/// regression with AdamW on embeddings the backbone produced from the user's own recordings
/// (the same recipe as `signport finetune`, which found AdamW slightly ahead of Adam and RMSprop).
public struct HeadTrainer {
    public struct Config: Equatable {
        public var epochs = 30
        public var batchSize = 64
        public var learningRate: Float = 1e-2
        public var weightDecay: Float = 1e-4
        public var seed: UInt64 = 0

        public init() {}
    }

    public struct Result {
        public let weight: [Float]
        public let bias: [Float]
        public let trainAccuracy: Double
        public let finalLoss: Double
    }

    public let config: Config

    public init(config: Config = Config()) {
        self.config = config
    }

    /// embeddings: N rows of D values; targets: class index per row. Starts from `initial` when given
    /// (fine-tuning the shipped head), else from zeros.
    public func train(embeddings: [[Float]], targets: [Int], numClasses: Int, initial: LinearHead? = nil) -> Result {
        precondition(!embeddings.isEmpty && embeddings.count == targets.count, "need one target per embedding")
        let features = embeddings[0].count
        var weight = initial?.weight ?? [Float](repeating: 0, count: numClasses * features)
        var bias = initial?.bias ?? [Float](repeating: 0, count: numClasses)
        var optimizer = AdamW(parameterCount: weight.count + bias.count, config: config)
        var generator = SplitMix64(seed: config.seed)
        var order = Array(embeddings.indices)
        var lastLoss = 0.0

        for _ in 0..<config.epochs {
            order.shuffle(using: &generator)
            var epochLoss = 0.0
            for start in stride(from: 0, to: order.count, by: config.batchSize) {
                let batch = Array(order[start..<min(start + config.batchSize, order.count)])
                let inputs = batch.flatMap { embeddings[$0] }  // (B, D)
                let step = gradients(inputs: inputs, targets: batch.map { targets[$0] }, weight: weight, bias: bias,
                                     numClasses: numClasses, features: features)
                epochLoss += step.loss * Double(batch.count)
                optimizer.step(parameters: &weight, gradients: step.weight, offset: 0, decay: true)
                optimizer.step(parameters: &bias, gradients: step.bias, offset: weight.count, decay: false)
                optimizer.advance()
            }
            lastLoss = epochLoss / Double(order.count)
        }

        var correct = 0
        for (row, target) in zip(embeddings, targets) {
            let logits = LinearAlgebra.matrixVector(weight, rows: numClasses, columns: features, vector: row, adding: bias)
            if logits.indices.max(by: { logits[$0] < logits[$1] }) == target { correct += 1 }
        }
        return Result(weight: weight, bias: bias, trainAccuracy: Double(correct) / Double(embeddings.count), finalLoss: lastLoss)
    }

    /// Mean cross-entropy over the batch and its gradients: dW = (P - Y)ᵀ X / B, db = Σ (P - Y) / B.
    private func gradients(inputs: [Float], targets: [Int], weight: [Float], bias: [Float], numClasses: Int, features: Int)
        -> (loss: Double, weight: [Float], bias: [Float]) {
        let batch = targets.count
        // logits (B, C) = X (B, D) · Wᵀ (D, C)
        let transposed = LinearAlgebra.transpose(weight, rows: numClasses, columns: features)
        var scores = LinearAlgebra.multiply(inputs, transposed, m: batch, n: numClasses, p: features)
        var loss = 0.0
        for row in 0..<batch {
            let start = row * numClasses
            var logits = Array(scores[start..<(start + numClasses)])
            for column in 0..<numClasses { logits[column] += bias[column] }
            let probabilities = Softmax.probabilities(logits)
            loss -= Double(log(max(probabilities[targets[row]], 1e-12)))
            for column in 0..<numClasses {
                let indicator: Float = column == targets[row] ? 1 : 0
                scores[start + column] = (probabilities[column] - indicator) / Float(batch)
            }
        }
        // scores now holds dL/dlogits (B, C); dW (C, D) = dLᵀ (C, B) · X (B, D)
        let delta = LinearAlgebra.transpose(scores, rows: batch, columns: numClasses)
        let weightGradient = LinearAlgebra.multiply(delta, inputs, m: numClasses, n: features, p: batch)
        var biasGradient = [Float](repeating: 0, count: numClasses)
        for row in 0..<batch {
            for column in 0..<numClasses { biasGradient[column] += scores[row * numClasses + column] }
        }
        return (loss / Double(batch), weightGradient, biasGradient)
    }

    /// NAME.json + NAME.bin for a trained head, in signport's head format. The .bin is written first
    /// so a folder watcher that reacts to the .json always finds a complete pair.
    public static func writeHead(_ head: LinearHead, to folder: URL, name: String) throws -> URL {
        let binURL = folder.appendingPathComponent(name).appendingPathExtension("bin")
        let jsonURL = folder.appendingPathComponent(name).appendingPathExtension("json")
        try HeadBinLayout.encode(weight: head.weight, bias: head.bias).write(to: binURL, options: .atomic)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(head.manifest).write(to: jsonURL, options: .atomic)
        return jsonURL
    }
}

/// AdamW (decoupled weight decay) over one flat parameter vector split into segments.
struct AdamW {
    private var firstMoment: [Float]
    private var secondMoment: [Float]
    private var stepCount = 1
    private let config: HeadTrainer.Config
    private let beta1: Float = 0.9
    private let beta2: Float = 0.999
    private let epsilon: Float = 1e-8

    init(parameterCount: Int, config: HeadTrainer.Config) {
        firstMoment = [Float](repeating: 0, count: parameterCount)
        secondMoment = [Float](repeating: 0, count: parameterCount)
        self.config = config
    }

    mutating func step(parameters: inout [Float], gradients: [Float], offset: Int, decay: Bool) {
        let correction1 = 1 - pow(beta1, Float(stepCount))
        let correction2 = 1 - pow(beta2, Float(stepCount))
        for index in parameters.indices {
            let slot = offset + index
            let gradient = gradients[index]
            firstMoment[slot] = beta1 * firstMoment[slot] + (1 - beta1) * gradient
            secondMoment[slot] = beta2 * secondMoment[slot] + (1 - beta2) * gradient * gradient
            let update = (firstMoment[slot] / correction1) / ((secondMoment[slot] / correction2).squareRoot() + epsilon)
            if decay { parameters[index] -= config.learningRate * config.weightDecay * parameters[index] }
            parameters[index] -= config.learningRate * update
        }
    }

    mutating func advance() { stepCount += 1 }
}

/// Deterministic generator so a personalisation run is reproducible from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
