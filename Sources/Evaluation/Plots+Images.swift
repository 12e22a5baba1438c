import Foundation
import HistoData
import TensorKit

extension Plots {
    /// Image `i` of a normalised `[B, 3, S, S]` tensor back to 8-bit RGB.
    public static func denormalized(_ t: Tensor, _ i: Int) -> RGBImage {
        let S = t.shape[2], W = t.shape[3]
        var im = RGBImage(width: W, height: S)
        t.withUnsafeBufferPointer { px in
            for c in 0..<3 {
                let (m, s) = (ImageTransforms.mean[c], ImageTransforms.std[c])
                for y in 0..<S { for x in 0..<W {
                    let v = (px[((i * 3 + c) * S + y) * W + x] * s + m) * 255
                    im[y, x, c] = UInt8(Swift.max(0, Swift.min(255, v.rounded())))
                } }
            }
        }
        return im
    }

    /// Rows of images with a label in front of each row (e.g. clean / corrupted / reconstructed).
    public static func imageGrid(_ rows: [(String, [RGBImage])], title: String) -> Canvas {
        let tile = rows.first?.1.first.map { $0.width } ?? 32
        let zoom = Swift.max(1, 96 / Swift.max(tile, 1))
        let size = tile * zoom, gap = 6
        let labelWidth = (rows.map { Canvas.textWidth($0.0) }.max() ?? 0) + 16
        let cols = rows.map(\.1.count).max() ?? 0
        var cv = Canvas(width: labelWidth + cols * (size + gap) + gap, height: 44 + rows.count * (size + gap) + gap)
        cv.text(title, x: cv.width / 2, y: 12, anchor: .center)
        for (r, (label, images)) in rows.enumerated() {
            let y = 44 + r * (size + gap)
            cv.text(label, x: labelWidth - 10, y: y + size / 2 - 8, anchor: .right)
            for (c, im) in images.enumerated() { cv.draw(im, x: labelWidth + c * (size + gap), y: y, zoom: zoom) }
        }
        return cv
    }
}
