import XCTest

final class MetricsCommandTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("EvaluationTests/Fixtures")

    func testMarkdownAndJSONGoldens() throws {
        let csv = fixtures.appendingPathComponent("binary_names.csv").path
        let (s1, md) = try CLIRunner.run(["metrics", csv, "--positive-class", "malignant"])
        XCTAssertEqual(s1, 0, md)
        try CLIRunner.assertGolden(md, "metrics-binary.md")
        let (s2, json) = try CLIRunner.run(["metrics", fixtures.appendingPathComponent("nine_classes.csv").path, "--json"])
        XCTAssertEqual(s2, 0, json)
        try CLIRunner.assertGolden(json, "metrics-nine.json")
        let (s3, err) = try CLIRunner.run(["metrics", csv, "--positive-class", "normal"])
        XCTAssertNotEqual(s3, 0)
        XCTAssertTrue(err.contains("--positive-class 'normal' is not one of benign, malignant"), err)
    }
}
