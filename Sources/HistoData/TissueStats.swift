import Foundation

/// Colour statistics of a tile, the inputs of the sample set's labelling rule.
public struct TissueStats: Equatable, Sendable {
    /// Share of pixels that are not glass: luminance < 210 or chroma (max − min) > 25.
    public var tissueFraction: Double
    /// Mean hematoxylin and eosin optical densities over the tissue pixels (Ruifrok &
    /// Johnston colour deconvolution).
    public var hematoxylin: Double
    public var eosin: Double
    /// Mean DAB optical density over the tissue pixels.
    public var dab: Double

    /// Ruifrok & Johnston's H, E, DAB stain vectors (OD per RGB channel), normalised.
    static let stains: [[Double]] = [[0.650, 0.704, 0.286], [0.072, 0.990, 0.105], [0.268, 0.570, 0.776]]
        .map { v in let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).squareRoot(); return v.map { $0 / n } }

    /// The inverse of the stain matrix (rows = stains): concentrations = OD · inverse.
    static let inverse: [[Double]] = {
        let m = stains
        let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        var inv = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 { for j in 0..<3 {
            let r = [0, 1, 2].filter { $0 != j }, c = [0, 1, 2].filter { $0 != i }
            let minor = m[r[0]][c[0]] * m[r[1]][c[1]] - m[r[0]][c[1]] * m[r[1]][c[0]]
            inv[i][j] = ((i + j) % 2 == 0 ? 1 : -1) * minor / det
        } }
        return inv
    }()

    /// Statistics of `image` (typically one tile).
    public init(_ image: RGBImage) {
        var tissue = 0
        var h = 0.0, e = 0.0, d = 0.0
        let n = image.width * image.height
        image.pixels.withUnsafeBufferPointer { px in
            for p in 0..<n {
                let (r, g, b) = (px[3 * p], px[3 * p + 1], px[3 * p + 2])
                let lum = (Int(r) * 299 + Int(g) * 587 + Int(b) * 114) / 1000
                let chroma = Int(Swift.max(r, g, b)) - Int(Swift.min(r, g, b))
                guard lum < 210 || chroma > 25 else { continue }
                tissue += 1
                let od = [r, g, b].map { -Foundation.log10((Double($0) + 1) / 256) }
                var conc = [0.0, 0.0, 0.0]
                for s in 0..<3 { for c in 0..<3 { conc[s] += od[c] * TissueStats.inverse[c][s] } }
                h += conc[0]; e += conc[1]; d += conc[2]
            }
        }
        tissueFraction = Double(tissue) / Double(Swift.max(n, 1))
        let t = Double(Swift.max(tissue, 1))
        hematoxylin = h / t
        eosin = e / t
        dab = d / t
    }
}
