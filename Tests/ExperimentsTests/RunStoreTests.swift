import XCTest
import Experiments

final class RunStoreTests: XCTestCase {
    func testLocksExcludeLiveHoldersAndTakeOverStaleOnes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("csit-store-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = RunStore(root: root)
        XCTAssertTrue(try store.lock("abc"))
        XCTAssertFalse(try store.lock("abc"), "a live process (this one) holds it")
        store.unlock("abc")
        try "\(ProcessInfo.processInfo.hostName) 999999\n".write(to: store.dir("abc").appendingPathComponent("lock"), atomically: true, encoding: .utf8)
        XCTAssertTrue(try store.lock("abc"), "a dead holder's lock is stale")
        try "otherhost 1\n".write(to: store.dir("abc").appendingPathComponent("lock"), atomically: true, encoding: .utf8)
        XCTAssertFalse(try store.lock("abc"), "a lock from another node is respected")
        XCTAssertEqual(store.status("zzz").state, .notStarted)
        try store.setStatus("zzz", .done)
        XCTAssertTrue(store.isDone("zzz"))
    }
}
