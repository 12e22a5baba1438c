import Experiments
import Foundation
import Training
import XCTest

/// `csit status`: the label columns that tell runs apart, and where a running run is.
final class RunStatusTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-status-\(getpid())-\(UUID().uuidString.prefix(8))")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func plan(_ protocolLines: String, modes: String = "[ft]", sweep: String = "") throws -> Plan {
        let y = "name: st\ndataset:\n  kind: breakhis\n  root: /nowhere\nprotocol:\n\(protocolLines)modes: \(modes)\n\(sweep)"
        return try Plan.make(try ExperimentSpec.parse(y, file: "st.yaml", checkPaths: false))
    }

    /// Found in issue 15: nine sweep runs were indistinguishable (id, mode and state only).
    func testSweepRunsAreToldApartByTheirLabels() throws {
        let p = try plan("  folds: 2\n  zooms: [40X]\n  label_fractions: [0.1]\n  seeds: [0]\n",
                         sweep: "sweep:\n  grid:\n    train.ft.lr: [1.0e-3, 3.0e-3]\n")
        let text = RunStatus.render(plan: p, store: RunStore(root: dir))
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2 + 4, text)
        XCTAssertEqual(lines[1].split(separator: " ", omittingEmptySubsequences: true),
                       ["id", "mode", "fold", "zoom", "labels", "sweep", "state"], text)
        // Four rows, four different label sets.
        let rows = lines.dropFirst(2).map { $0.dropFirst(18) }
        XCTAssertEqual(Set(rows).count, 4, text)
        for r in p.runs {
            let row = try XCTUnwrap(lines.first { $0.hasPrefix(r.id) })
            let l = try XCTUnwrap(r.labels.first)
            XCTAssertTrue(row.contains("  \(l.fold!)  ") && row.contains("40X") && row.contains("0.1") && row.contains(l.sweep), row)
            XCTAssertTrue(row.hasSuffix("not submitted"), row)
        }
        // Columns no run has are left out; a seed column appears only when seeds differ.
        let plain = RunStatus.render(plan: try plan("  folds: 2\n  seeds: [0, 1]\n"), store: RunStore(root: dir))
        XCTAssertEqual(plain.split(separator: "\n")[1].split(separator: " "), ["id", "mode", "fold", "seed", "state"], plain)
    }

    /// A running run shows its epoch, step, speed and ETA from `progress.json`.
    func testRunningRunShowsEpochStepAndETA() throws {
        let p = try plan("  folds: 2\n  seeds: [0]\n")
        let store = RunStore(root: dir)
        let id = p.runs[0].id
        XCTAssertTrue(try store.lock(id))
        defer { store.unlock(id) }
        try store.setStatus(id, .running)
        let written = Date().addingTimeInterval(-30)
        let progress = RunProgress(epoch: 3, epochs: 10, step: 12, steps: 40, imagesPerSecond: 45.25, remainingSeconds: 750,
                                   updated: ISO8601DateFormatter().string(from: written))
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        try e.encode(progress).write(to: store.dir(id).appendingPathComponent(RunProgress.fileName))
        XCTAssertEqual(RunProgress.read(runDir: store.dir(id)), progress)
        let text = RunStatus.render(plan: p, store: store)
        let row = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix(id) })
        // 750 s remaining when written, 30 s ago (the file keeps whole seconds).
        XCTAssertNotNil(row.range(of: #"  running: epoch 3/10, step 12/40, 45\.2 img/s, ETA 1[12]m[0-9]{2}s \(updated 0m3[01]s ago\)$"#,
                                  options: .regularExpression), String(row))
        let stamp = try XCTUnwrap(ISO8601DateFormatter().date(from: progress.updated))
        XCTAssertEqual(RunStatus.describe(progress, now: stamp.addingTimeInterval(30)),
                       "epoch 3/10, step 12/40, 45.2 img/s, ETA 12m00s (updated 0m30s ago)")
        var unknown = progress
        unknown.remainingSeconds = -1
        XCTAssertEqual(RunStatus.describe(unknown, now: stamp.addingTimeInterval(3700)), "epoch 3/10, step 12/40, 45.2 img/s (updated 1h01m ago)")
        XCTAssertTrue(text.hasPrefix("st: 2 runs (1 not submitted, 1 running)"), text)
        // Once the process is gone the run is failed, and its stale progress is not shown.
        store.unlock(id)
        let after = RunStatus.render(plan: p, store: store)
        XCTAssertFalse(after.contains("epoch 3/10"), after)
    }
}
