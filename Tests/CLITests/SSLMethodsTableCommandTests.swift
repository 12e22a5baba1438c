import Evaluation
import Experiments
import Foundation
import XCTest

/// `csit table experiments/ssl-methods.yaml`: the published comparison with basic SSL methods,
/// from the real paper specs (copied beside a temporary results folder), with metrics written
/// here for the SSL+FT runs nct.yaml and breakhis.yaml plan.
final class SSLMethodsTableCommandTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-sslmethods-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    /// A paper spec with its results folder and its sibling spec paths moved into `work`.
    func copy(_ name: String) throws -> String {
        let text = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("experiments/\(name)"), encoding: .utf8)
            .replacingOccurrences(of: "results: results/paper", with: "results: \(work.appendingPathComponent("res").path)")
            .replacingOccurrences(of: "spec: experiments/", with: "spec: \(work.path)/")
        let path = work.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Two classes, 20 images, `wrong` of them misclassified.
    func metrics(wrong: Int) -> ClassificationMetrics {
        let labels = (0..<20).map { $0 % 2 }
        return ClassificationMetrics(labels: labels, probabilities: labels.enumerated().map { i, y in
            (i < wrong ? 1 - y : y) == 1 ? [0.3, 0.7] : [0.7, 0.3]
        }, classes: ["a", "b"])
    }

    func testPublishedComparisonGolden() throws {
        let env = ["CSIT_DATA": "/data"]
        let nct = try copy("nct.yaml"), breakhis = try copy("breakhis.yaml"), table = try copy("ssl-methods.yaml")
        let store = RunStore(root: work.appendingPathComponent("res"))
        for (path, wrong) in [(nct, 1), (breakhis, 2)] {
            let plan = try Plan.make(try ExperimentSpec.load(path, environment: env, checkPaths: false))
            for (k, run) in plan.runs.filter({ $0.config.mode == .sslft }).enumerated() {
                try FileManager.default.createDirectory(at: store.dir(run.id), withIntermediateDirectories: true)
                try metrics(wrong: wrong + k).json().write(to: store.dir(run.id).appendingPathComponent("metrics.json"))
                try JSONEncoder().encode(run.config).write(to: store.dir(run.id).appendingPathComponent("config.json"))
                try store.setStatus(run.id, .done)
            }
        }
        let (status, out) = try CLIRunner.run(["table", table], environment: env)
        XCTAssertEqual(status, 0, out)
        try CLIRunner.assertGolden(out, "table-ssl-methods.md")
        let res = work.appendingPathComponent("res")
        try CLIRunner.assertGolden(try String(contentsOf: res.appendingPathComponent("ssl-methods.csv"), encoding: .utf8), "table-ssl-methods.csv")
        try CLIRunner.assertGolden(try String(contentsOf: res.appendingPathComponent("ssl-methods.tex"), encoding: .utf8), "table-ssl-methods.tex")
        // The FT runs the specs plan were never selected, and nothing was trained: no run is missing.
        XCTAssertFalse(out.contains("Incomplete"), out)
    }
}
