import XCTest
import TensorKit
import NeuralKit

/// A small tree with the shapes of real checkpoint keys.
final class Block: Module {
    let norm1: LayerNorm
    let fc: Linear
    init(rng: inout RNG) {
        norm1 = LayerNorm(4)
        fc = Linear(4, 3, rng: &rng)
    }
}

final class Net: Module {
    let patchEmbed: Conv2d
    let token: Tensor
    let blocks: [Block]
    let head: Linear?
    var _scratch = Tensor(zeros: [1])   // underscore: not a parameter
    override var keyOverrides: [String: String] { ["patchEmbed": "patch_embed"] }
    init(rng: inout RNG) {
        patchEmbed = Conv2d(3, 4, kernel: 3, rng: &rng)
        token = Tensor(zeros: [1, 1, 4], requiresGrad: true)
        blocks = [Block(rng: &rng), Block(rng: &rng)]
        head = Linear(4, 2, bias: false, rng: &rng)
    }
}

final class ModuleTests: XCTestCase {
    func testKeysFollowDeclarationOrderAndOverrides() {
        var rng = RNG(seed: 0)
        let net = Net(rng: &rng)
        XCTAssertEqual(net.namedParameters().map(\.key), [
            "patch_embed.weight", "token",
            "blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.fc.weight", "blocks.0.fc.bias",
            "blocks.1.norm1.weight", "blocks.1.norm1.bias", "blocks.1.fc.weight", "blocks.1.fc.bias",
            "head.weight",
        ])
        XCTAssertEqual(net.parameterCount, 108 + 4 + 2 * (8 + 15) + 8)
    }

    func testFreezeTrainEvalAndLoad() throws {
        var rng = RNG(seed: 0)
        let net = Net(rng: &rng)
        net.blocks[0].freeze()
        XCTAssertEqual(net.trainableParameters.count, 7)
        let x = Tensor.uniform([2, 4], rng: &rng)
        (net.blocks[1].fc(net.blocks[0].norm1(x)).sum() + net.blocks[0].fc(x).sum()).backward()
        XCTAssertNil(net.blocks[0].fc.weight.grad, "frozen parameters get no gradient")
        XCTAssertNil(net.blocks[0].norm1.weight.grad)
        XCTAssertNotNil(net.blocks[1].fc.weight.grad)
        net.unfreeze()
        XCTAssertEqual(net.trainableParameters.count, 11)

        net.eval()
        XCTAssertFalse(net.blocks[1].fc.training)
        net.train()
        XCTAssertTrue(net.blocks[1].norm1.training)

        var rng2 = RNG(seed: 1)
        let other = Net(rng: &rng2)
        XCTAssertNotEqual(other.head!.weight.scalars, net.head!.weight.scalars)
        try other.load(net.stateDict())
        XCTAssertEqual(other.head!.weight.scalars, net.head!.weight.scalars)

        var state = net.stateDict()
        state["head.weight"] = Tensor(zeros: [3, 4])
        XCTAssertThrowsError(try other.load(state)) { error in
            XCTAssertEqual(error as? ModuleError, .shapeMismatch(key: "head.weight", expected: [2, 4], found: [3, 4]))
        }
        XCTAssertNoThrow(try other.load(state, strict: false))
        state["extra"] = Tensor(zeros: [1])
        state["head.weight"] = nil
        XCTAssertThrowsError(try other.load(state)) { XCTAssertEqual($0 as? ModuleError, .missingKey("head.weight")) }
    }

    func testInitialisationLaws() {
        var rng = RNG(seed: 3)
        let lin = Linear(192, 576, rng: &rng)
        let w = lin.weight.scalars
        let mean = w.reduce(0, +) / Float(w.count)
        let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(w.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.0005)
        XCTAssertEqual(lin.bias!.scalars, [Float](repeating: 0, count: 576))
        let conv = Conv2d(64, 192, kernel: 7, stride: 2, padding: 3, rng: &rng)
        let c = conv.weight.scalars
        let cstd = (c.map { $0 * $0 }.reduce(0, +) / Float(c.count)).squareRoot()
        XCTAssertEqual(cstd, (2.0 / Float(64 * 49)).squareRoot(), accuracy: 0.0005)
        XCTAssertNil(conv.bias)
    }

    func testDropModulesAreIdentityInEval() {
        let x = Tensor(repeating: 1, shape: [8, 5])
        let d = Dropout(0.5, rng: RNG(seed: 1)), p = DropPath(0.5, rng: RNG(seed: 1))
        XCTAssertNotEqual(d(x).scalars, x.scalars)
        XCTAssertNotEqual(p(x).scalars, x.scalars)
        d.eval(); p.eval()
        XCTAssertEqual(d(x).scalars, x.scalars)
        XCTAssertEqual(p(x).scalars, x.scalars)
    }

    func testPatchConvTransposeMatchesDefinition() {
        var rng = RNG(seed: 4)
        let layer = PatchConvTranspose2d(5, 3, patch: 2, rng: &rng)
        let tokens = Tensor.uniform([2, 6, 5], -1, 1, rng: &rng)   // grid 2×3
        let y = layer(tokens, gridHeight: 2, gridWidth: 3)
        XCTAssertEqual(y.shape, [2, 3, 4, 6])
        for b in 0..<2 { for c in 0..<3 { for h in 0..<4 { for w in 0..<6 {
            let (i, u, j, v) = (h / 2, h % 2, w / 2, w % 2)
            var ref = layer.bias[c]
            for k in 0..<5 { ref += tokens[b, i * 3 + j, k] * layer.weight[k, c, u, v] }
            XCTAssertEqual(y[b, c, h, w], ref, accuracy: 1e-5)
        } } } }
    }
}

