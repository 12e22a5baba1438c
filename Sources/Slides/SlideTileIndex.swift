import Foundation
import HistoData
import TensorKit

/// The tissue tiles of one slide under a tiling (after the tissue mask, before sampling),
/// computed once and cached under `CacheFolder.url/slide-tiles`, keyed by the slide file's
/// path (links resolved), size and modification time and the tiling's pixel size, tile side and tissue share: a
/// changed slide or tiling recomputes, anything else reads the cache.
public struct SlideTileIndex: Codable, Equatable, Sendable {
    /// The level read for every tile and the square region read there (pixels).
    public var level: Int
    public var readSize: Int
    /// The side of a tile in level-0 pixels (the grid step).
    public var footprint: Int
    /// Level-0 top-left corners of the tissue tiles, row-major.
    public var corners: [[Int]]

    /// The tiles, each as it is read.
    public var tiles: [SlideTile] { corners.map { SlideTile(x: $0[0], y: $0[1], level: level, size: readSize) } }

    /// The longer side of the thumbnail the tissue mask is computed on (part of the cache key).
    public static let maskSize = 1024

    /// Bumped when the tiling rule (TileGrid, TissueMask) changes, so older cache entries are not read.
    static let version = "slide-tiles-2"

    /// The index of the slide at `path`, from the cache when it is current.
    ///
    /// - Parameters:
    ///   - cacheFolder: where indexes are cached (nil: `CacheFolder.url`).
    /// - Returns: the index, and whether the cache answered.
    /// - Throws: `SlideError` for a slide that cannot be read or records no pixel size.
    public static func load(path: String, tiling: SlideTiling, cacheFolder: URL? = nil) throws -> (index: SlideTileIndex, cached: Bool) {
        // The file behind any links: its own size and time, one entry for every link to it.
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attrs = try? FileManager.default.attributesOfItem(atPath: real)
        let size = (attrs?[.size] as? NSNumber)?.int64Value ?? -1
        let mtime = (attrs?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let key = SHA256.hex([version, real, String(size), String(format: "%.6f", mtime),
                              "\(tiling.mpp)", String(tiling.tile), "\(tiling.minTissue)", "mask\(Self.maskSize)"].joined(separator: "|"))
        let file = (cacheFolder ?? CacheFolder.url).appendingPathComponent("slide-tiles/\(key).json")
        // An entry that does not describe tiles (edited, damaged) is recomputed, not trusted.
        if let data = try? Data(contentsOf: file), let index = try? JSONDecoder().decode(SlideTileIndex.self, from: data),
           index.level >= 0, index.readSize > 0, index.footprint > 0, index.corners.allSatisfy({ $0.count == 2 }) {
            return (index, true)
        }
        let index = try compute(Slide(path: path), tiling: tiling)
        // A cache that cannot be written (read-only home) costs only the recomputation.
        if (try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)) != nil {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            if let data = try? e.encode(index) { try? AtomicFile.write(data, to: file) }
        }
        return (index, false)
    }

    /// The tissue tiles of `slide`: a grid of non-overlapping squares of `tiling.tile` pixels
    /// at `tiling.mpp` over level 0, kept where the tissue mask covers at least
    /// `tiling.minTissue` of the square. Read at the coarsest level at least as fine as the
    /// target (`Slide.level(forMPP:mpp:)`), a region of tile × target / level mpp pixels.
    public static func compute(_ slide: Slide, tiling: SlideTiling, maskSize: Int = SlideTileIndex.maskSize) throws -> SlideTileIndex {
        // The grid `csit slide predict` classifies (TileGrid): the same level rule, origins
        // and tissue shares, so a model trained on slide tiles sees them as it predicts them.
        let grid = TileGrid(slide: slide, mpp: try slide.mpp(), targetMPP: tiling.mpp, level: nil, tile: tiling.tile, stride: tiling.tile)
        try grid.checkReadable(slide.path)
        let mask = try TissueMask(slide: slide, maxSize: maskSize)
        var corners: [[Int]] = []
        for row in 0..<grid.rows {
            for column in 0..<grid.columns where grid.tissueFraction(mask, column: column, row: row) >= tiling.minTissue {
                let o = grid.origin(column: column, row: row)
                corners.append([o.x, o.y])
            }
        }
        return SlideTileIndex(level: grid.level, readSize: grid.readSize, footprint: grid.level0Size, corners: corners)
    }

    /// At most `count` of `tiles`, drawn with `seed` for the slide named `slide` (different
    /// slides draw independently), in row-major order; all of them when `count` is nil or
    /// not smaller.
    public static func sample(_ tiles: [SlideTile], count: Int?, seed: UInt64, slide: String) -> [SlideTile] {
        guard let count, count < tiles.count else { return tiles }
        var rng = RNG(seed: seed, stream: "slide-tiles").derived(slide)
        var picked = Array(tiles.indices)
        picked.shuffle(using: &rng)
        return picked.prefix(count).sorted().map { tiles[$0] }
    }
}
