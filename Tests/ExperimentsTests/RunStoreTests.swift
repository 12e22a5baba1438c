import XCTest
import Experiments

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
}
