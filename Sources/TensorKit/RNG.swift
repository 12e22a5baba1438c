import Foundation

/// A seeded xoshiro256** generator; independent streams are derived from one root seed
/// and a purpose name, so "init", "data" and "dropout" never share draws.
public struct RNG: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// A generator for `stream` under the root `seed`.
    public init(seed: UInt64, stream: String = "") {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325   // FNV-1a of the stream name
        for b in stream.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        var sm = seed ^ (h &* 0x9E37_79B9_7F4A_7C15)
        func next() -> UInt64 {   // SplitMix64 expands the seed into the state
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (next(), next(), next(), next())
    }

    /// The four state words, for checkpoints; `init(state:)` restores them.
    public var state: [UInt64] { [s.0, s.1, s.2, s.3] }

    /// A generator continuing exactly from a saved `state`.
    public init(state: [UInt64]) {
        precondition(state.count == 4, "RNG state has 4 words")
        s = (state[0], state[1], state[2], state[3])
    }

    /// A child stream, e.g. one per epoch or per sample.
    public func derived(_ stream: String, _ index: Int = 0) -> RNG {
        var copy = self
        let base = copy.next()
        return RNG(seed: base &+ UInt64(bitPattern: Int64(index)) &* 0xD1B5_4A32_D192_ED03, stream: stream)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * uniform() }

    /// Uniform integer in `range`.
    public mutating func int(in range: Range<Int>) -> Int { Int.random(in: range, using: &self) }

    /// Uniform integer in `range` (closed).
    public mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Float {
        var u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Normal with `mean`/`std`, redrawn until inside `[lo, hi]` (timm's trunc_normal_ law).
    public mutating func truncatedNormal(mean: Float = 0, std: Float, lo: Float = -2, hi: Float = 2) -> Float {
        precondition(lo < hi && lo <= mean + 6 * std && hi >= mean - 6 * std, "truncation window misses the mass")
        while true {
            let v = mean + std * normal()
            if v >= lo && v <= hi { return v }
        }
    }

    /// Fisher–Yates shuffle of `0..<n`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var a = Array(0..<n)
        a.shuffle(using: &self)
        return a
    }
}

extension Tensor {
    /// Uniform values in [lo, hi).
    public static func uniform(_ shape: [Int], _ lo: Float = 0, _ hi: Float = 1, rng: inout RNG) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        for i in 0..<t.count { t.data[i] = rng.uniform(lo, hi) }
        return t
    }

    /// Normal values with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RNG) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        for i in 0..<t.count { t.data[i] = mean + std * rng.normal() }
        return t
    }

    /// Truncated normal values (redrawn outside `[lo, hi]`).
    public static func truncatedNormal(_ shape: [Int], std: Float, lo: Float = -2, hi: Float = 2, rng: inout RNG) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        for i in 0..<t.count { t.data[i] = rng.truncatedNormal(std: std, lo: lo, hi: hi) }
        return t
    }
}
