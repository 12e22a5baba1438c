import XCTest
import CSiTKit
import NeuralKit
import TensorKit

/// Forward, losses, gradients and an optimiser step against PyTorch (torch_csit.py).
final class ParityTests: XCTestCase {
    let fixtureNames = ["test32-s8-r16", "test32-s16"]

    func testCheckpointKeysAndLayoutsMatchPyTorch() throws {
        for name in fixtureNames {
            let fx = try ModelFixture(name)
            // Strict loads: every key present, none left over, every shape equal.
            XCTAssertNoThrow(try fx.sslModel(), name)
            XCTAssertNoThrow(try fx.finetuneModel(), name)
        }
    }

    func testSSLForwardLossesAndGradients() throws {
        for name in fixtureNames {
            let fx = try ModelFixture(name)
            let model = try fx.sslModel()
            model.eval()
            var acts: [String: Tensor] = [:]
            let out = model.ssl(fx.inputs["corrupted"]!) { acts[$0] = $1 }
            assertClose(acts["tokens"]!, fx.expected["ssl.act.tokens"]!, rtol: 1e-4, "\(name) tokens")
            assertClose(acts["block0"]!, fx.expected["ssl.act.block0"]!, rtol: 1e-4, "\(name) block0")
            assertClose(acts["final"]!, fx.expected["ssl.act.final"]!, rtol: 1e-4, "\(name) final")
            assertClose(out.rotation, fx.expected["ssl.rot_logits"]!, rtol: 1e-4, "\(name) rotation")
            assertClose(out.contrastive, fx.expected["ssl.contrastive"]!, rtol: 1e-4, "\(name) contrastive")
            assertClose(out.reconstruction, fx.expected["ssl.recon"]!, rtol: 1e-4, "\(name) recon")
            let losses = model.sslLosses(out, rotationLabels: fx.ints("rot.labels"), clean: fx.inputs["clean"]!)
            for (key, t) in [("rot", losses.rotation!), ("contrastive", losses.contrastive!),
                             ("recons", losses.reconstruction!), ("total", losses.total)] {
                XCTAssertEqual(t.item, fx.expected["ssl.loss.\(key)"]!.item,
                               accuracy: 1e-4 * abs(fx.expected["ssl.loss.\(key)"]!.item), "\(name) loss \(key)")
            }
            losses.total.backward()
            let params = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.tensor) })
            var checked = 0
            for (key, expected) in fx.expected where key.hasPrefix("ssl.grad.") {
                let p = String(key.dropFirst("ssl.grad.".count))
                let g = try XCTUnwrap(params[p]?.grad, "\(name): no gradient for \(p)")
                assertClose(g, expected, rtol: 1e-3, "\(name) grad \(p)")
                checked += 1
            }
            XCTAssertEqual(checked, params.count, "every parameter's gradient is compared")

            // One AdamW step from these gradients, with the paper's groups. A first Adam step
            // moves each weight by about lr·g/(|g| + eps): where PyTorch's gradient is float
            // noise (|g| ≲ 1e-6, e.g. the key bias, whose exact gradient is zero) the step's
            // size is arbitrary, so those elements are held only to a step of at most lr.
            // Elsewhere the step agrees to 1e-4·lr, tight enough to see the decay term
            // lr·wd·w (5e-5·|w| per unit lr) on every weight with |w| ≳ 2e-3.
            let before = Dictionary(uniqueKeysWithValues: params.map { ($0.key, $0.value.copy()) })
            let opt = AdamW(groups: model.parameterGroups(weightDecay: 0.05))
            let lr: Float = 1e-3
            opt.update(lr: lr)
            var compared = 0
            for (key, expected) in fx.expected where key.hasPrefix("ssl.adamw1.") {
                let p = String(key.dropFirst("ssl.adamw1.".count))
                let g = fx.expected["ssl.grad.\(p)"]!.scalars
                let start = before[p]!.scalars
                for (i, (a, e)) in zip(params[p]!.scalars, expected.scalars).enumerated() {
                    let w0 = start[i]
                    if abs(g[i]) > 1e-6 {
                        XCTAssertEqual(a - w0, e - w0, accuracy: 1e-4 * lr, "\(name) adamw \(p)[\(i)]")
                        compared += 1
                    } else {
                        XCTAssertLessThanOrEqual(abs(a - w0), 1.01 * lr + 1e-7, "\(name) adamw \(p)[\(i)]")
                    }
                }
            }
            XCTAssertGreaterThan(compared, 1000)
        }
    }

    func testTrainModeWithPinnedDropPath() throws {
        let fx = try ModelFixture("test32-s8-r16")
        let model = try fx.sslModel()
        model.train()
        let m = fx.inputs["droppath.masks"]!   // [L, 2, 2B]
        let (L, V) = (m.shape[0], m.shape[2])
        model.pinDropPath((0..<L).map { l in (0..<2).map { b in (0..<V).map { m[l, b, $0] } } })
        let out = model.ssl(fx.inputs["corrupted"]!)
        assertClose(out.rotation, fx.expected["ssl_train.rot_logits"]!, rtol: 1e-4, "train rotation")
        assertClose(out.contrastive, fx.expected["ssl_train.contrastive"]!, rtol: 1e-4, "train contrastive")
        assertClose(out.reconstruction, fx.expected["ssl_train.recon"]!, rtol: 1e-4, "train recon")
        let losses = model.sslLosses(out, rotationLabels: fx.ints("rot.labels"), clean: fx.inputs["clean"]!)
        XCTAssertEqual(losses.total.item, fx.expected["ssl_train.loss.total"]!.item, accuracy: 1e-4)
        losses.total.backward()
        let params = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.tensor) })
        for (key, expected) in fx.expected where key.hasPrefix("ssl_train.grad.") {
            let p = String(key.dropFirst("ssl_train.grad.".count))
            assertClose(params[p]!.grad!, expected, rtol: 1e-3, "train grad \(p)")
        }
    }

    func testFinetuneLogitsLossAndGradients() throws {
        for name in fixtureNames {
            let fx = try ModelFixture(name)
            let model = try fx.finetuneModel()
            model.eval()
            let out = model.classify(fx.inputs["ft.images"]!)
            assertClose(out.rotation, fx.expected["ft.rot_logits"]!, rtol: 1e-4, "\(name) ft rot")
            assertClose(out.contrastive, fx.expected["ft.contrastive_logits"]!, rtol: 1e-4, "\(name) ft con")
            assertClose(out.logits, fx.expected["ft.logits"]!, rtol: 1e-4, "\(name) ft logits")
            assertClose(withoutGrad { out.logits.softmax() }, fx.expected["ft.probs"]!, rtol: 1e-4, "\(name) probs")
            let labels = fx.ints("ft.labels")
            let plain = withoutGrad { SSLObjective.finetuneLoss(out, labels: labels, labelSmoothing: 0) }
            XCTAssertEqual(plain.item, fx.expected["ft.loss_plain"]!.item, accuracy: 1e-4 * fx.expected["ft.loss_plain"]!.item)
            let loss = SSLObjective.finetuneLoss(out, labels: labels, labelSmoothing: 0.1)
            XCTAssertEqual(loss.item, fx.expected["ft.loss"]!.item, accuracy: 1e-4 * fx.expected["ft.loss"]!.item)
            loss.backward()
            // Every parameter of the fine-tune model is trainable, and the fixture holds the
            // gradient of each (backbone, representation layers, both heads).
            let params = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.tensor) })
            var checked = 0
            for (key, expected) in fx.expected where key.hasPrefix("ft.grad.") {
                let p = String(key.dropFirst("ft.grad.".count))
                let g = try XCTUnwrap(params[p]?.grad, "\(name): no gradient for \(p)")
                assertClose(g, expected, rtol: 1e-3, "\(name) ft grad \(p)")
                checked += 1
            }
            XCTAssertEqual(checked, params.count, "\(name): every fine-tune parameter's gradient is compared")
        }
    }
}
