import Foundation

/// Training progress for people: a live line on a terminal, periodic plain lines otherwise.
public final class ProgressReporter: @unchecked Sendable {
    private let interactive: Bool
    private let prefix: String
    private var lastPlain = Date.distantPast
    private let handle: FileHandle

    /// - Parameters:
    ///   - prefix: shown before every line (e.g. the run id).
    public init(prefix: String = "", handle: FileHandle = .standardError) {
        self.prefix = prefix
        self.handle = handle
        interactive = isatty(handle.fileDescriptor) != 0
    }

    /// One step's state; printed in place on a terminal, or every 10 s as a plain line.
    public func step(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, parts: [String: Double],
                     imagesPerSecond: Double, remainingSeconds: Double) {
        let p = parts.sorted { $0.key < $1.key }.map { String(format: "%@ %.3f", $0.key, $0.value) }.joined(separator: " ")
        let line = String(format: "%@epoch %d/%d  step %d/%d  loss %.4f%@  %.1f img/s  ETA %@", prefix, epoch + 1, epochs,
                          step + 1, steps, loss, p.isEmpty ? "" : " (\(p))", imagesPerSecond, Self.duration(remainingSeconds))
        if interactive {
            handle.write(Data(("\r\u{1B}[K" + line).utf8))
        } else if Date().timeIntervalSince(lastPlain) >= 10 || step + 1 == steps {
            handle.write(Data((line + "\n").utf8))
            lastPlain = Date()
        }
    }

    /// A line that stays (epoch summaries, evaluation results).
    public func note(_ text: String) {
        handle.write(Data(((interactive ? "\r\u{1B}[K" : "") + prefix + text + "\n").utf8))
    }

    public static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "--" }
        // Beyond Int's range (a damaged calibration, an absurd image count) in hours, not a trap.
        guard s < 3.6e12 else { return String(format: "%.3gh", s / 3600) }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, (t % 3600) / 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }
}
