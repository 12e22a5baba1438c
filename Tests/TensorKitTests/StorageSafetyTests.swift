import Foundation
import XCTest
import TensorKit

/// The storage rule: a backward closure reaches memory only through tensors it captures,
/// so nothing it reads can go back to the pool before it runs. TensorKit is compiled
/// `-Ounchecked`; a slip here is silent corruption, not a trap.
final class StorageSafetyTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    // MARK: The source rule

    func testBackwardClosuresDeriveTheirPointersInside() throws {
        let dir = Self.root.appendingPathComponent("Sources/TensorKit")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".swift") }.sorted()
        var closures = 0, found: [String] = []
        for f in files {
            let source = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            let scan = BackwardClosureScanner(file: "Sources/TensorKit/\(f)", source: source)
            closures += scan.backwardClosures.count
            found += scan.violations().map(\.description)
        }
        XCTAssertGreaterThanOrEqual(closures, 30, "the scanner no longer finds TensorKit's backward closures")
        XCTAssert(found.isEmpty, """
            A backward closure may only use raw pointers it derives from tensors it captures \
            (a pointer does not keep its buffer out of the pool):
            \(found.joined(separator: "\n"))
            """)
    }

    func scan(_ source: String) -> [String] {
        BackwardClosureScanner(file: "x.swift", source: source).violations().map { "\($0.name)@\($0.line)" }
    }

    func testScannerFlagsOuterPointers() {
        let source = """
            extension Tensor {
                func op(weight: Tensor?, raw: UnsafePointer<Float>) -> Tensor {
                    let xp = data, out = Tensor(uninitializedShape: shape)   // { not a block
                    let label = "} nor this \\(shape.map { "{" })", wp = weight?.data
                    let yp = out.data + 1, n = count
                    return out.recorded([self]) { g in
                        let gx = Tensor(uninitializedShape: self.shape)
                        Parallel.forEach(n) { r in gx.data[0] = xp[0] * yp[0] + raw[0] }
                        if let wp { gx.data[0] += wp[0] }
                        return [gx]
                    }
                }
                func other() -> Tensor {
                    let pw = partial.map { $0.data + 1 }
                    return out.recorded([self], { [q = self.data] g in [g.scaled(pw[0] + q[0])] })
                }
            }
            """
        XCTAssertEqual(scan(source), ["xp@8", "yp@8", "raw@8", "wp@9", "q@15", "pw@15"])
    }

    func testScannerAcceptsPointersDerivedInside() {
        let source = """
            extension Tensor {
                func op(weight: Tensor?) -> Tensor {
                    let xp = data, wp = weight?.data
                    let out = Tensor(uninitializedShape: shape)
                    if let wp { out.data[0] = xp[0] * wp[0] }
                    return out.recorded([self]) { [unowned out] g in
                        let xp = self.data, yp = out.data, wp = weight?.data
                        if let wp { g.data[0] = xp[0] * yp[0] * wp[0] }
                        for xp in [1] { _ = xp }
                        return [g]
                    }
                }
            }
            """
        XCTAssertEqual(scan(source), [])
    }

    // MARK: The rule at run time

    /// Ops whose backward reads their own output capture it `unowned`: the output owns the
    /// closure, so a strong capture would keep a graph nobody backpropagates alive forever.
    func testUnusedGraphIsFreed() {
        let x = GradientCheck.random([4, 6])
        x.requiresGrad = true
        let ops: [(String, (Tensor) -> Tensor)] = [
            ("exp", { $0.exp() }), ("relu", { $0.relu() }), ("tanh", { $0.tanh() }), ("softmax", { $0.softmax() }),
            ("logSoftmax", { $0.logSoftmax() }), ("l2Normalized", { $0.l2Normalized() }), ("divide", { $0 / ($0 + 5) }),
        ]
        for (name, op) in ops {
            weak var output: Tensor?
            do { let y = op(x); output = y; XCTAssertTrue(y.requiresGrad) }
            XCTAssertNil(output, "\(name): a forward that is never backpropagated must be freed")
        }
    }

    /// Drains the pool's free lists of every size up to `maxCount`, poisons what it took
    /// and hands it back: a buffer an op let go of now holds `value`, wherever it was.
    static func churnPool(upTo maxCount: Int, value: Float) {
        let pool = ComputeContext.current.pool
        for n in 1...maxCount {
            var taken: [UnsafeMutablePointer<Float>] = []
            while true {
                let fresh = pool.freshAllocations
                taken.append(pool.acquire(n))
                if pool.freshAllocations != fresh { break }
            }
            for p in taken { p.update(repeating: value, count: n); pool.release(p, count: n) }
        }
    }

    /// Gradients of `leaves` after `loss` runs forward, every reference but the loss's
    /// graph is dropped, and (with `churn`) the pool is churned before backward.
    func gradients(_ leaves: () -> [Tensor], churn: Bool, _ loss: ([Tensor]) -> Tensor) -> [[UInt32]] {
        let inputs = leaves()
        for t in inputs { t.requiresGrad = true }
        let l = loss(inputs)
        if churn {
            Self.churnPool(upTo: 4096, value: .nan)
            Self.churnPool(upTo: 4096, value: -1e30)
        }
        l.backward()
        defer { if churn { ComputeContext.current.pool.drain() } }
        return inputs.map { $0.grad?.scalars.map(\.bitPattern) ?? [] }
    }

    func testBackwardSurvivesPoolChurnWithOnlyTheLossHeld() {
        func rand(_ shapes: [Int]...) -> () -> [Tensor] {
            { shapes.enumerated().map { GradientCheck.random($1, seed: UInt64(20 + $0)) } }
        }
        let distinct = { [GradientCheck.distinct([1, 2, 16, 16])] }
        // Inputs pass through `fresh` so that only the graph holds them.
        func fresh(_ t: Tensor) -> Tensor { t * 1 }
        func weighted(_ y: Tensor) -> Tensor {
            var rng = RNG(seed: 5, stream: "weights")
            return (y * Tensor.uniform(y.shape, -1, 1, rng: &rng)).sum()
        }
        let cases: [(String, () -> [Tensor], ([Tensor]) -> Tensor)] = [
            ("attention", rand([2, 5, 12]), { weighted(Tensor.attention(qkv: fresh($0[0]), heads: 2)) }),
            ("layerNorm", rand([6, 8], [8], [8]), {
                weighted(fresh($0[0]).layerNorm(weight: fresh($0[1]), bias: fresh($0[2])))
            }),
            ("layerNorm plain", rand([6, 8]), { weighted(fresh($0[0]).layerNorm(weight: nil, bias: nil)) }),
            ("l2Normalized", rand([6, 8]), { weighted(fresh($0[0]).l2Normalized()) }),
            ("softmax", rand([6, 9]), { weighted(fresh($0[0]).softmax(scale: 0.5)) }),
            ("logSoftmax", rand([6, 9]), { weighted(fresh($0[0]).logSoftmax()) }),
            ("crossEntropy", rand([6, 5]), { fresh($0[0]).crossEntropy(labels: [0, 1, 2, 3, 4, 0], labelSmoothing: 0.1) }),
            ("crossEntropy soft", rand([6, 5], [6, 5]), { fresh($0[0]).crossEntropy(softTargets: fresh($0[1])) }),
            ("l1Loss", rand([6, 5], [6, 5]), { fresh($0[0]).l1Loss(fresh($0[1])) }),
            ("conv2d", rand([2, 3, 6, 6], [4, 3, 3, 3], [4]), {
                weighted(Tensor.conv2d(fresh($0[0]), weight: fresh($0[1]), bias: fresh($0[2]), stride: 1, padding: 1))
            }),
            ("conv2d one image", rand([1, 3, 7, 7], [4, 3, 3, 3]), {
                weighted(Tensor.conv2d(fresh($0[0]), weight: fresh($0[1]), stride: 2, padding: 1))
            }),
            ("conv2d wide batch", rand([5, 2, 5, 5], [3, 2, 2, 2], [3]), {
                weighted(Tensor.conv2d(fresh($0[0]), weight: fresh($0[1]), bias: fresh($0[2])))
            }),
            ("maxPool2d", distinct, { weighted(fresh($0[0]).maxPool2d(kernel: 3, stride: 2, padding: 1)) }),
            ("maxPool2d generic", distinct, { weighted(fresh($0[0]).maxPool2d(kernel: 2, stride: 2)) }),
            ("linear", rand([2, 3, 5], [4, 5], [4]), {
                weighted(Tensor.linear(fresh($0[0]), weight: fresh($0[1]), bias: fresh($0[2])))
            }),
            ("matmul", rand([4, 3], [5, 4]), {
                weighted(Tensor.matmul(fresh($0[0]), fresh($0[1]), transposeA: true, transposeB: true))
            }),
            ("matmul batched", rand([2, 3, 4], [2, 4, 5]), { weighted(Tensor.matmul(fresh($0[0]), fresh($0[1]))) }),
            ("matmul shared", rand([2, 3, 4], [4, 5]), { weighted(Tensor.matmul(fresh($0[0]), fresh($0[1]))) }),
            ("elementwise", rand([4, 6], [4, 6]), {
                let (a, b) = (fresh($0[0]), fresh($0[1]))
                return weighted((a.gelu() + b.tanh() - a.relu()) * b.exp() / (a.exp() + 1).log())
            }),
            ("dropout", rand([4, 6]), {
                var rng = RNG(seed: 8)
                return weighted(fresh($0[0]).dropout(0.5, rng: &rng).dropPath(0.3, rng: &rng))
            }),
            ("shape", rand([2, 4, 12], [3, 12]), {
                let x = fresh($0[0])
                let img = x.unpatchify(gridHeight: 2, gridWidth: 2, channels: 3, patch: 2).permuted([0, 2, 3, 1])
                let rows = Tensor.concat([x.reshaped([8, 12]), fresh($0[1])], axis: 0).gatherRows([10, 1, 1, 3])
                return weighted(img.sum(axes: [1]).reshaped([2, -1]).narrow(axis: 1, start: 2, length: 8))
                    + weighted(rows.slice(rows: 1..<3).mean(axes: [0]).broadcast(to: [2, 12]))
            }),
        ]
        for (name, leaves, loss) in cases {
            let clean = gradients(leaves, churn: false, loss)
            XCTAssert(clean.allSatisfy { !$0.isEmpty }, "\(name): every input needs a gradient")
            let churned = gradients(leaves, churn: true, loss)
            for (k, (a, b)) in zip(clean, churned).enumerated() where a != b {
                let i = a.indices.first { !b.indices.contains($0) || a[$0] != b[$0] } ?? 0
                let after = b.indices.contains(i) ? "\(Float(bitPattern: b[i]))" : "missing"
                XCTFail("\(name): pool churn changed input \(k)'s gradient, first at \(i): \(Float(bitPattern: a[i])) → \(after)")
            }
        }
    }
}
