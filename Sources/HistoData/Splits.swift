import Foundation
import TensorKit

/// Cross-validation folds and subsets, as pure functions of the samples and a seed.
public enum Splits {
    /// Stratified k-fold at image level: within each class the (seeded) shuffled images are
    /// dealt round-robin, continuing where the previous class stopped, so every fold holds
    /// ⌊n_c/k⌋ or ⌈n_c/k⌉ images of class c and fold sizes differ by at most one.
    ///
    /// - Returns: the fold index of each sample.
    public static func stratifiedKFold(labels: [Int], folds k: Int, seed: UInt64) -> [Int] {
        precondition(k >= 2, "need at least 2 folds")
        var rng = RNG(seed: seed, stream: "stratified-kfold")
        var fold = [Int](repeating: 0, count: labels.count)
        var next = 0
        for c in Set(labels).sorted() {
            var idx = labels.indices.filter { labels[$0] == c }
            idx.shuffle(using: &rng)
            for i in idx { fold[i] = next % k; next += 1 }
        }
        return fold
    }

    /// Stratified group k-fold (scikit-learn's `StratifiedGroupKFold` law): no group in two
    /// folds; groups, shuffled by seed and taken from the most to the least class-skewed, each
    /// go to the fold that keeps the per-class proportions across folds most even.
    public static func stratifiedGroupKFold(labels: [Int], groups: [String], folds k: Int, seed: UInt64) -> [Int] {
        precondition(labels.count == groups.count && k >= 2)
        let classes = Set(labels).sorted()
        let ci = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var groupNames = Array(Set(groups)).sorted()
        var rng = RNG(seed: seed, stream: "stratified-group-kfold")
        groupNames.shuffle(using: &rng)
        var perGroup: [String: [Double]] = [:]
        for (l, g) in zip(labels, groups) { perGroup[g, default: [Double](repeating: 0, count: classes.count)][ci[l]!] += 1 }
        let totals = classes.indices.map { c in Double(labels.filter { ci[$0]! == c }.count) }
        func std(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / Double(v.count)
            return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
        }
        // Most skewed groups first (stable over the seeded shuffle).
        let order = groupNames.enumerated().sorted { a, b in
            let sa = std(perGroup[a.element]!), sb = std(perGroup[b.element]!)
            return sa != sb ? sa > sb : a.offset < b.offset
        }.map(\.element)
        var foldCounts = [[Double]](repeating: [Double](repeating: 0, count: classes.count), count: k)
        var foldOf: [String: Int] = [:]
        for g in order {
            let y = perGroup[g]!
            var best = 0, bestEval = Double.infinity, bestSize = Double.infinity
            for f in 0..<k {
                var trial = foldCounts
                for c in classes.indices { trial[f][c] += y[c] }
                // Mean over classes of the spread of that class's share across folds.
                let eval = classes.indices.map { c in std((0..<k).map { trial[$0][c] / Swift.max(totals[c], 1) }) }
                    .reduce(0, +) / Double(classes.count)
                let size = foldCounts[f].reduce(0, +)
                if eval < bestEval - 1e-12 || (abs(eval - bestEval) <= 1e-12 && size < bestSize) {
                    (best, bestEval, bestSize) = (f, eval, size)
                }
            }
            for c in classes.indices { foldCounts[best][c] += y[c] }
            foldOf[g] = best
        }
        return groups.map { foldOf[$0]! }
    }

    /// A seeded, stratified subset of `indices`: ⌈fraction · n_c⌉ of each class (at least one).
    public static func labelFraction(_ indices: [Int], labels: [Int], fraction: Double, seed: UInt64) -> [Int] {
        precondition(fraction > 0 && fraction <= 1, "label fraction \(fraction) outside (0, 1]")
        if fraction == 1 { return indices }
        var rng = RNG(seed: seed, stream: "label-fraction")
        var out: [Int] = []
        for c in Set(indices.map { labels[$0] }).sorted() {
            var idx = indices.filter { labels[$0] == c }
            idx.shuffle(using: &rng)
            let n = Swift.max(1, Int((fraction * Double(idx.count)).rounded(.up)))
            out += idx.prefix(n)
        }
        return out.sorted()
    }

    /// A stratified hold-out: ⌈fraction · n_c⌉ images of each class go to the test set.
    public static func holdOut(labels: [Int], fraction: Double, seed: UInt64) -> [Bool] {
        var rng = RNG(seed: seed, stream: "hold-out")
        var test = [Bool](repeating: false, count: labels.count)
        for c in Set(labels).sorted() {
            var idx = labels.indices.filter { labels[$0] == c }
            idx.shuffle(using: &rng)
            for i in idx.prefix(Int((fraction * Double(idx.count)).rounded(.up))) { test[i] = true }
        }
        return test
    }
}
