import XCTest
import CSiTKit
import NeuralKit
import TensorKit

/// The model learns: SSL loss falls on a fixed batch; fine-tuning memorises 8 images.
final class OverfitTests: XCTestCase {
    func testThirtySSLStepsLowerTheLossClearly() throws {
        let fx = try ModelFixture("test32-s16")
        let model = try fx.sslModel()
        model.train()
        let opt = AdamW(groups: model.parameterGroups(weightDecay: 0.05))
        let corrupted = fx.inputs["corrupted"]!, clean = fx.inputs["clean"]!, labels = fx.ints("rot.labels")
        var losses: [Float] = []
        for _ in 0..<30 {
            model.zeroGrad()
            let l = model.sslLosses(model.ssl(corrupted), rotationLabels: labels, clean: clean)
            l.total.backward()
            opt.update(lr: 2e-3)
            losses.append(l.total.item)
        }
        XCTAssertTrue(losses.allSatisfy(\.isFinite))
        XCTAssertLessThan(losses.suffix(3).reduce(0, +) / 3, 0.8 * losses[0], "SSL loss \(losses[0]) → \(losses.last!)")
    }

    func testThirtyFinetuneStepsFitEightImages() throws {
        var rng = RNG(seed: 11)
        let cfg = try CSiTConfig.preset("csit-tiny", imageSize: 32, tokenStride: 16)
        let model = CSiTModel(config: cfg, mode: .finetune(classes: 4), rng: &rng)
        model.train()
        let images = Tensor.normal([8, 3, 32, 32], rng: &rng)
        let labels = [0, 1, 2, 3, 3, 2, 1, 0]
        let opt = AdamW(groups: model.parameterGroups(weightDecay: 0.05))
        for _ in 0..<30 {
            model.zeroGrad()
            SSLObjective.finetuneLoss(model.classify(images), labels: labels, labelSmoothing: 0).backward()
            opt.update(lr: 1e-3)
        }
        model.eval()
        let logits = withoutGrad { model.classify(images).logits }
        let predicted = (0..<8).map { b in (0..<4).max { logits[b, $0] < logits[b, $1] }! }
        XCTAssertEqual(predicted, labels)
    }
}
