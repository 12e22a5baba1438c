import XCTest
import CSiTKit
import NeuralKit
import TensorKit

/// The pretext-task ablation: a task turned off adds no loss term and sends no gradient to
/// its head or its scalar; `equal` sums the enabled losses with weight 1.
final class SSLTaskAblationTests: XCTestCase {
    struct Step {
        let model: CSiTModel
        let losses: SSLObjective.Losses
        /// Parameter key → whether it received a gradient.
        let graded: [String: Bool]
    }

    /// One forward and backward pass of a fresh tiny SSL model on a fixed batch.
    func step(_ tasks: SSLTaskSet, _ weighting: SSLLossWeighting) throws -> Step {
        var rng = RNG(seed: 7)
        let model = CSiTModel(config: try CSiTConfig.preset("csit-tiny", imageSize: 32, tokenStride: 16), mode: .ssl, rng: &rng)
        model.eval()
        let corrupted = Tensor.normal([4, 3, 32, 32], rng: &rng), clean = Tensor.normal([4, 3, 32, 32], rng: &rng)
        let losses = model.sslLosses(model.ssl(corrupted), rotationLabels: [0, 1, 2, 3], clean: clean, tasks: tasks, weighting: weighting)
        losses.total.backward()
        let graded = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.tensor.grad != nil) })
        return Step(model: model, losses: losses, graded: graded)
    }

    func testTaskSetTextIsCanonicalAndRefusesRepeatsAndEmpties() {
        XCTAssertEqual(SSLTaskSet(text: "reconstruction,rotation")?.text, "rotation,reconstruction")
        XCTAssertEqual(SSLTaskSet(text: "rotation,contrastive,reconstruction"), .all)
        for bad in ["", "rotation,rotation", "rotation,", "spin"] { XCTAssertNil(SSLTaskSet(text: bad), bad) }
        XCTAssertNil(SSLTaskSet([]))
    }

    func testAllThreeUncertaintyIsThePublishedFormula() throws {
        let s = try step(.all, .uncertainty)
        let (rot, con, rec) = (s.losses.rotation!.item, s.losses.contrastive!.item, s.losses.reconstruction!.item)
        // Scalars at their init 1: e^-1·L_rot + ½ + e^-1·L_con + ½ + e^-½·L_rec + ½.
        let expected = exp(-1) * rot + exp(-1) * con + exp(-0.5) * rec + 1.5
        XCTAssertEqual(s.losses.total.item, expected, accuracy: 1e-5 * expected)
        XCTAssertEqual(Set(s.losses.parts.keys), ["rot", "con", "rec"])
        for key in ["rot_w", "contrastive_w", "recons_w", "rot_head.weight", "contrastive_head.weight", "convTrans.weight"] {
            XCTAssertEqual(s.graded[key], true, key)
        }
    }

    func testATaskTurnedOffHasNoLossAndNoGradient() throws {
        let s = try step(SSLTaskSet([.reconstruction])!, .uncertainty)
        XCTAssertNil(s.losses.rotation)
        XCTAssertNil(s.losses.contrastive)
        let rec = s.losses.reconstruction!.item
        XCTAssertEqual(s.losses.total.item, exp(-0.5) * rec + 0.5, accuracy: 1e-5)
        XCTAssertEqual(Array(s.losses.parts.keys), ["rec"], "only enabled parts are logged")
        for key in ["rot_w", "contrastive_w", "rot_head.weight", "rot_head.bias", "contrastive_head.weight"] {
            XCTAssertEqual(s.graded[key], false, "\(key) got a gradient from a task that is off")
        }
        for key in ["recons_w", "convTrans.weight", "blocks.0.attn.qkv.weight"] { XCTAssertEqual(s.graded[key], true, key) }

        let noRec = try step(SSLTaskSet([.rotation, .contrastive])!, .uncertainty)
        XCTAssertNil(noRec.losses.reconstruction)
        XCTAssertEqual(noRec.graded["convTrans.weight"], false)
        XCTAssertEqual(noRec.graded["recons_w"], false)
    }

    func testEqualWeightingSumsTheEnabledLossesAndTrainsNoScalar() throws {
        let all = try step(.all, .equal)
        let sum = all.losses.rotation!.item + all.losses.contrastive!.item + all.losses.reconstruction!.item
        XCTAssertEqual(all.losses.total.item, sum, accuracy: 1e-5 * sum)
        for key in ["rot_w", "contrastive_w", "recons_w"] { XCTAssertEqual(all.graded[key], false, key) }
        let pair = try step(SSLTaskSet([.contrastive, .rotation])!, .equal)
        XCTAssertEqual(pair.losses.total.item, pair.losses.rotation!.item + pair.losses.contrastive!.item, accuracy: 1e-5)
        // The same batch and weights: the enabled losses do not depend on what else is on.
        XCTAssertEqual(pair.losses.rotation!.item, all.losses.rotation!.item)
    }
}
