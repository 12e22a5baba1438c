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

    /// `--bootstrap N` intervals come from `--seed`: the same seed prints the same, another
    /// seed others, 0 none.
    func testBootstrapIntervalsFollowTheSeed() throws {
        let csv = fixtures.appendingPathComponent("nine_classes.csv").path
        func intervals(_ args: [String]) throws -> [String: Any]? {
            let (status, json) = try CLIRunner.run(["metrics", csv, "--json"] + args)
            XCTAssertEqual(status, 0, json)
            return (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["intervals"] as? [String: Any]
        }
        let a = try XCTUnwrap(try intervals(["--bootstrap", "200", "--seed", "4"]))
        let b = try XCTUnwrap(try intervals(["--bootstrap", "200", "--seed", "4"]))
        let c = try XCTUnwrap(try intervals(["--bootstrap", "200", "--seed", "5"]))
        XCTAssertEqual(a["resamples"] as? Int, 200)
        XCTAssertEqual(a["accuracy"] as? [Double], b["accuracy"] as? [Double])
        XCTAssertNotEqual(a["macro_f1"] as? [Double], c["macro_f1"] as? [Double])
        XCTAssertNil(try intervals(["--bootstrap", "0"]))
        let (status, err) = try CLIRunner.run(["metrics", csv, "--bootstrap=-1"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(err.contains("--bootstrap must be 0"), err)
        // Two resamples gave an interval that excluded the point value.
        let (two, why) = try CLIRunner.run(["metrics", csv, "--bootstrap", "2"])
        XCTAssertNotEqual(two, 0)
        XCTAssertTrue(why.contains("at least 100 resamples"), why)
    }
}
