import Experiments
import Foundation
import XCTest

/// The corpus of hostile specs in Tests/CLITests/Hostile: each ends, within a time limit,
/// with a non-zero exit (no crash, no signal) and exactly the one-line error in
/// Golden/hostile-specs.txt. Large cases (size, nesting, aliases, grids) are generated here.
final class HostileSpecTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-hostile-specs-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    /// Runs csit with a time limit; nil output when it had to be killed.
    func run(_ args: [String], limit: TimeInterval = 30) throws -> (status: Int32, reason: Process.TerminationReason, output: String?) {
        let p = Process()
        p.executableURL = CLIRunner.executable
        p.arguments = args
        p.currentDirectoryURL = CLIRunner.repositoryRoot
        var env = ProcessInfo.processInfo.environment
        env["CSIT_THREADS"] = "1"
        env.removeValue(forKey: "CSIT_HOSTILE_UNSET")
        p.environment = env
        let out = work.appendingPathComponent("out-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let h = try FileHandle(forWritingTo: out)
        p.standardOutput = h
        p.standardError = h
        try p.run()
        let deadline = Date().addingTimeInterval(limit)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate(); p.waitUntilExit(); return (p.terminationStatus, p.terminationReason, nil) }
        try h.close()
        return (p.terminationStatus, p.terminationReason, try String(contentsOf: out, encoding: .utf8))
    }

    func testEveryHostileSpecEndsWithItsOneLineError() throws {
        let corpus = Bundle.module.resourceURL!.appendingPathComponent("Hostile")
        var cases = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { !$0.hasPrefix(".") }
            .map { ($0, corpus.appendingPathComponent($0).path) }
        // Generated: too large to commit.
        let big = work.appendingPathComponent("too-big.yaml")
        try ("name: x\ndescription: \"" + String(repeating: "x", count: 1 << 20) + "\"\n").write(to: big, atomically: true, encoding: .utf8)
        let deep = work.appendingPathComponent("deep-5000.yaml")
        try ("x: " + String(repeating: "[", count: 5000)).write(to: deep, atomically: true, encoding: .utf8)
        let bomb = work.appendingPathComponent("alias-bomb-9.yaml")
        var y = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { y += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        try y.write(to: bomb, atomically: true, encoding: .utf8)
        cases += [("too-big.yaml (generated)", big.path), ("deep-5000.yaml (generated)", deep.path), ("alias-bomb-9.yaml (generated)", bomb.path),
                  ("missing-file.yaml", work.appendingPathComponent("missing-file.yaml").path)]
        var report = ""
        for (name, path) in cases.sorted(by: { $0.0 < $1.0 }) {
            let r = try run(["run", path, "--dry-run"])
            guard let output = r.output else { XCTFail("\(name): still running after 30 s (hang)"); continue }
            XCTAssertEqual(r.reason, .exit, "\(name): ended by a signal: \(output)")
            XCTAssertNotEqual(r.status, 0, "\(name): accepted\n\(output)")
            let first = output.split(separator: "\n").first.map(String.init) ?? ""
            report += "\(name): " + first.replacingOccurrences(of: corpus.path, with: "<corpus>")
                .replacingOccurrences(of: work.path, with: "<work>")
                .replacingOccurrences(of: CLIRunner.repositoryRoot.path, with: "<repo>") + "\n"
        }
        try CLIRunner.assertGolden(report, "hostile-specs.txt")
    }

    /// A file where the results folder or a run folder must be: one line naming it.
    func testFilesWhereFoldersMustBe() throws {
        let file = work.appendingPathComponent("results-is-a-file")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        let spec = try TinySpec.write(results: file.path, in: work)
        var r = try run(["run", spec])
        XCTAssertNotEqual(r.status, 0)
        // Found when the spec is read (csit plan says it too), located at the results key.
        XCTAssertEqual(r.output?.split(separator: "\n").first.map(String.init),
                       "Error: \(spec):2:10: results = \(file.path): expected a folder, or a path where one can be made (\(file.path) is a file)")
        // A link to nothing passed the plan and failed csit run.
        let dangling = work.appendingPathComponent("dangling")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: work.appendingPathComponent("nothing").path)
        let linked = try TinySpec.write(results: dangling.path, in: work, file: "linked.yaml")
        let p = try run(["plan", linked])
        XCTAssertNotEqual(p.status, 0)
        XCTAssertTrue(p.output?.contains("is a link to \(work.path)/nothing, which does not exist") ?? false, p.output ?? "")
        let results = work.appendingPathComponent("res")
        let spec2 = try TinySpec.write(results: results.path, in: work, file: "two.yaml")
        try FileManager.default.createDirectory(at: results.appendingPathComponent("runs"), withIntermediateDirectories: true)
        let (plan, _) = try CLIRunner.run(["plan", spec2])
        XCTAssertEqual(plan, 0)
        // Every run folder a file: each run fails with that line, nothing crashes.
        let ids = try Plan.make(try ExperimentSpec.load(spec2, checkPaths: false)).runs.map(\.id)
        for id in ids { try "x".write(to: results.appendingPathComponent("runs/\(id)"), atomically: true, encoding: .utf8) }
        r = try run(["run", spec2])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.reason, .exit)
        XCTAssertTrue(r.output?.contains("failed \(ids[0]): could not start: \(results.path)/runs/\(ids[0]): expected a folder (of the results), found a file") ?? false,
                      r.output ?? "")
    }
}
