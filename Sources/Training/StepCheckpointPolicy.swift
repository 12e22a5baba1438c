import Foundation

/// Exit status of `csit train` and `csit run --run ID` when a stop signal (SIGTERM, SIGUSR1,
/// SIGINT) made the run checkpoint and stop: EX_TEMPFAIL, "try again later". Rerunning the
/// same command continues at the next step. Slurm batch scripts requeue on it.
public let preemptedExitStatus: Int32 = 75

/// The per-step decision of the training loop: write a checkpoint now, and stop now?
///
/// `Trainer.trainEpoch` calls `decide(epoch:step:)` exactly once per step, after the
/// optimizer update, and does what it says; nothing else in the loop looks at the clock or
/// at signals. A data-parallel trainer makes the decision collective by combining every
/// rank's `Decision` with a maximum (`Decision` is ordered: proceed < checkpoint < stop), so
/// all ranks checkpoint and stop after the same step.
public final class StepCheckpointPolicy {
    /// What to do after a step.
    public enum Decision: Int, Comparable, Sendable {
        /// Go on with the next step.
        case proceed = 0
        /// Write a mid-epoch checkpoint, then go on (the time interval has passed).
        case checkpoint = 1
        /// Write a mid-epoch checkpoint and stop the run (a stop signal, or the test seam).
        case checkpointAndStop = 2

        public static func < (a: Decision, b: Decision) -> Bool { a.rawValue < b.rawValue }
    }

    /// Seconds between time-based checkpoints; nil or 0: only at epoch ends and on signals.
    public let interval: TimeInterval?
    /// The stop signal received, if any (the CLI's sigaction flag; nil in library use).
    public let stopSignal: () -> Int32?
    /// Test seam: stop as a signal would after this (epoch, step), both from 0.
    public let stopAfter: (epoch: Int, step: Int)?
    /// The clock (a test seam).
    public let now: () -> Date
    private var last: Date

    /// - Parameters:
    ///   - minutes: `checkpoint_minutes` (0: only at epoch ends and on signals).
    public init(minutes: Double, stopSignal: @escaping () -> Int32? = { nil }, stopAfter: (epoch: Int, step: Int)? = nil,
                now: @escaping () -> Date = Date.init) {
        interval = minutes > 0 ? minutes * 60 : nil
        (self.stopSignal, self.stopAfter, self.now) = (stopSignal, stopAfter, now)
        last = now()
    }

    /// The decision after step `step` of epoch `epoch` (both from 0) has updated the model.
    public func decide(epoch: Int, step: Int) -> Decision {
        if stopSignal() != nil { return .checkpointAndStop }
        if let s = stopAfter, s.epoch == epoch, s.step == step { return .checkpointAndStop }
        if let interval, now().timeIntervalSince(last) >= interval { return .checkpoint }
        return .proceed
    }

    /// Whether a run between epochs (after the epoch's checkpoint) should stop: a signal that
    /// arrived during evaluation or the epoch's pictures.
    public var stopRequested: Bool { stopSignal() != nil }

    /// Restarts the interval: a checkpoint (mid-epoch or the epoch's) was just written.
    public func checkpointed() { last = now() }
}

/// Why a run stopped before its end on request.
public struct StopReport: Equatable, Sendable {
    /// The signal received (nil: the test seam).
    public var signal: Int32?
    /// Where the checkpoint stands: the epoch (from 0) and the steps of it done.
    public var epoch: Int
    public var step: Int

    public init(signal: Int32?, epoch: Int, step: Int) { (self.signal, self.epoch, self.step) = (signal, epoch, step) }

    /// "stopped by SIGTERM after epoch 2, step 5 of 12; …" for logs and `state.json`.
    public func describe(steps: Int?) -> String {
        let name = signal.map(Self.signalName) ?? "request"
        let at = steps.map { step == $0 ? "at the end of epoch \(epoch + 1)" : "after step \(step) of \($0) in epoch \(epoch + 1)" }
            ?? "in epoch \(epoch + 1)"
        return "stopped by \(name) \(at); checkpointed, the same command resumes at the next step"
    }

    static func signalName(_ s: Int32) -> String {
        switch s {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGUSR1: return "SIGUSR1"
        default: return "signal \(s)"
        }
    }
}
