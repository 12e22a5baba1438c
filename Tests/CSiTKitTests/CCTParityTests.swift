import XCTest
import CSiTKit
import NeuralKit
import TensorKit

/// A CCT forward-parity fixture written by tools/make_model_fixtures.py from its PyTorch CCT
/// (the published Compact-Transformers modules and state-dict keys).
struct CCTFixture {
    let weights: [String: Tensor]
    let inputs: [String: Tensor]
    let expected: [String: Tensor]
    let meta: [String: String]

    init(_ name: String) throws {
        let dir = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/\(name)")
        (weights, meta) = try SafeTensors.read(dir.appendingPathComponent("weights.safetensors"))
        inputs = try SafeTensors.read(dir.appendingPathComponent("inputs.safetensors")).0
        expected = try SafeTensors.read(dir.appendingPathComponent("expected.safetensors")).0
    }

    func int(_ key: String) -> Int { Int(meta[key]!)! }

    /// The fixture's configuration: the `cct-14-7x2` architecture at tiny widths.
    var config: CSiTConfig {
        get throws {
            var c = try CSiTConfig.preset("cct-14-7x2", imageSize: int("image_size"))
            c.preset = meta["preset"]!
            (c.dim, c.depth, c.heads, c.mlpRatio) = (int("dim"), int("depth"), int("heads"), int("mlp_ratio"))
            c.tokenizerChannels = int("tokenizer_channels")
            try c.validate()
            return c
        }
    }

    /// The Swift model with the fixture's weights, loaded strictly by checkpoint key.
    func model() throws -> CCTModel {
        var rng = RNG(seed: 1)
        let m = CCTModel(config: try config, classes: int("classes"), rng: &rng)
        try m.load(weights)
        return m
    }
}

final class CCTParityTests: XCTestCase {
    let fixtureName = "cct-test48"

    func testKeysAndShapesMatchPyTorch() throws {
        let fx = try CCTFixture(fixtureName)
        XCTAssertEqual(fx.meta["architecture"], "cct")
        let m = try fx.model()       // strict: every key present, none left over, shapes equal
        XCTAssertEqual(Set(m.namedParameters().map(\.key)), Set(fx.weights.keys))
        XCTAssertEqual(m.parameterCount, fx.weights.values.reduce(0) { $0 + $1.count })
        XCTAssertNil(fx.weights["classifier.blocks.0.self_attn.qkv.bias"], "CCT has no qkv bias")
    }

    func testEvalForwardMatchesPyTorch() throws {
        let fx = try CCTFixture(fixtureName)
        let m = try fx.model()
        m.eval()
        let images = fx.inputs["images"]!
        let B = fx.int("batch")
        XCTAssertEqual(images.shape, [B, 3, fx.int("image_size"), fx.int("image_size")])
        withoutGrad {
            let tokens = m.tokenizer(images)
            assertClose(tokens, fx.expected["tokens"]!, rtol: 1e-4, "cct tokens")
            let block0 = m.classifier.blocks[0](tokens + m.classifier.positionalEmb)
            assertClose(block0, fx.expected["block0"]!, rtol: 1e-4, "cct block0")
            let logits = m(images)
            XCTAssertEqual(logits.shape, [B, fx.int("classes")])
            assertClose(logits, fx.expected["logits"]!, rtol: 1e-4, "cct logits")
        }
    }
}
