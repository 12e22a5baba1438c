import XCTest
import TensorKit

final class RNGTests: XCTestCase {
    func testStreamsAreReproducibleAndIndependent() {
        var a = RNG(seed: 42, stream: "init"), b = RNG(seed: 42, stream: "init")
        var c = RNG(seed: 42, stream: "data"), d = RNG(seed: 43, stream: "init")
        let xa = (0..<8).map { _ in a.next() }
        XCTAssertEqual(xa, (0..<8).map { _ in b.next() })
        XCTAssertNotEqual(xa, (0..<8).map { _ in c.next() })
        XCTAssertNotEqual(xa, (0..<8).map { _ in d.next() })
        let e = RNG(seed: 42).derived("epoch", 1), f = RNG(seed: 42).derived("epoch", 2)
        var e1 = e, f1 = f
        XCTAssertNotEqual(e1.next(), f1.next())
    }

    func testStateRestoreContinuesTheStream() {
        var r = RNG(seed: 7)
        _ = (0..<5).map { _ in r.next() }
        var copy = RNG(state: r.state)
        XCTAssertEqual((0..<5).map { _ in r.next() }, (0..<5).map { _ in copy.next() })
    }

    func testDistributions() {
        var r = RNG(seed: 1)
        let n = 200_000
        let u = (0..<n).map { _ in r.uniform() }
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(u.reduce(0, +) / Float(n), 0.5, accuracy: 0.005)
        let z = (0..<n).map { _ in Double(r.normal()) }
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
        let t = (0..<20_000).map { _ in r.truncatedNormal(std: 1, lo: -1, hi: 1.5) }
        XCTAssertTrue(t.allSatisfy { $0 >= -1 && $0 <= 1.5 })
        XCTAssertGreaterThan(t.filter { $0 > 1.2 }.count, 100)
        let perm = r.permutation(100)
        XCTAssertEqual(perm.sorted(), Array(0..<100))
        XCTAssertNotEqual(perm, Array(0..<100))
    }
}
