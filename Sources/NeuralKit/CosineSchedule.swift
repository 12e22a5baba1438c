import Foundation

/// Per-step learning rate: linear warmup from `warmupLR` to `baseLR`, then a cosine
/// decay to `minLR` at `totalSteps`.
public struct CosineSchedule: Sendable, Equatable, Codable {
    public var baseLR: Double
    public var minLR: Double
    public var warmupLR: Double
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(baseLR: Double, minLR: Double = 0, warmupLR: Double = 1e-6, warmupSteps: Int, totalSteps: Int) {
        precondition(totalSteps > 0 && warmupSteps >= 0, "schedule needs totalSteps > 0")
        (self.baseLR, self.minLR, self.warmupLR) = (baseLR, minLR, warmupLR)
        (self.warmupSteps, self.totalSteps) = (warmupSteps, totalSteps)
    }

    /// Learning rate for the step with 0-based index `step`.
    public func lr(at step: Int) -> Double {
        if step < warmupSteps {
            return warmupLR + (baseLR - warmupLR) * Double(step) / Double(warmupSteps)
        }
        let span = Swift.max(totalSteps - warmupSteps, 1)
        let t = Swift.min(Double(step - warmupSteps) / Double(span), 1)
        return minLR + 0.5 * (baseLR - minLR) * (1 + cos(Double.pi * t))
    }

    /// The learning rate scaled by batch size as the paper does: `lr · batch / 512`.
    public static func scaledLR(_ lr: Double, batchSize: Int) -> Double { lr * Double(batchSize) / 512 }
}
