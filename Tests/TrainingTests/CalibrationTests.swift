import CSiTKit
import Foundation
import Training
import XCTest

/// The machine's measured rate is measured once per model, workload and thread count, and
/// then read from the cache.
final class CalibrationTests: XCTestCase {
    func testMeasuresOnceThenReadsTheCache() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-calibration-test-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try CSiTConfig.preset("csit-tiny", imageSize: 32, tokenStride: 8)
        var measured: [String] = []
        let one = Calibration(threads: 1, cacheDirectory: dir)
        let r = one.gflopsPerSecond(model, .training) { measured.append($0) }
        XCTAssertTrue(r.isFinite && r > 0.01 && r < 1e5, "\(r) GFLOP/s")
        XCTAssertEqual(measured, ["csit-tiny at 32 px, training, 1 thread"])
        XCTAssertEqual(one.gflopsPerSecond(model, .training) { measured.append($0) }, r, "read from the cache")
        XCTAssertEqual(measured.count, 1)
        _ = Calibration(threads: 2, cacheDirectory: dir).gflopsPerSecond(model, .training) { measured.append($0) }
        _ = one.gflopsPerSecond(model, .inference) { measured.append($0) }
        XCTAssertEqual(measured.count, 3, "another thread count or workload is measured anew")
        var cache = try JSONDecoder().decode([String: Double].self, from: Data(contentsOf: dir.appendingPathComponent("calibration.json")))
        XCTAssertEqual(cache.count, 3)
        // Found by a hostile test: a damaged rate (1e-300 GFLOP/s) trapped the estimate.
        for k in cache.keys { cache[k] = 1e-300 }
        try JSONEncoder().encode(cache).write(to: dir.appendingPathComponent("calibration.json"))
        let again = Calibration(threads: 1, cacheDirectory: dir).gflopsPerSecond(model, .training) { measured.append($0) }
        XCTAssertEqual(measured.count, 4, "an implausible cached rate is measured again")
        XCTAssertTrue(again > 0.01)
        XCTAssertEqual(ProgressReporter.duration(1e300), "2.78e+296h", "beyond Int's range: hours, not a trap")
    }
}
