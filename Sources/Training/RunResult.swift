import Foundation
import Evaluation

/// The result of a finished run.
public struct RunResult {
    public var runDir: URL
    public var records: [EpochRecord]
    /// Test-set metrics of the final model (nil for SSL).
    public var metrics: ClassificationMetrics?
    /// True when the run stopped early on request (`stopAfterEpoch`, a stop signal, `stopAfterStep`).
    public var interrupted: Bool
    /// Set when a stop signal (or `stopAfterStep`) made it checkpoint and stop: where it stands.
    public var stopped: StopReport?
}
