import Foundation
import TensorKit

/// Where a running run is: `<run>/progress.json`, rewritten (atomically) by rank 0 at most
/// every few seconds during training, so `csit status` can show the epoch, step and ETA of
/// a run in another process or on another node of the cluster.
public struct RunProgress: Codable, Equatable, Sendable {
    /// The epoch in progress, counted from 1.
    public var epoch: Int
    public var epochs: Int
    /// Steps of this epoch done.
    public var step: Int
    public var steps: Int
    /// Images per second of this session's steps in this epoch.
    public var imagesPerSecond: Double
    /// The remaining training steps at that rate (evaluations not counted).
    public var remainingSeconds: Double
    /// When it was written (ISO 8601).
    public var updated: String

    public static let fileName = "progress.json"

    public init(epoch: Int, epochs: Int, step: Int, steps: Int, imagesPerSecond: Double, remainingSeconds: Double, updated: String) {
        (self.epoch, self.epochs, self.step, self.steps) = (epoch, epochs, step, steps)
        (self.imagesPerSecond, self.remainingSeconds, self.updated) = (imagesPerSecond, remainingSeconds, updated)
    }

    /// The progress a run folder holds; nil without a readable one.
    public static func read(runDir: URL) -> RunProgress? {
        guard let data = try? Data(contentsOf: runDir.appendingPathComponent(fileName)) else { return nil }
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return try? d.decode(RunProgress.self, from: data)
    }

    /// Seconds since it was written, as of `now`.
    public func age(now: Date = Date()) -> Double? {
        ISO8601DateFormatter().date(from: updated).map { now.timeIntervalSince($0) }
    }
}

/// Writes `progress.json` for one training session: after a step when `interval` seconds
/// have passed since the last write, and at each epoch's last step. A failed write is left
/// alone: the file is a view for people, not a result.
final class RunProgressWriter {
    private let url: URL?
    private let interval: TimeInterval
    private var last = Date.distantPast

    init(runDir: URL, enabled: Bool, interval: TimeInterval = 2) {
        url = enabled ? runDir.appendingPathComponent(RunProgress.fileName) : nil
        self.interval = interval
    }

    func step(epoch: Int, epochs: Int, step: Int, steps: Int, imagesPerSecond: Double, remainingSeconds: Double) {
        guard let url, step + 1 == steps || Date().timeIntervalSince(last) >= interval else { return }
        last = Date()
        let p = RunProgress(epoch: epoch + 1, epochs: epochs, step: step + 1, steps: steps, imagesPerSecond: imagesPerSecond,
                            remainingSeconds: remainingSeconds.isFinite ? remainingSeconds : -1,
                            updated: ISO8601DateFormatter().string(from: last))
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys]
        try? AtomicFile.write(try e.encode(p), to: url)
    }
}
