#if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
import _Builtin_intrinsics.intel
#endif

/// Vectorised transcendental functions for the memory-bound activation kernels.
///
/// `exp` is Cephes' single-precision polynomial (max relative error ≈ 2 ulp); `erf` is
/// the rational approximation Eigen and XLA use for Float (a few ulp, no exponential), so
/// exact GELU costs little more than a memory pass.
public enum VectorMath {
    public typealias V = SIMD8<Float>

    @inline(__always)
    public static func exp(_ x: V) -> V {
        // Round-to-nearest through the 1.5·2²³ trick: the integer lands in the low
        // mantissa bits, so no float→int conversion instruction is needed.
        var xc = x
        xc.replace(with: 88.3762626647949, where: x .> 88.3762626647949)
        xc.replace(with: -87.3365478515625, where: x .< -87.3365478515625)
        return expCore(xc)
    }

    /// The polynomial core of `exp` for an argument already inside the float range.
    ///
    /// `x = n·ln2 + r` with |r| ≤ ln2/2 (Cody–Waite, two constants), `eʳ ≈ 1 + r + r²·P(r)`
    /// with a degree-4 minimax `P` fitted for relative error (3.8e-9 before rounding: one
    /// term fewer than Cephes' and still below Float's half-ulp), then `2ⁿ` is applied by
    /// adding `n` to the exponent field. That add needs no multiply: the rounding constant
    /// 1.5·2²³ has nine zero low bits, so shifting its bit pattern left by 23 leaves exactly
    /// `n << 23`. The clamp keeps `n ≥ −126`, where the add cannot leave the exponent field.
    @inline(__always)
    static func expCore(_ xc: V) -> V {
        let (r, t) = reduced(xc)
        var p = V(repeating: 8.3687100559e-03).addingProduct(V(repeating: 1.3814612757e-03), r)
        p = V(repeating: 4.1668388993e-02).addingProduct(p, r)
        p = V(repeating: 1.6666521132e-01).addingProduct(p, r)
        p = V(repeating: 4.9999994040e-01).addingProduct(p, r)
        return timesPowerOfTwo((r + 1).addingProduct(p, r * r), rounded: t)
    }

    /// Cody–Waite reduction `x = n·ln2 + r`: returns `r` and `rounded` = 1.5·2²³ + n.
    @inline(__always)
    static func reduced(_ xc: V) -> (r: V, rounded: V) {
        let magic = V(repeating: 12_582_912)
        let t = magic.addingProduct(xc, V(repeating: 1.44269504088896341))
        let n = t - magic
        let r = xc.addingProduct(n, V(repeating: -0.693359375)).addingProduct(n, V(repeating: 2.12194440e-4))
        return (r, t)
    }

    /// `e · 2ⁿ` where `rounded` is `1.5·2²³ + n` (the rounding trick's sum).
    @inline(__always)
    static func timesPowerOfTwo(_ e: V, rounded: V) -> V {
        let shifted = unsafeBitCast(rounded, to: SIMD8<Int32>.self) &<< 23
        return unsafeBitCast(unsafeBitCast(e, to: SIMD8<Int32>.self) &+ shifted, to: V.self)
    }

    /// `exp` for arguments in [−87.3, 0] with one polynomial term fewer (relative error
    /// ≈ 1.1e-7 before rounding): for gradients, whose other terms carry larger errors.
    @inline(__always)
    static func expNonPositiveLowOrder(_ x: V) -> V {
        let (r, t) = reduced(x.replacing(with: -87.3365478515625, where: x .< -87.3365478515625))
        var p = V(repeating: 4.1890114546e-02).addingProduct(V(repeating: 8.3125252277e-03), r)
        p = V(repeating: 1.6667114198e-01).addingProduct(p, r)
        p = V(repeating: 4.9999231100e-01).addingProduct(p, r)
        return timesPowerOfTwo((r + 1).addingProduct(p, r * r), rounded: t)
    }

    /// erf as an odd/even rational polynomial on [−4, 4] (erf(±4) is ±1 in Float): no
    /// exponential, one division, as Eigen and XLA evaluate it.
    @inline(__always)
    public static func erf(_ x: V) -> V {
        var xc = x
        xc.replace(with: 4, where: x .> 4)
        xc.replace(with: -4, where: x .< -4)
        let x2 = xc * xc
        var p = V(repeating: 2.77068142495902e-08).addingProduct(x2, V(repeating: -2.72614225801306e-10))
        p = V(repeating: -2.10102402082508e-06).addingProduct(x2, p)
        p = V(repeating: -5.69250639462346e-05).addingProduct(x2, p)
        p = V(repeating: -7.34990630326855e-04).addingProduct(x2, p)
        p = V(repeating: -2.95459980854025e-03).addingProduct(x2, p)
        p = V(repeating: -1.60960333262415e-02).addingProduct(x2, p)
        p = xc * p
        var q = V(repeating: -2.13374055278905e-04).addingProduct(x2, V(repeating: -1.45660718464996e-05))
        q = V(repeating: -1.68282697438203e-03).addingProduct(x2, q)
        q = V(repeating: -7.37332916720468e-03).addingProduct(x2, q)
        q = V(repeating: -1.42647390514189e-02).addingProduct(x2, q)
        return p / q
    }

    /// GELU'(x) = Φ(x) + x·φ(x) in one pass: Abramowitz & Stegun 7.1.26 (absolute error
    /// ≤ 1.5e-7) writes erf through the same Gaussian that φ needs, so the pair costs one
    /// exponential and one reciprocal. Constants are folded so that no multiply is spent on
    /// them: the exponential's argument carries ln(1/√(2π)), and the A&S coefficients carry
    /// √(2π)/2, which makes `t·P(t)·φ` directly ½(1 − erf|z|), z = x/√2.
    @inline(__always)
    public static func geluDerivative(_ x: V) -> V {
        let z = x * 0.70710678118654752
        let bits = unsafeBitCast(z, to: SIMD8<UInt32>.self)
        let sign = bits & 0x8000_0000
        let az = unsafeBitCast(bits & 0x7FFF_FFFF, to: V.self)
        let t = reciprocal(V(repeating: 1).addingProduct(az, V(repeating: 0.3275911)))
        var p = V(repeating: -1.8212559223).addingProduct(V(repeating: 1.3302744627), t)
        p = V(repeating: 1.7814779282).addingProduct(p, t)
        p = V(repeating: -0.35656377673).addingProduct(p, t)
        p = V(repeating: 0.31938153505).addingProduct(p, t)
        let phi = expNonPositiveLowOrder(V(repeating: -0.91893853320467274).addingProduct(-z, z))
        let halfErf = 0.5 - p * t * phi   // ½·erf|z|
        let signed = unsafeBitCast(unsafeBitCast(halfErf, to: SIMD8<UInt32>.self) ^ sign, to: V.self)
        return (0.5 + signed).addingProduct(x, phi)
    }

    /// Lane-wise maximum (`vmaxps`; a NaN in `b` passes through as the compare form does).
    @inline(__always)
    public static func maximum(_ a: V, _ b: V) -> V {
        #if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
        return _mm256_max_ps(b, a)
        #else
        return a.replacing(with: b, where: b .> a)
        #endif
    }

    /// The largest lane, by halving shuffles (LLVM turns the portable compare-and-select
    /// form of this into dozens of blends).
    @inline(__always)
    public static func horizontalMax(_ v: V) -> Float {
        #if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
        let m4 = _mm_max_ps(v.lowHalf, v.highHalf)
        let m2 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4))
        return _mm_cvtss_f32(_mm_max_ss(m2, _mm_movehdup_ps(m2)))
        #else
        return v.max()
        #endif
    }

    /// The sum of the lanes, by halving shuffles.
    @inline(__always)
    public static func horizontalSum(_ v: V) -> Float {
        #if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
        let s4 = _mm_add_ps(v.lowHalf, v.highHalf)
        let s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4))
        return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)))
        #else
        return v.sum()
        #endif
    }

    /// `1/x` to about 2.5e-7 relative: the hardware estimate refined by one Newton step is
    /// three cheap instructions, where a vector division blocks its unit for several cycles
    /// (GELU's backward is otherwise limited by that division).
    @inline(__always)
    public static func reciprocal(_ x: V) -> V {
        #if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
        let r = _mm256_rcp_ps(x)
        return r * V(repeating: 2).addingProduct(-x, r)
        #else
        return 1 / x
        #endif
    }

    /// `exp` for arguments ≤ 0 (only the lower clamp is needed).
    @inline(__always)
    public static func expNonPositive(_ x: V) -> V {
        var xc = x
        xc.replace(with: -87.3365478515625, where: x .< -87.3365478515625)
        return expCore(xc)
    }

    /// Scalar fallbacks for loop tails, using the same formulas.
    @inline(__always) public static func exp(_ x: Float) -> Float { exp(V(repeating: x))[0] }
    @inline(__always) public static func erf(_ x: Float) -> Float { erf(V(repeating: x))[0] }

    /// Applies `K` to `count` floats eight at a time (generic so the kernel inlines).
    @inline(__always)
    public static func map<K: VectorUnaryKernel>(_: K.Type, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: K.apply(v), as: V.self)
            i += 8
        }
        if i < count {
            var v = V.zero
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let r = K.apply(v)
            for j in 0..<(count - i) { y[i + j] = r[j] }
        }
    }

    /// Applies `K` to pairs of floats eight at a time.
    @inline(__always)
    public static func map2<K: VectorBinaryKernel>(_: K.Type, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                                   _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: V.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: K.apply(va, vb), as: V.self)
            i += 8
        }
        if i < count {
            var va = V.zero, vb = V.zero
            for j in 0..<(count - i) { va[j] = a[i + j]; vb[j] = b[i + j] }
            let r = K.apply(va, vb)
            for j in 0..<(count - i) { y[i + j] = r[j] }
        }
    }

    /// Applies `f` to `count` floats eight at a time.
    @inline(__always)
    public static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                           _ f: (V) -> V) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(v), as: V.self)
            i += 8
        }
        if i < count {
            var v = V.zero
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let r = f(v)
            for j in 0..<(count - i) { y[i + j] = r[j] }
        }
    }

    /// Applies `f` to pairs of `count` floats eight at a time.
    @inline(__always)
    public static func map2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                            count: Int, _ f: (V, V) -> V) {
        var i = 0
        while i + 8 <= count {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: V.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(va, vb), as: V.self)
            i += 8
        }
        if i < count {
            var va = V.zero, vb = V.zero
            for j in 0..<(count - i) { va[j] = a[i + j]; vb[j] = b[i + j] }
            let r = f(va, vb)
            for j in 0..<(count - i) { y[i + j] = r[j] }
        }
    }
}

/// A vectorised elementwise function, as a type so generic loops specialise and inline it.
public protocol VectorUnaryKernel { static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> }
/// A vectorised function of two operands.
public protocol VectorBinaryKernel { static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> }
