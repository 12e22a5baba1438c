/// Broadcasting geometry: output shape and per-operand strides, with adjacent
/// dimensions merged wherever every operand walks them contiguously.
struct BroadcastPlan {
    var shape: [Int]          // collapsed output shape (rank ≥ 1)
    var strides: [[Int]]      // per operand, strides in elements (0 = broadcast)

    /// Plans `operands` (shapes) broadcast against `outShape`.
    init(outShape: [Int], operands: [[Int]]) {
        let r = Swift.max(outShape.count, 1)
        let out = outShape.isEmpty ? [1] : outShape
        var strides: [[Int]] = operands.map { s in
            let padded = Array(repeating: 1, count: r - s.count) + s
            var st = Array(repeating: 0, count: r)
            var acc = 1
            for i in stride(from: r - 1, through: 0, by: -1) {
                st[i] = padded[i] == 1 && out[i] != 1 ? 0 : acc
                acc *= padded[i]
            }
            return st
        }
        // Merge dim i into i+1 when, for every operand, stride[i] == stride[i+1] * out[i+1].
        var shape = out
        var i = shape.count - 2
        while i >= 0 {
            let mergeable = strides.allSatisfy { $0[i] == $0[i + 1] * shape[i + 1] }
            if mergeable {
                shape[i + 1] *= shape[i]
                shape.remove(at: i)
                for k in strides.indices { strides[k].remove(at: i) }
            }
            i -= 1
        }
        // Drop size-1 dims (their strides never matter), keeping rank ≥ 1.
        var keep = shape.indices.filter { shape[$0] != 1 }
        if keep.isEmpty { keep = [shape.count - 1] }
        self.shape = keep.map { shape[$0] }
        self.strides = strides.map { st in keep.map { st[$0] } }
    }

    var rows: Int { shape.dropLast().reduce(1, *) }
    var inner: Int { shape.last! }

    /// Offsets of each operand at the start of row `row`.
    @inline(__always)
    func offsets(row: Int, operand k: Int) -> Int {
        var rem = row, off = 0
        let st = strides[k]
        var d = shape.count - 2
        while d >= 0 {
            let n = shape[d]
            off += (rem % n) * st[d]
            rem /= n
            d -= 1
        }
        return off
    }

    /// The broadcast of two shapes, or nil when they are incompatible.
    static func resultShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = Swift.max(a.count, b.count)
        let pa = Array(repeating: 1, count: r - a.count) + a
        let pb = Array(repeating: 1, count: r - b.count) + b
        var out = [Int](repeating: 0, count: r)
        for i in 0..<r {
            if pa[i] == pb[i] || pb[i] == 1 { out[i] = pa[i] }
            else if pa[i] == 1 { out[i] = pb[i] }
            else { return nil }
        }
        return out
    }
}
