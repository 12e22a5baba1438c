import XCTest
import TensorKit

final class ShapeOpTests: XCTestCase {
    func testReshapeIsAViewAndDifferentiable() {
        let x = GradientCheck.random([2, 6])
        let y = x.reshaped([3, -1])
        XCTAssertEqual(y.shape, [3, 4])
        XCTAssertTrue(y.storage === x.storage)
        GradientCheck.check([x]) { $0[0].reshaped([4, 3]) * $0[0].reshaped([4, 3]) }
    }

    func testPermuteAndTranspose() {
        let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        let p = x.permuted([2, 0, 1])
        XCTAssertEqual(p.shape, [4, 2, 3])
        XCTAssertEqual(p[3, 1, 2], x[1, 2, 3])
        XCTAssertEqual(x.transposed(0, 1)[2, 1, 3], x[1, 2, 3])
        let r = GradientCheck.random([2, 3, 4])
        GradientCheck.check([r]) { $0[0].permuted([2, 0, 1]) }
        GradientCheck.check([r]) { $0[0].permuted([0, 2, 1]) }
        GradientCheck.check([r]) { $0[0].transposed() }
    }

    func testConcatSplitNarrow() {
        let a = GradientCheck.random([2, 3, 4], seed: 1), b = GradientCheck.random([2, 1, 4], seed: 2)
        let c = Tensor.concat([a, b], axis: 1)
        XCTAssertEqual(c.shape, [2, 4, 4])
        XCTAssertEqual(c[1, 3, 2], b[1, 0, 2])
        XCTAssertEqual(c[1, 2, 2], a[1, 2, 2])
        GradientCheck.check([a, b]) { Tensor.concat([$0[0], $0[1]], axis: 1) }
        GradientCheck.check([a, GradientCheck.random([2, 3, 2])]) { Tensor.concat([$0[0], $0[1]], axis: -1) }
        let parts = c.split([1, 3], axis: 1)
        XCTAssertEqual(parts[0].shape, [2, 1, 4])
        XCTAssertEqual(parts[1][0, 2, 0], b[0, 0, 0])
        GradientCheck.check([a]) { $0[0].split([1, 2], axis: 1)[1] * 2 }
        GradientCheck.check([a]) { $0[0].narrow(axis: 2, start: 1, length: 2) }
    }

    func testSliceRowsAndGather() {
        let x = GradientCheck.random([5, 3])
        let s = x.slice(rows: 1..<3)
        XCTAssertEqual(s.scalars, Array(x.scalars[3..<9]))
        XCTAssertTrue(s.storage === x.storage)
        GradientCheck.check([x]) { $0[0].slice(rows: 2..<5) }
        let g = x.gatherRows([4, 0, 4])
        XCTAssertEqual(Array(g.scalars[0..<3]), Array(x.scalars[12..<15]))
        GradientCheck.check([x]) { $0[0].gatherRows([4, 0, 4, 2]) }
    }
}
