import CSiTKit
import Foundation
import TensorKit
import XCTest

/// Checkpoints describe themselves: the card round-trips through safetensors metadata, a
/// damaged card is a clear error, and flags are checked against it.
final class ModelCardTests: XCTestCase {
    func card(_ mode: CSiTModel.Mode = .finetune(classes: 3)) throws -> ModelCard {
        ModelCard(config: try CSiTConfig.preset("csit-tiny", imageSize: 32, tokenStride: 8), mode: mode,
                  classes: mode == .ssl ? [] : ["tumour, grade 2", "stroma", "\"fat\""], mean: [0.485, 0.456, 0.406],
                  std: [0.229, 0.224, 0.225], trainingMode: "ft", runID: "abc", producer: "test")
    }

    func testCardRoundTripsThroughMetadata() throws {
        let c = try card()
        XCTAssertEqual(try ModelCard(metadata: c.metadata, file: "m"), c)
        let ssl = try card(.ssl)
        XCTAssertEqual(try ModelCard(metadata: ssl.metadata, file: "m"), ssl)
        XCTAssertNil(try ModelCard(metadata: ["mode": "ft", "classes": "a|b"], file: "m"), "a pre-card checkpoint has no card")
    }

    func testDamagedCardsAreErrorsNamingTheKey() throws {
        let m = try card().metadata
        func expect(_ change: (inout [String: String]) -> Void, _ message: String, line: UInt = #line) {
            var d = m
            change(&d)
            XCTAssertThrowsError(try ModelCard(metadata: d, file: "m.safetensors"), line: line) {
                XCTAssertEqual("\($0)", message, line: line)
            }
        }
        expect({ $0["format"] = "csit-model-9" }, "m.safetensors: model metadata 'format' = csit-model-9: expected csit-model-1")
        expect({ $0["config"] = "{" }, "m.safetensors: model metadata 'config' = {: expected a model configuration (JSON)")
        expect({ $0["num_classes"] = "4" }, "m.safetensors: model metadata 'num_classes' = 4: expected 3, the number of class names")
        expect({ $0["classes"] = "[\"a\",\"a\"]"; $0["num_classes"] = "2" },
               "m.safetensors: model metadata 'classes' = [\"a\",\"a\"]: expected two or more distinct, non-empty names")
        expect({ $0["heads"] = "detector" }, "m.safetensors: model metadata 'heads' = detector: expected ssl or finetune")
        expect({ $0["std"] = "[0.2, 0, 0.2]" }, "m.safetensors: model metadata 'mean/std' = [0.485, 0.456, 0.406] / [0.2, 0.0, 0.2]: expected three numbers each, std > 0")
        expect({ $0.removeValue(forKey: "config") }, "m.safetensors: model metadata lacks 'config'")
        expect({ $0["training_mode"] = "zzz" }, "m.safetensors: model metadata 'training_mode' = zzz: expected one of ssl, ft, le, mlp, ssl-ft, random-le, random-mlp")
        expect({ $0["classes"] = "[\"a\",\"\",\"c\"]" }, "m.safetensors: model metadata 'classes' = [\"a\",\"\",\"c\"]: expected two or more distinct, non-empty names")
        expect({ $0["config"] = $0["config"]!.replacingOccurrences(of: "\"imageSize\":32", with: "\"imageSize\":8000000") },
               "m.safetensors: model metadata 'config' = image size 8000000 at token stride 8 makes 1000000000000 tokens; at most 16384 (1024 px at stride 8): expected a valid configuration")
    }

    func testFlagsMustAgreeWithTheCard() throws {
        let c = try card()
        XCTAssertEqual(try c.configuration(for: ModelRequest(), file: "m"), c.config)
        XCTAssertEqual(try c.configuration(for: ModelRequest(preset: "csit-tiny", imageSize: 32, tokenStride: 8, classes: 3), file: "m"), c.config)
        func expect(_ r: ModelRequest, _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try c.configuration(for: r, file: "m"), line: line) { XCTAssertEqual("\($0)", message, line: line) }
        }
        expect(ModelRequest(imageSize: 64), "--image-size 64 contradicts the checkpoint's image size 32 (m); "
               + "pass --resize-positions to resize the positional embedding on purpose")
        expect(ModelRequest(tokenStride: 16), "--token-stride 16 contradicts the checkpoint's token stride 8 (m); "
               + "pass --resize-positions to resize the positional embedding on purpose")
        expect(ModelRequest(preset: "csit-compact"), "--preset csit-compact contradicts the checkpoint's preset csit-tiny (m)")
        expect(ModelRequest(representationSize: 1024), "--representation-size 1024 contradicts the checkpoint's representation size none (m)")
        expect(ModelRequest(classes: 9), "a class count of 9 contradicts the checkpoint's 3 classes (tumour, grade 2, stroma, \"fat\") (m)")
        let resized = try c.configuration(for: ModelRequest(imageSize: 64, resizePositions: true), file: "m")
        XCTAssertEqual(resized.imageSize, 64)
        XCTAssertEqual(resized.tokenStride, 8)
    }

    /// A checkpoint written with its card loads with no flags at all; an SSL one is refused
    /// for prediction; a pre-card one needs the class count.
    func testPredictorLoadsFromTheCardAlone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-card-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try card()
        var rng = RNG(seed: 4)
        let model = CSiTModel(config: c.config, mode: c.mode, rng: &rng)
        let url = dir.appendingPathComponent("model.safetensors")
        try SafeTensors.write(model.stateDict(), metadata: c.metadata, to: url)
        let p = try Predictor(checkpoint: url, request: ModelRequest())
        XCTAssertEqual(p.classes, c.classes)
        XCTAssertEqual(p.model.config, c.config)
        XCTAssertEqual(p.card, c)
        let x = Tensor.normal([2, 3, 32, 32], rng: &rng)
        XCTAssertEqual(p.probabilities(x).scalars, Predictor(model: model).probabilities(x).scalars, "the same weights")

        let ssl = try card(.ssl)
        let sslURL = dir.appendingPathComponent("ssl.safetensors")
        try SafeTensors.write(CSiTModel(config: ssl.config, mode: .ssl, rng: &rng).stateDict(), metadata: ssl.metadata, to: sslURL)
        XCTAssertThrowsError(try Predictor(checkpoint: sslURL, request: ModelRequest())) {
            XCTAssertTrue("\($0)".contains("holds SSL pretraining heads"), "\($0)")
        }
        let bare = dir.appendingPathComponent("bare.safetensors")
        try SafeTensors.write(model.stateDict(), to: bare)
        XCTAssertThrowsError(try Predictor(checkpoint: bare, request: ModelRequest())) {
            XCTAssertTrue("\($0)".contains("has no model card (written before cards, or not by csit): give --classes"), "\($0)")
        }
        let legacy = try Predictor(checkpoint: bare, request: ModelRequest(preset: "csit-tiny", imageSize: 32, tokenStride: 8, classes: 3))
        XCTAssertEqual(legacy.classes, ["0", "1", "2"])
        XCTAssertThrowsError(try Predictor(checkpoint: bare, request: ModelRequest(preset: "csit-tiny", imageSize: 64, tokenStride: 8, classes: 3)),
                             "another grid without --resize-positions")
        // Found by review: a card saying depth 2 over four blocks predicted with half the
        // network, silently.
        var shallow = c
        shallow.config.depth = 2
        let lying = dir.appendingPathComponent("lying.safetensors")
        try SafeTensors.write(model.stateDict(), metadata: shallow.metadata, to: lying)
        XCTAssertThrowsError(try Predictor(checkpoint: lying, request: ModelRequest())) {
            XCTAssertTrue("\($0)".contains("expected the architecture of the tensors (unused: blocks.2."), "\($0)")
        }
        // A training-state file is named as one.
        try SafeTensors.write(model.stateDict(), metadata: ["format": "csit-checkpoint-2", "epoch": "0"], to: bare)
        XCTAssertThrowsError(try Predictor(checkpoint: bare, request: ModelRequest())) {
            XCTAssertTrue("\($0)".contains("training-state (resume) heads; use the run's model.safetensors"), "\($0)")
        }
    }
}
