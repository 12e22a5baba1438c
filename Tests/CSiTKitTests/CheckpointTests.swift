import XCTest
import CSiTKit
import NeuralKit
import TensorKit

final class CheckpointTests: XCTestCase {
    func testFinetuneFromSSLCheckpointDropsAndIgnoresHeads() throws {
        let fx = try ModelFixture("test32-s8-r16")
        var rng = RNG(seed: 3)
        var cfg = fx.config
        cfg.representationSize = nil
        let ft = CSiTModel(config: cfg, mode: .finetune(classes: 7), rng: &rng)
        var state = fx.weights
        state["last_fc.weight"] = Tensor(zeros: [1, 48])     // the published unused head
        let report = try ft.loadPretrained(state, source: "ssl.safetensors")
        XCTAssertEqual(Set(report.droppedHeads), ["rot_head.weight", "rot_head.bias", "contrastive_head.weight", "contrastive_head.bias"])
        XCTAssertEqual(Set(report.ignored), ["convTrans.weight", "convTrans.bias", "rot_w", "contrastive_w", "recons_w", "last_fc.weight"])
        XCTAssertTrue(report.loaded.contains("blocks.1.mlp.fc2.weight"))
        XCTAssertEqual(ft.blocks[1].mlp.fc2.weight.scalars, fx.weights["blocks.1.mlp.fc2.weight"]!.scalars)
        // A backbone tensor of the wrong shape is an error naming file and key.
        state["blocks.0.norm1.weight"] = Tensor(zeros: [12])
        XCTAssertThrowsError(try ft.loadPretrained(state, source: "ssl.safetensors")) {
            XCTAssertEqual($0 as? CheckpointError,
                           .shapeMismatch(key: "blocks.0.norm1.weight", expected: [48], found: [12], file: "ssl.safetensors"))
        }
        state["blocks.0.norm1.weight"] = nil
        XCTAssertThrowsError(try ft.loadPretrained(state)) {
            XCTAssertEqual($0 as? CheckpointError, .missingBackbone(key: "blocks.0.norm1.weight", file: "checkpoint"))
        }
    }

    func testPositionalEmbeddingIsResizedForAnotherGrid() throws {
        let fx = try ModelFixture("test32-s8-r16")       // grid 4×4
        var rng = RNG(seed: 3)
        var cfg = fx.config
        cfg.imageSize = 48                                // grid 6×6
        cfg.representationSize = nil
        let m = CSiTModel(config: cfg, mode: .finetune(classes: 2), rng: &rng)
        let report = try m.loadPretrained(fx.weights)
        XCTAssertEqual(report.resized, ["pos_embed"])
        XCTAssertEqual(m.posEmbed.shape, [1, 38, 48])
        let src = fx.weights["pos_embed"]!
        XCTAssertEqual(Array(m.posEmbed.scalars[0..<96]), Array(src.scalars[0..<96]), "special rows kept")
        // The grid part is torch's bicubic resize of each channel's 4×4 map.
        let grid = src.narrow(axis: 1, start: 2, length: 16).reshaped([4, 4, 48]).permuted([2, 0, 1])
        let expected = grid.resizedBicubic(height: 6, width: 6)
        for c in [0, 17, 47] { for (i, j) in [(0, 0), (2, 5), (5, 3)] {
            XCTAssertEqual(m.posEmbed[0, 2 + i * 6 + j, c], expected[c, i, j], accuracy: 1e-6)
        } }
        _ = withoutGrad { m.classify(Tensor(zeros: [1, 3, 48, 48])) }
    }

    func testSafetensorsRoundTripOfAModel() throws {
        var rng = RNG(seed: 8)
        let cfg = try CSiTConfig.preset("csit-tiny", imageSize: 32, tokenStride: 16)
        let a = CSiTModel(config: cfg, mode: .ssl, rng: &rng)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csit-model-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(a.stateDict(), to: url)
        let b = CSiTModel(config: cfg, mode: .ssl, rng: &rng)
        try b.load(SafeTensors.read(url).tensors)
        XCTAssertEqual(a.stateDict()["blocks.2.attn.qkv.weight"]!.scalars, b.stateDict()["blocks.2.attn.qkv.weight"]!.scalars)
    }
}
