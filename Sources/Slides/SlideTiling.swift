import Foundation
import HistoData

/// How whole slides are cut into training tiles: the pixel size and side of a tile, the
/// tissue a tile must hold, and how many tiles each slide gives at most (a seeded sample).
public struct SlideTiling: Equatable, Sendable {
    /// Microns per pixel of the tiles (0.5 as NCT-CRC-HE: about 20×).
    public var mpp: Double
    /// Tile side in pixels at `mpp`.
    public var tile: Int
    /// At most this many tiles per slide, drawn with `seed` (nil: every tissue tile).
    public var tilesPerSlide: Int?
    /// The least share of a tile that the tissue mask must cover, 0…1.
    public var minTissue: Double
    /// Seed of the per-slide sample.
    public var seed: UInt64

    public init(mpp: Double = 0.5, tile: Int = 224, tilesPerSlide: Int? = nil, minTissue: Double = 0.5, seed: UInt64 = 0) {
        (self.mpp, self.tile, self.tilesPerSlide, self.minTissue, self.seed) = (mpp, tile, tilesPerSlide, minTissue, seed)
    }

    /// The file extensions OpenSlide reads slides from.
    public static let slideExtensions: Set<String> = ["svs", "ndpi", "mrxs", "scn", "tif", "tiff", "vms", "vmu", "bif", "svslide"]

    /// Whether `url` names a slide file by its extension.
    public static func isSlideFile(_ url: URL) -> Bool { slideExtensions.contains(url.pathExtension.lowercased()) }
}

/// Where one tile of a slide lies: the level read, the level-0 corner and the region read.
/// A sample of a slides dataset names its tile as `<slide path>@<x>,<y>,<level>,<size>`
/// (`size` the square region read at `level`, resized to the tiling's tile side).
public struct SlideTile: Equatable, Hashable, Sendable, Codable {
    public var x: Int, y: Int, level: Int, size: Int

    public init(x: Int, y: Int, level: Int, size: Int) { (self.x, self.y, self.level, self.size) = (x, y, level, size) }

    /// The sample path of this tile of `slide` (a path relative to the dataset root).
    public func samplePath(slide: String) -> String { "\(slide)@\(x),\(y),\(level),\(size)" }

    /// The slide path and tile a sample path names, nil when it names none.
    public static func parse(_ samplePath: String) -> (slide: String, tile: SlideTile)? {
        guard let at = samplePath.lastIndex(of: "@") else { return nil }
        let n = samplePath[samplePath.index(after: at)...].split(separator: ",").compactMap { Int($0) }
        guard n.count == 4, n[3] > 0 else { return nil }
        return (String(samplePath[..<at]), SlideTile(x: n[0], y: n[1], level: n[2], size: n[3]))
    }
}
