import Foundation
import XCTest
import Experiments
import Training

/// The scheduler against a fake launcher: dependencies, slots, failures, runs held by
/// another runner, cancellation. No processes, no sleeps beyond the fakes' own.
final class SchedulerTests: XCTestCase {
    /// Runs each launched run on a thread for `duration`, then "exits" with the scripted status.
    final class FakeLauncher: RunLauncher, @unchecked Sendable {
        let lock = NSLock()
        var started: [String] = []
        var maxConcurrent = 0
        var concurrent = 0
        var done = Set<String>()
        var signalled: [String: Int32] = [:]
        /// Exit statuses per run, one per launch (the last repeats); 0 when absent.
        var status: [String: [Int32]] = [:]
        var duration: TimeInterval = 0.01
        /// Runs that block until signalled.
        var blocking = Set<String>()
        /// Blocking runs that ignore every signal but SIGKILL (a child that missed SIGTERM).
        var stubborn = Set<String>()

        final class Child: LaunchedRun, @unchecked Sendable {
            let stop = DispatchSemaphore(value: 0)
            weak var owner: FakeLauncher?
            let id: String
            init(_ id: String, owner: FakeLauncher) { (self.id, self.owner) = (id, owner) }
            func send(_ signal: Int32) {
                owner?.lock.lock()
                owner?.signalled[id] = signal
                let ignores = owner?.stubborn.contains(id) ?? false
                owner?.lock.unlock()
                if !ignores || signal == SIGKILL { stop.signal() }
            }
        }

        func launch(_ run: PlannedRun, onExit: @escaping @Sendable (Int32) -> Void) throws -> LaunchedRun {
            let child = Child(run.id, owner: self)
            lock.lock()
            started.append(run.id)
            concurrent += 1
            maxConcurrent = max(maxConcurrent, concurrent)
            let script = status[run.id] ?? [0]
            let code = script[0]
            if script.count > 1 { status[run.id] = Array(script.dropFirst()) }
            let blocks = blocking.contains(run.id)
            lock.unlock()
            Thread.detachNewThread { [self] in
                if blocks { child.stop.wait() } else { Thread.sleep(forTimeInterval: duration) }
                lock.lock()
                concurrent -= 1
                if code == 0 && !blocks { done.insert(run.id) }
                lock.unlock()
                onExit(blocks ? 143 : code)
            }
            return child
        }

        func isDone(_ id: String) -> Bool { lock.lock(); defer { lock.unlock() }; return done.contains(id) }
    }

    func run(_ id: String, dependsOn: String? = nil) -> PlannedRun {
        PlannedRun(id: id, config: RunConfig.paper(dependsOn == nil ? .ssl : .le), execution: ExecutionConfig(),
                   dependsOn: dependsOn, labels: [RunLabel(mode: "x", fold: nil, zoom: nil, labelFraction: 1, seed: 0, sweep: "")],
                   images: RunImages())
    }

    func scheduler(_ fake: FakeLauncher, jobs: Int, heldElsewhere: @escaping @Sendable (String) -> Bool = { _ in false }) -> Scheduler {
        let s = Scheduler(jobs: jobs, launcher: fake, store: Scheduler.Store(
            isDone: { fake.isDone($0) }, isHeldElsewhere: heldElsewhere, failure: { _, status in "exit \(status)" }))
        s.recheckInterval = 0.01
        return s
    }

    func testDependenciesSlotsAndFailurePropagation() {
        let fake = FakeLauncher()
        fake.status = ["ssl-b": [3]]
        let runs = [run("a1", dependsOn: "ssl-a"), run("ssl-a"), run("a2", dependsOn: "ssl-a"), run("ssl-b"),
                    run("b1", dependsOn: "ssl-b"), run("solo")]
        let outcome = scheduler(fake, jobs: 2).run(runs)
        XCTAssertLessThanOrEqual(fake.maxConcurrent, 2)
        XCTAssertEqual(Set(outcome.done), ["ssl-a", "a1", "a2", "solo"])
        XCTAssertEqual(outcome.failed["ssl-b"], "exit 3")
        XCTAssertTrue(outcome.failed["b1"]?.hasPrefix("its SSL pretraining ssl-b failed") ?? false, "\(outcome.failed)")
        XCTAssertFalse(fake.started.contains("b1"), "a run whose dependency failed is never started")
        XCTAssertLessThan(fake.started.firstIndex(of: "ssl-a")!, fake.started.firstIndex(of: "a1")!)
        XCTAssertTrue(outcome.cancelled.isEmpty)
    }

    func testDoneRunsAreNotStartedAgain() {
        let fake = FakeLauncher()
        fake.done = ["ssl-a"]
        let outcome = scheduler(fake, jobs: 1).run([run("ssl-a"), run("a1", dependsOn: "ssl-a")])
        XCTAssertEqual(fake.started, ["a1"])
        XCTAssertEqual(Set(outcome.done), ["ssl-a", "a1"])
    }

    /// A run another runner holds is waited for, then counted done, never failed.
    func testRunsHeldElsewhereAreWaitedFor() {
        let fake = FakeLauncher()
        // The other runner holds ssl-a until it has finished it.
        let held: @Sendable (String) -> Bool = { id in id == "ssl-a" && !fake.isDone("ssl-a") }
        // The other runner finishes ssl-a when it lets go of it.
        Thread.detachNewThread { Thread.sleep(forTimeInterval: 0.2); fake.lock.lock(); fake.done.insert("ssl-a"); fake.lock.unlock() }
        let outcome = scheduler(fake, jobs: 2, heldElsewhere: held).run([run("ssl-a"), run("a1", dependsOn: "ssl-a")])
        XCTAssertEqual(Set(outcome.done), ["ssl-a", "a1"])
        XCTAssertTrue(outcome.failed.isEmpty, "\(outcome.failed)")
        XCTAssertFalse(fake.started.contains("ssl-a"))
    }

    /// A child that finds its run locked (exit 73) is requeued, not failed.
    func testHeldElsewhereExitIsRequeued() {
        let fake = FakeLauncher()
        fake.status = ["x": [heldElsewhereStatus, 0]]
        let outcome = scheduler(fake, jobs: 1).run([run("x")])
        XCTAssertTrue(outcome.failed.isEmpty, "\(outcome.failed)")
        XCTAssertEqual(outcome.done, ["x"])
        XCTAssertEqual(fake.started, ["x", "x"])
    }

    /// cancel stops launching, signals the running children and returns once they exit.
    func testCancelSignalsChildrenAndReportsThem() {
        let fake = FakeLauncher()
        fake.blocking = ["ssl-a", "ssl-b"]
        let s = scheduler(fake, jobs: 2)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { s.cancel(SIGTERM) }
        let outcome = s.run([run("ssl-a"), run("ssl-b"), run("a1", dependsOn: "ssl-a"), run("c")])
        XCTAssertEqual(fake.signalled, ["ssl-a": SIGTERM, "ssl-b": SIGTERM])
        XCTAssertEqual(Set(outcome.cancelled), ["ssl-a", "ssl-b", "a1", "c"])
        XCTAssertEqual(fake.started.sorted(), ["ssl-a", "ssl-b"], "nothing starts after cancel")
        XCTAssertTrue(outcome.failed.isEmpty)
    }

    /// A child that ignores the forwarded signal gets it again, then SIGKILL after the grace.
    func testCancelEscalatesToSIGKILL() {
        let fake = FakeLauncher()
        fake.blocking = ["ssl-a"]
        fake.stubborn = ["ssl-a"]
        let s = scheduler(fake, jobs: 1)
        s.cancelGrace = 0.1
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { s.cancel(SIGINT) }
        let outcome = s.run([run("ssl-a")])
        XCTAssertEqual(fake.signalled["ssl-a"], SIGKILL)
        XCTAssertEqual(outcome.cancelled, ["ssl-a"])
    }

    /// A run whose child keeps finding it locked while nobody holds it (a filesystem without
    /// working locks) fails after a few tries instead of cycling forever.
    func testALockNobodyHoldsFailsAfterRetries() {
        let fake = FakeLauncher()
        fake.status = ["x": [heldElsewhereStatus]]
        let outcome = scheduler(fake, jobs: 1).run([run("x")])
        XCTAssertEqual(fake.started.count, 5)
        XCTAssertEqual(outcome.failed["x"], "exit 73")
    }

    /// A child that checkpointed and stopped on a signal it got from elsewhere (exit 75) is
    /// interrupted, not failed, and not retried as if its run were held elsewhere.
    func testAPreemptedChildIsInterruptedNotFailed() {
        let fake = FakeLauncher()
        fake.status = ["x": [preemptedExitStatus], "y": [0]]
        let outcome = scheduler(fake, jobs: 1).run([run("x"), run("y")])
        XCTAssertEqual(outcome.cancelled, ["x"])
        XCTAssertTrue(outcome.failed.isEmpty, "\(outcome.failed)")
        XCTAssertEqual(outcome.done, ["y"], "the other runs go on")
        XCTAssertEqual(fake.started, ["x", "y"])
        XCTAssertNotEqual(preemptedExitStatus, heldElsewhereStatus)
    }
}
