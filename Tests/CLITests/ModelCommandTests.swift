import XCTest

final class ModelCommandTests: XCTestCase {
    func testSummaryGoldens() throws {
        for (args, golden) in [
            (["--preset", "csit-compact", "--image-size", "224", "--mode", "ssl"], "model-summary-ssl.txt"),
            (["--preset", "csit-compact", "--image-size", "224", "--mode", "finetune", "--classes", "9"], "model-summary-finetune.txt"),
            (["--preset", "cct-14-7x2", "--classes", "1000"], "model-summary-cct.txt"),
        ] {
            let (status, out) = try CLIRunner.run(["model", "summary"] + args)
            XCTAssertEqual(status, 0, out)
            try CLIRunner.assertGolden(out, golden)
        }
    }

    /// `--mode` takes the values `csit train --mode` takes (it took only ssl|finetune).
    func testModeSpeaksTrainsVocabulary() throws {
        let (status, out) = try CLIRunner.run(["model", "summary", "--preset", "csit-tiny", "--image-size", "32", "--mode", "ssl-ft", "--classes", "3"])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("finetune, 3 classes"), out)
        let (s2, help) = try CLIRunner.run(["model", "summary", "--help"])
        XCTAssertEqual(s2, 0)
        XCTAssertTrue(help.contains("ssl, ft, le, mlp, ssl-ft") && help.contains("Example:"), help)
    }

    func testBadPresetIsAClearError() throws {
        let (status, out) = try CLIRunner.run(["model", "summary", "--preset", "csit-compcat"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("unknown model preset 'csit-compcat' (did you mean 'csit-compact'?)"), out)
        let (s2, o2) = try CLIRunner.run(["model", "summary", "--preset", "csit-tiny", "--image-size", "100"])
        XCTAssertNotEqual(s2, 0)
        XCTAssertTrue(o2.contains("image size 100 is not a positive multiple of the token stride 16"), o2)
    }
}
