import XCTest
import CSiTKit
import NeuralKit
import TensorKit

/// A PyTorch parity fixture written by tools/make_model_fixtures.py.
struct ModelFixture {
    let weights: [String: Tensor]
    let weightsFinetune: [String: Tensor]
    let inputs: [String: Tensor]
    let expected: [String: Tensor]
    let meta: [String: String]

    init(_ name: String) throws {
        let dir = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/\(name)")
        func read(_ f: String) throws -> ([String: Tensor], [String: String]) {
            try SafeTensors.read(dir.appendingPathComponent(f))
        }
        (weights, meta) = try read("weights.safetensors")
        weightsFinetune = try read("weights_finetune.safetensors").0
        inputs = try read("inputs.safetensors").0
        expected = try read("expected.safetensors").0
    }

    var batch: Int { Int(meta["batch"]!)! }
    var classes: Int { Int(meta["classes"]!)! }

    /// The fixture's configuration (the extra `csit-test` preset: d 48, L 2, h 2, ratio 2).
    var config: CSiTConfig {
        var c = CSiTConfig(preset: "csit-test", dim: 48, depth: 2, heads: 2, mlpRatio: 2,
                           imageSize: Int(meta["image_size"]!)!, tokenStride: Int(meta["token_stride"]!)!)
        let r = Int(meta["representation_size"]!)!
        c.representationSize = r > 0 ? r : nil
        return c
    }

    func ints(_ key: String) -> [Int] { inputs[key]!.scalars.map { Int($0) } }

    func sslModel() throws -> CSiTModel {
        var rng = RNG(seed: 1)
        var c = config
        c.representationSize = nil        // the SSL weights have no R layers
        let m = CSiTModel(config: c, mode: .ssl, rng: &rng)
        try m.load(weights)
        return m
    }

    func finetuneModel() throws -> CSiTModel {
        var rng = RNG(seed: 1)
        let m = CSiTModel(config: config, mode: .finetune(classes: classes), rng: &rng)
        try m.load(weightsFinetune)
        return m
    }
}

/// Asserts `actual` ≈ `expected` with error at most `rtol` relative to the expected
/// tensor's largest magnitude (so near-zero entries are judged on the tensor's scale).
func assertClose(_ actual: Tensor, _ expected: Tensor, rtol: Float, _ name: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(name): \(actual.shape) vs \(expected.shape)", file: file, line: line)
    guard actual.count == expected.count else { return }
    let scale = max(expected.scalars.map(abs).max() ?? 0, 1e-12)
    var worst: Float = 0
    for (a, e) in zip(actual.scalars, expected.scalars) { worst = max(worst, abs(a - e)) }
    XCTAssertLessThanOrEqual(worst / scale, rtol, "\(name): max error \(worst) on scale \(scale)", file: file, line: line)
}
