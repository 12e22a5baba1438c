import XCTest
import Experiments
import TensorKit

final class RunStoreTests: XCTestCase {
    func testLocksExcludeLiveHoldersAndTakeOverStaleOnes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("csit-store-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = RunStore(root: root)
        XCTAssertTrue(try store.lock("abc"))
        XCTAssertFalse(try store.lock("abc"), "a live process (this one) holds it")
        XCTAssertTrue(store.lockIsLive("abc"))
        store.unlock("abc")
        XCTAssertFalse(store.lockIsLive("abc"))
        // What the file says does not matter, only the kernel's lock.
        try "otherhost 1\n".write(to: store.dir("abc").appendingPathComponent("lock"), atomically: true, encoding: .utf8)
        XCTAssertTrue(try store.lock("abc"))
        store.unlock("abc")

        // Another process holds it; killed with SIGKILL and not yet reaped (a zombie, which
        // kill(pid, 0) counted as alive), its lock is free at once.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["-x", "-o", store.dir("abc").appendingPathComponent("lock").path, "sleep", "3"]
        try holder.run()
        let deadline = Date().addingTimeInterval(10)
        while !store.lockIsLive("abc") && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(store.lockIsLive("abc"), "the other process's lock is seen")
        XCTAssertFalse(try store.lock("abc"))
        kill(holder.processIdentifier, SIGKILL)
        while store.lockIsLive("abc") && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(try store.lock("abc"), "a dead holder's lock is free without waiting for it to be reaped")
        store.unlock("abc")
        XCTAssertEqual(store.status("zzz").state, .notStarted)
        try store.setStatus("zzz", .done)
        XCTAssertTrue(store.isDone("zzz"))
    }

    /// Stale temporary files are removed only when their writer was on this host and is gone.
    func testStaleTemporaryFilesOfThisHostOnly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-stale-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let host = AtomicFile.hostTag
        let names = [".a.tmp-999999@\(host)-1", ".b.tmp-999999@othernode-1", ".c.tmp-\(getpid())@\(host)-1", "d.json"]
        for n in names { try "x".write(to: dir.appendingPathComponent(n), atomically: false, encoding: .utf8) }
        XCTAssertEqual(AtomicFile.removeStale(in: dir), 1)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), Set(names.dropFirst()))
        // A killed writer's pid given to a new process (pid 1 stands in for it): kept by the
        // liveness check, removed by the holder of the folder's lock (found: a flaky leftover
        // after the chaos test, pids wrap at 32,768 here).
        let reused = ".e.tmp-1@\(host)-1"
        try "x".write(to: dir.appendingPathComponent(reused), atomically: false, encoding: .utf8)
        XCTAssertEqual(AtomicFile.removeStale(in: dir), 0)
        XCTAssertEqual(AtomicFile.removeStale(in: dir, locked: true), 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(reused).path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".c.tmp-\(getpid())@\(host)-1").path), "never its own")
    }

    /// A run already in plan.json takes this plan's entry (changed execution settings apply).
    func testFrozenPlanTakesTheNewestEntry() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("csit-frozen-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = RunStore(root: root)
        let yaml = "name: f\nresults: \(root.path)\ndataset:\n  kind: nct\n  root: /nowhere\nmodes: [ft]\ntrain:\n  workers: %d\n"
        for workers in [1, 3] {
            let spec = try ExperimentSpec.parse(String(format: yaml, workers), file: "f.yaml", checkPaths: false)
            try FrozenPlan(try Plan.make(spec), specPath: "f.yaml").write(to: store)
        }
        let frozen = try XCTUnwrap(FrozenPlan.read(store))
        XCTAssertEqual(frozen.runs.count, 1, "workers is not part of the id")
        XCTAssertEqual(frozen.runs[0].execution.workers, 3)
    }
}
