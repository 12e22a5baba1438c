import Foundation
import HistoData

/// The tiles of a slide at one resolution: a grid of `tile × tile` squares at `targetMPP`
/// µm/px, `stride` target pixels apart, read from `level` and resampled.
///
/// Level rule (as TIAToolbox's `read_rect`): read at the coarsest level at least as fine as
/// the target (`Slide.level(forMPP:mpp:)`), a square of `readSize` level pixels covering the
/// tile's level-0 area, then resize it (bicubic, antialiased) to `tile × tile`. Only whole
/// tiles inside the slide are in the grid; the right and bottom remainders are left out.
public struct TileGrid: Equatable, Sendable {
    /// Level-0 size and pixel size (µm/px) of the slide.
    public let slideWidth: Int
    public let slideHeight: Int
    public let mpp: Double
    /// The resolution the model sees (µm/px).
    public let targetMPP: Double
    /// The level read, and its downsample.
    public let level: Int
    public let downsample: Double
    /// Tile side and step in target pixels.
    public let tile: Int
    public let stride: Int
    /// Grid size.
    public let columns: Int
    public let rows: Int

    /// - Precondition: positive sizes.
    public init(slideWidth: Int, slideHeight: Int, mpp: Double, targetMPP: Double, level: Int, downsample: Double,
                tile: Int, stride: Int) {
        precondition(mpp > 0 && targetMPP > 0 && tile > 0 && stride > 0 && downsample > 0)
        (self.slideWidth, self.slideHeight, self.mpp, self.targetMPP) = (slideWidth, slideHeight, mpp, targetMPP)
        (self.level, self.downsample, self.tile, self.stride) = (level, downsample, tile, stride)
        let scale = targetMPP / mpp   // level-0 pixels per target pixel
        func count(_ extent: Int) -> Int {
            let side = Double(tile) * scale, step = Double(stride) * scale
            return Double(extent) + 1e-6 < side ? 0 : Int(((Double(extent) - side) / step + 1e-6).rounded(.down)) + 1
        }
        columns = count(slideWidth)
        rows = count(slideHeight)
    }

    /// The grid of `slide` at `targetMPP` (level chosen by the rule above), or at `level`
    /// without resampling when given (then the target is that level's resolution).
    ///
    /// - Parameter mpp: the slide's level-0 µm/px (its own, or a user's override).
    public init(slide: Slide, mpp: Double, targetMPP: Double?, level: Int?, tile: Int, stride: Int) {
        let l = level ?? slide.level(forMPP: targetMPP ?? 0.5, mpp: mpp)
        let d = slide.levels[l].downsample
        self.init(slideWidth: slide.dimensions.width, slideHeight: slide.dimensions.height, mpp: mpp,
                  targetMPP: level == nil ? (targetMPP ?? 0.5) : mpp * d, level: l, downsample: d, tile: tile, stride: stride)
    }

    /// Level-0 pixels per target pixel.
    public var scale: Double { targetMPP / mpp }

    /// Tile side in level-0 pixels (rounded).
    public var level0Size: Int { Int((Double(tile) * scale).rounded()) }

    /// Side of the square read from `level` for one tile.
    public var readSize: Int { max(1, Int((Double(tile) * scale / downsample).rounded())) }

    /// Number of tiles.
    public var count: Int { columns * rows }

    /// Level-0 top-left corner of tile (`column`, `row`).
    public func origin(column: Int, row: Int) -> (x: Int, y: Int) {
        (Int((Double(column * stride) * scale).rounded()), Int((Double(row * stride) * scale).rounded()))
    }

    /// The tile at (`column`, `row`) as the model sees it: `[tile, tile, 3]`.
    public func read(_ slide: Slide, column: Int, row: Int) throws -> RGBImage {
        let o = origin(column: column, row: row)
        let raw = try slide.readRegion(x: o.x, y: o.y, level: level, width: readSize, height: readSize)
        return ImageTransforms.resizeBicubic(raw, width: tile, height: tile)
    }

    /// Tissue share of tile (`column`, `row`) under `mask`.
    public func tissueFraction(_ mask: TissueMask, column: Int, row: Int) -> Double {
        let o = origin(column: column, row: row)
        return mask.fraction(x: o.x, y: o.y, width: level0Size, height: level0Size)
    }

    /// Refuses a grid that could not be read in reasonable time or memory: a tile resampled
    /// from more than 16× or less than 1/8 of its side in level pixels (a target far coarser
    /// than the slide's coarsest level, or far finer than level 0), or more than 10⁸ tiles.
    /// Prediction and slide datasets check it before anything is read or written.
    ///
    /// - Throws: `SlideError.badRegion` naming the slide, the tile and the level.
    public func checkReadable(_ path: String) throws {
        let ratio = scale / downsample   // level pixels per target pixel
        guard (0.125...16).contains(ratio) else {
            throw SlideError.badRegion(path: path, reason: String(format: "a %d px tile at %.4g µm/px is read from %.4g px of level %d (%.4g µm/px); "
                                                                  + "expected 1/8 to 16 times the tile (choose an mpp nearer the slide's levels)",
                                                                  tile, targetMPP, Double(tile) * ratio, level, mpp * downsample))
        }
        guard Double(columns) * Double(rows) <= 1e8 else {
            throw SlideError.badRegion(path: path, reason: "\(columns) × \(rows) tiles; expected at most 10⁸ (larger tiles or stride)")
        }
    }
}
