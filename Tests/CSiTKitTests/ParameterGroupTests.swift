import XCTest
import CSiTKit
import NeuralKit
import TensorKit

/// The paper's AdamW groups: decay on weight matrices and kernels only.
final class ParameterGroupTests: XCTestCase {
    func testDecayReachesWeightsAndNeverEmbeddingsTokensNormsOrBiases() throws {
        var rng = RNG(seed: 1)
        let model = CSiTModel(config: try CSiTConfig.preset("csit-tiny", imageSize: 32, tokenStride: 8), mode: .ssl, rng: &rng)
        let groups = model.parameterGroups(weightDecay: 0.05)
        XCTAssertEqual(groups.map(\.weightDecay), [0.05, 0])
        let decayed = Set(groups[0].parameters.map(\.key)), plain = Set(groups[1].parameters.map(\.key))
        XCTAssertEqual(decayed.count + plain.count, model.namedParameters().count, "every parameter is in one group")
        for key in ["pos_embed", "rot_token", "contrastive_token", "rot_w", "contrastive_w", "recons_w"] {
            let full = try XCTUnwrap(model.namedParameters().map(\.key).first { $0 == key || $0.hasSuffix("." + key) }, key)
            XCTAssertTrue(plain.contains(full), "\(full) must not decay")
        }
        for (key, t) in model.namedParameters() {
            if t.rank <= 1 || key.hasSuffix(".bias") { XCTAssertTrue(plain.contains(key), "\(key) must not decay") }
        }
        XCTAssertTrue(decayed.contains { $0.hasSuffix("qkv.weight") })

        // With zero gradients one AdamW step is pure decoupled decay: w ← w (1 − lr·wd) in the
        // decay group, unchanged elsewhere.
        let before = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.tensor.copy()) })
        for (_, t) in model.namedParameters() { t.grad = Tensor(zeros: t.shape) }
        AdamW(groups: groups).update(lr: 0.1)
        for (key, t) in model.namedParameters() {
            let factor: Float = decayed.contains(key) ? 1 - 0.1 * 0.05 : 1
            for (a, w) in zip(t.scalars, before[key]!.scalars) { XCTAssertEqual(a, w * factor, accuracy: 1e-7, key) }
        }
    }
}
