import XCTest
import TensorKit
import NeuralKit

/// Optimisers against trajectories recorded from torch.optim (tools/make_fixtures.py).
final class OptimizerTests: XCTestCase {
    struct Fixture: Decodable {
        struct Trajectory: Decodable { let w: [[Float]]; let b: [[Float]] }
        let w0: [Float], b0: [Float], lrs: [Float]
        let grads_w: [[Float]], grads_b: [[Float]]
        let adamw: Trajectory, sgd: Trajectory, sgd_nesterov: Trajectory
    }

    func load() throws -> Fixture {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/optimizers.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func replay(_ fx: Fixture, expected: Fixture.Trajectory, make: ([ParameterGroup]) -> (Float) -> Void,
                file: StaticString = #filePath, line: UInt = #line) {
        let w = Tensor(fx.w0, shape: [4, 3], requiresGrad: true)
        let b = Tensor(fx.b0, shape: [3], requiresGrad: true)
        let groups = ParameterGroup.decaySplit([("fc.weight", w), ("fc.bias", b)], weightDecay: 0.05)
        XCTAssertEqual(groups[0].parameters.map(\.key), ["fc.weight"])
        XCTAssertEqual(groups[1].parameters.map(\.key), ["fc.bias"])
        let step = make(groups)
        for i in 0..<fx.lrs.count {
            w.grad = Tensor(fx.grads_w[i], shape: [4, 3])
            b.grad = Tensor(fx.grads_b[i], shape: [3])
            step(fx.lrs[i])
            for (a, e) in zip(w.scalars, expected.w[i]) { XCTAssertEqual(a, e, accuracy: 2e-6 * max(1, abs(e)), "w step \(i)", file: file, line: line) }
            for (a, e) in zip(b.scalars, expected.b[i]) { XCTAssertEqual(a, e, accuracy: 2e-6 * max(1, abs(e)), "b step \(i)", file: file, line: line) }
        }
    }

    func testAdamWMatchesTorch() throws {
        let fx = try load()
        replay(fx, expected: fx.adamw) { groups in
            let opt = AdamW(groups: groups)
            return { opt.update(lr: $0) }
        }
    }

    func testSGDMatchesTorch() throws {
        let fx = try load()
        replay(fx, expected: fx.sgd) { groups in let o = SGD(groups: groups, momentum: 0.9); return { o.update(lr: $0) } }
        replay(fx, expected: fx.sgd_nesterov) { groups in
            let o = SGD(groups: groups, momentum: 0.9, nesterov: true); return { o.update(lr: $0) }
        }
    }

    func testAdamWStateRoundTrip() throws {
        let fx = try load()
        let w = Tensor(fx.w0, shape: [4, 3], requiresGrad: true)
        let opt = AdamW(groups: [ParameterGroup(parameters: [("w", w)], weightDecay: 0.05)])
        w.grad = Tensor(fx.grads_w[0], shape: [4, 3])
        opt.update(lr: 0.01)
        let state = opt.stateDict()
        XCTAssertEqual(state["step"]?.item, 1)
        XCTAssertEqual(state["w.exp_avg"]?.shape, [4, 3])
        // A restored optimiser continues exactly like the original.
        let w2 = w.copy(); w2.requiresGrad = true
        let opt2 = AdamW(groups: [ParameterGroup(parameters: [("w", w2)], weightDecay: 0.05)])
        opt2.load(state)
        w.grad = Tensor(fx.grads_w[1], shape: [4, 3]); w2.grad = w.grad
        opt.update(lr: 0.02); opt2.update(lr: 0.02)
        XCTAssertEqual(w.scalars, w2.scalars)
    }

    func testCosineScheduleWithWarmup() {
        let s = CosineSchedule(baseLR: 1e-3, minLR: 1e-5, warmupLR: 1e-6, warmupSteps: 10, totalSteps: 110)
        XCTAssertEqual(s.lr(at: 0), 1e-6, accuracy: 1e-12)
        XCTAssertEqual(s.lr(at: 5), 1e-6 + (1e-3 - 1e-6) * 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.lr(at: 10), 1e-3, accuracy: 1e-12)
        XCTAssertEqual(s.lr(at: 60), 1e-5 + 0.5 * (1e-3 - 1e-5), accuracy: 1e-12)
        XCTAssertEqual(s.lr(at: 110), 1e-5, accuracy: 1e-12)
        XCTAssertEqual(s.lr(at: 500), 1e-5, accuracy: 1e-12)
        for i in 10..<110 { XCTAssertGreaterThanOrEqual(s.lr(at: i), s.lr(at: i + 1)) }
        XCTAssertEqual(CosineSchedule.scaledLR(5e-4, batchSize: 120), 5e-4 * 120 / 512, accuracy: 1e-15)
    }

    func testClipGradNorm() {
        let a = Tensor([3, 0], shape: [2], requiresGrad: true), b = Tensor([4], shape: [1], requiresGrad: true)
        a.grad = Tensor([3, 0], shape: [2]); b.grad = Tensor([4], shape: [1])
        XCTAssertEqual(clipGradNorm([a, b], maxNorm: 1), 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad!.scalars[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(b.grad!.scalars[0], 0.8, accuracy: 1e-5)
        XCTAssertEqual(clipGradNorm([a, b], maxNorm: 10), 1, accuracy: 1e-4)
        XCTAssertEqual(b.grad!.scalars[0], 0.8, accuracy: 1e-5, "below the limit nothing changes")
    }
}
