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
        // Found by review: 100,000 px crashed (signal 11) building the positional embedding.
        let (s3, o3) = try CLIRunner.run(["model", "summary", "--preset", "csit-tiny", "--image-size", "100000", "--token-stride", "8"])
        XCTAssertEqual(s3, 64, o3)
        XCTAssertTrue(o3.contains("makes 156250000 tokens; at most 16384"), o3)
        // An MLP probe has the paper's R = 1024 (the summary left it out).
        let (s4, o4) = try CLIRunner.run(["model", "summary", "--preset", "csit-tiny", "--image-size", "32", "--token-stride", "8",
                                          "--mode", "mlp", "--classes", "4"])
        XCTAssertEqual(s4, 0, o4)
        XCTAssertTrue(o4.contains("pre-logits            133,120"), o4)   // 2 × (64·1024 + 1024): R = 1024
    }
}
