import Foundation
import Training

/// A started run (a child process in production, a fake in tests).
public protocol LaunchedRun: AnyObject, Sendable {
    /// Sends `signal` (SIGTERM, SIGINT) to the run.
    func send(_ signal: Int32)
}

/// Starts runs for the scheduler.
public protocol RunLauncher: Sendable {
    /// Starts `run`; calls `onExit` with its exit status, on any thread, when it ends.
    ///
    /// - Throws: when the run cannot be started (the scheduler records it as failed).
    func launch(_ run: PlannedRun, onExit: @escaping @Sendable (Int32) -> Void) throws -> LaunchedRun
}

/// Exit status of `csit run --run ID` when another live process holds the run: the
/// scheduler waits for that process instead of counting the run as failed. Not 75: that is
/// `preemptedExitStatus` (a checkpointed stop, which Slurm scripts requeue).
public let heldElsewhereStatus: Int32 = 73

/// Runs planned runs in dependency order, `jobs` at a time, through a launcher. Event-driven:
/// it sleeps until a child exits, a run held elsewhere may have been released, or
/// `cancel` is called.
public final class Scheduler: @unchecked Sendable {
    /// What the scheduler needs to know about the results folder.
    public struct Store: Sendable {
        /// True when the run has finished successfully and its results are intact.
        public var isDone: @Sendable (String) -> Bool
        /// True while another live process holds the run's lock.
        public var isHeldElsewhere: @Sendable (String) -> Bool
        /// Why a run that exited with `status` failed (its recorded error, or the status).
        public var failure: @Sendable (String, Int32) -> String

        public init(isDone: @escaping @Sendable (String) -> Bool, isHeldElsewhere: @escaping @Sendable (String) -> Bool,
                    failure: @escaping @Sendable (String, Int32) -> String) {
            (self.isDone, self.isHeldElsewhere, self.failure) = (isDone, isHeldElsewhere, failure)
        }
    }

    /// How the runs ended.
    public struct Outcome: Equatable, Sendable {
        /// Run id → why it failed (or was skipped because its SSL pretraining failed).
        public var failed: [String: String] = [:]
        /// Runs not finished because the scheduler was cancelled.
        public var cancelled: [String] = []
        /// Runs that finished (here or by another runner).
        public var done: [String] = []
    }

    public let jobs: Int
    let launcher: RunLauncher
    let store: Store
    /// How often runs held elsewhere are looked at again.
    public var recheckInterval: TimeInterval = 1
    /// How long cancelled children get before SIGKILL.
    public var cancelGrace: TimeInterval = 60
    /// Progress lines (started, done, failed, waiting).
    public var onUpdate: (@Sendable (String) -> Void)?
    /// Events for `events.jsonl`.
    public var onEvent: (@Sendable ([String: String]) -> Void)?

    private let condition = NSCondition()
    private var exits: [(String, Int32)] = []
    private var cancelSignal: Int32?
    private var running: [String: LaunchedRun] = [:]
    private var cancelledAt: Date?

    public init(jobs: Int, launcher: RunLauncher, store: Store) {
        self.jobs = Swift.max(1, jobs)
        (self.launcher, self.store) = (launcher, store)
    }

    /// Stops launching, sends `signal` to every running child, and makes `run` return once
    /// they have exited. Safe from any thread (a signal handler's queue).
    public func cancel(_ signal: Int32) {
        condition.lock()
        cancelSignal = signal
        cancelledAt = Date()
        let children = Array(running.values)
        condition.broadcast()
        condition.unlock()
        for c in children { c.send(signal) }
    }

    /// Executes `runs` (in any order; dependencies are respected) and returns how they ended.
    public func run(_ runs: [PlannedRun]) -> Outcome {
        var outcome = Outcome()
        var pending = runs
        var done = Set(runs.map(\.id).filter(store.isDone))
        outcome.done = runs.map(\.id).filter { done.contains($0) }
        pending.removeAll { done.contains($0.id) }
        let total = runs.count
        let start = Date()
        var waitingElsewhere = Set<String>()
        // Children that found their run locked although no process holds it (a lock that
        // cannot be taken): after a few tries the run fails instead of cycling forever.
        var heldRetries: [String: Int] = [:]

        func ready(_ r: PlannedRun) -> Bool { r.dependsOn.map { done.contains($0) || outcome.failed[$0] != nil } ?? true }

        condition.lock()
        defer { condition.unlock() }
        while true {
            // Start what is ready while a slot is free.
            while cancelSignal == nil, running.count < jobs,
                  let i = pending.firstIndex(where: { ready($0) && !waitingElsewhere.contains($0.id) }) {
                let r = pending.remove(at: i)
                if let dep = r.dependsOn, let why = outcome.failed[dep] {
                    outcome.failed[r.id] = "its SSL pretraining \(dep) failed (\(why))"
                    onEvent?(["event": "skipped", "run": r.id, "reason": outcome.failed[r.id]!])
                    continue
                }
                if store.isDone(r.id) { done.insert(r.id); outcome.done.append(r.id); continue }
                if store.isHeldElsewhere(r.id) {
                    waitingElsewhere.insert(r.id)
                    onUpdate?("\(r.id) is running elsewhere; waiting for it")
                    pending.append(r)
                    continue
                }
                do {
                    let id = r.id
                    running[id] = try launcher.launch(r) { [weak self] status in self?.exited(id, status) }
                    onEvent?(["event": "started", "run": id, "mode": r.config.mode.rawValue])
                    onUpdate?("started \(id) (\(LocalExecutor.describe(r)))")
                } catch {
                    outcome.failed[r.id] = "could not start: \(error)"
                }
            }
            if running.isEmpty && (cancelSignal != nil || pending.isEmpty) { break }
            if running.isEmpty && waitingElsewhere.isEmpty && !pending.contains(where: ready) {
                for r in pending { outcome.failed[r.id] = "dependency \(r.dependsOn ?? "?") is not done" }
                pending.removeAll()
                break
            }
            // Sleep until a child exits or cancel; runs held elsewhere are looked at again.
            if exits.isEmpty {
                if let sig = cancelSignal {
                    // A child still starting up may miss the first signal: send it again now
                    // and then, and SIGKILL what is left after the grace period.
                    if !condition.wait(until: Date().addingTimeInterval(recheckInterval)) {
                        cancelledAt = cancelledAt ?? Date()
                        let kill = Date().timeIntervalSince(cancelledAt!) > cancelGrace
                        for c in running.values { c.send(kill ? SIGKILL : sig) }
                    }
                } else if waitingElsewhere.isEmpty {
                    condition.wait()
                } else {
                    _ = condition.wait(until: Date().addingTimeInterval(recheckInterval))
                }
            }
            waitingElsewhere = waitingElsewhere.filter(store.isHeldElsewhere)
            for (id, status) in exits {
                running[id] = nil
                if status == heldElsewhereStatus, !store.isHeldElsewhere(id) {
                    heldRetries[id, default: 0] += 1
                }
                if status == heldElsewhereStatus, cancelSignal == nil, heldRetries[id, default: 0] < 5,
                   let r = runs.first(where: { $0.id == id }) {
                    onEvent?(["event": "held-elsewhere", "run": id])
                    onUpdate?("\(id) is running elsewhere; waiting for it")
                    pending.append(r)
                    waitingElsewhere.insert(id)
                    continue
                }
                if store.isDone(id) {
                    done.insert(id)
                    outcome.done.append(id)
                    onEvent?(["event": "done", "run": id])
                } else if cancelSignal != nil || status == preemptedExitStatus {
                    // Checkpointed and stopped by a signal (ours or another's): resumable, not failed.
                    outcome.cancelled.append(id)
                    onEvent?(["event": "interrupted", "run": id])
                } else {
                    outcome.failed[id] = store.failure(id, status)
                    onEvent?(["event": "failed", "run": id, "error": outcome.failed[id]!])
                }
                let finished = outcome.done.count + outcome.failed.count
                let elapsed = Date().timeIntervalSince(start)
                let eta = finished > 0 ? elapsed / Double(finished) * Double(total - finished) : .nan
                onUpdate?("runs \(finished)/\(total) (\(outcome.failed.count) failed), ETA \(ProgressReporter.duration(eta)): "
                          + (outcome.failed[id].map { "\(id) failed: \($0)" } ?? (outcome.cancelled.contains(id) ? "\(id) interrupted" : "\(id) done")))
            }
            exits.removeAll()
        }
        if cancelSignal != nil { outcome.cancelled += pending.map(\.id) }
        return outcome
    }

    private func exited(_ id: String, _ status: Int32) {
        condition.lock()
        exits.append((id, status))
        condition.broadcast()
        condition.unlock()
    }
}
