import XCTest

final class TrainCommandTests: XCTestCase {
    func testYAMLErrorsNameFileKeyAndSuggestion() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-train-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = dir.appendingPathComponent("run.yaml")
        try "mode: ft\nroot: /nowhere\nbatch_sise: 16\n".write(to: yaml, atomically: true, encoding: .utf8)
        var (status, out) = try CLIRunner.run(["train", "--config", yaml.path, "--output", dir.appendingPathComponent("run").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("\(yaml.path): unknown key 'batch_sise' (did you mean 'batch_size'?)"), out)
        try "mode: ft\nroot: /nowhere\nepochs: many\n".write(to: yaml, atomically: true, encoding: .utf8)
        (status, out) = try CLIRunner.run(["train", "--config", yaml.path, "--output", dir.appendingPathComponent("run").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("epochs"), out)
        (status, out) = try CLIRunner.run(["train", "--mode", "le", "--data-path", "/nowhere", "--output", dir.appendingPathComponent("run").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("init_checkpoint = none: expected an SSL checkpoint for mode le"), out)
        (status, out) = try CLIRunner.run(["train", "--mode", "ft", "--data-path", "/nowhere", "--output", dir.appendingPathComponent("run").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("/nowhere: not a readable folder"), out)
    }
}
