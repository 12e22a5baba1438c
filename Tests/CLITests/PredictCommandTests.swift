import HistoData
import TensorKit
import XCTest

/// `csit predict` end to end against PyTorch: the fixture's fine-tune images, written as
/// PNG files, must get PyTorch's probabilities (torch_csit.py on the same weights).
final class PredictCommandTests: XCTestCase {
    /// The model parity fixture, read from the source tree.
    let fx = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("CSiTKitTests/Fixtures/test32-s16")

    func testPredictMatchesPyTorchProbabilities() throws {
        let inputs = try SafeTensors.read(fx.appendingPathComponent("inputs.safetensors")).tensors
        let expected = try SafeTensors.read(fx.appendingPathComponent("expected.safetensors")).tensors
        let views = inputs["views.uint8"]!                  // [2B, 3, 32, 32]; ft.images = views[0..<B]
        let B = inputs["ft.labels"]!.count, S = 32
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-predict-\(getpid())")
        let images = dir.appendingPathComponent("slides, batch 1")   // a comma: the CSV must quote
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for b in 0..<B {
            var im = RGBImage(width: S, height: S)
            for y in 0..<S { for x in 0..<S { for c in 0..<3 { im[y, x, c] = UInt8(views[b, c, y, x]) } } }
            try ImageEncoder.writePNG(im, to: images.appendingPathComponent("view\(b).png"))
        }
        let csv = dir.appendingPathComponent("preds.csv")
        let (status, out) = try CLIRunner.run([
            "predict", "--checkpoint", fx.appendingPathComponent("weights_finetune.safetensors").path,
            "--preset", "csit-tiny", "--dim", "48", "--depth", "2", "--heads", "2", "--mlp-ratio", "2",
            "--image-size", "32", "--token-stride", "16", "--classes", "2",
            "--images", dir.path, "--output", csv.path])
        XCTAssertEqual(status, 0, out)
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "path,pred,pred_name,prob_0,prob_1")
        XCTAssertEqual(lines.count, B + 1)
        let probs = expected["ft.probs"]!
        for b in 0..<B {
            XCTAssertTrue(lines[b + 1].hasPrefix("\"slides, batch 1/view\(b).png\","), lines[b + 1])
            let fields = lines[b + 1].split(separator: ",").suffix(3).map(String.init)
            let p = fields.suffix(2).map { Float($0)! }
            XCTAssertEqual(p[0], probs[b, 0], accuracy: 2e-5)
            XCTAssertEqual(p[1], probs[b, 1], accuracy: 2e-5)
            XCTAssertEqual(Int(fields[0])!, probs[b, 1] > probs[b, 0] ? 1 : 0)
        }
    }

    func testPredictRejectsHeadsOfAnotherClassCount() throws {
        let (status, out) = try CLIRunner.run([
            "predict", "--checkpoint", fx.appendingPathComponent("weights_finetune.safetensors").path,
            "--preset", "csit-tiny", "--dim", "48", "--depth", "2", "--heads", "2", "--mlp-ratio", "2",
            "--image-size", "32", "--classes", "5", "--images", fx.path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("rot_head.weight") && out.contains("[2, 48]"), out)
    }
}
