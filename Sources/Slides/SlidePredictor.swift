import Foundation
import HistoData

/// Classifies the tissue tiles of one slide in batches, appending each batch to
/// `tiles.csv` (`TilesFile`): a rerun skips the batches already written.
///
/// Tiles are read by `workers` threads at most two batches ahead of the model
/// (`Prefetcher`), so memory holds about three batches of tiles, never the slide.
public struct SlidePredictor {
    /// Probabilities `[B][C]` for a batch of `tile × tile` images.
    public typealias Classify = ([RGBImage]) throws -> [[Float]]

    public let slide: Slide
    public let grid: TileGrid
    public let mask: TissueMask
    /// Smallest tissue share (0…1) for a tile to be classified.
    public let minimumTissue: Double
    public let classes: [String]
    public let batch: Int
    public let workers: Int

    public init(slide: Slide, grid: TileGrid, mask: TissueMask, minimumTissue: Double, classes: [String],
                batch: Int, workers: Int = 2) {
        (self.slide, self.grid, self.mask, self.minimumTissue) = (slide, grid, mask, minimumTissue)
        (self.classes, self.batch, self.workers) = (classes, max(1, batch), max(1, workers))
    }

    /// Grid cells (`column`, `row`) with enough tissue, row by row.
    public func tissueTiles() -> [(column: Int, row: Int)] {
        var out: [(column: Int, row: Int)] = []
        for r in 0..<grid.rows {
            for c in 0..<grid.columns where grid.tissueFraction(mask, column: c, row: r) >= minimumTissue {
                out.append((c, r))
            }
        }
        return out
    }

    /// The header of `tiles.csv`.
    public var header: String {
        (["x", "y", "level", "mpp", "tissue", "pred", "pred_name"] + classes.map { "prob_\($0)" })
            .map(CSVField.escape).joined(separator: ",")
    }

    /// Classifies every tissue tile not yet in `tiles`, appending batch by batch.
    ///
    /// - Parameter progress: called after each batch with (tiles done, tiles in all, tiles
    ///   classified in this call).
    /// - Returns: the tissue tiles, in file order.
    @discardableResult
    public func run(into tiles: TilesFile, classify: Classify,
                    progress: (_ done: Int, _ total: Int, _ new: Int) -> Void = { _, _, _ in }) throws -> [(column: Int, row: Int)] {
        let cells = tissueTiles()
        let done = tiles.rows.count
        guard done <= cells.count else {
            throw TilesFileError.foreign(path: tiles.url.path, reason: "\(done) rows for \(cells.count) tissue tiles")
        }
        for (i, row) in tiles.rows.enumerated() {
            let o = grid.origin(column: cells[i].column, row: cells[i].row)
            guard row.hasPrefix("\(o.x),\(o.y),") else {
                throw TilesFileError.foreign(path: tiles.url.path, reason: "row \(i + 2) is not tile \(o.x),\(o.y)")
            }
        }
        let todo = Array(cells[done...])
        let batches = (todo.count + batch - 1) / batch
        let (grid, slide, size) = (self.grid, self.slide, self.batch)
        let loader = Prefetcher<[RGBImage]>(count: batches, workers: workers, depth: 2) { b in
            try todo[(b * size)..<min(todo.count, (b + 1) * size)].map { try grid.read(slide, column: $0.column, row: $0.row) }
        }
        defer { loader.cancel() }
        var b = 0
        progress(done, cells.count, 0)
        while let images = try loader.next() {
            let probs = try classify(images)
            let part = todo[(b * size)..<min(todo.count, (b + 1) * size)]
            precondition(probs.count == part.count, "\(probs.count) probability rows for \(part.count) tiles")
            try tiles.append(zip(part, probs).map { cell, p in row(cell, p) })
            b += 1
            progress(done + min(todo.count, b * size), cells.count, min(todo.count, b * size))
        }
        return cells
    }

    /// One `tiles.csv` row.
    func row(_ cell: (column: Int, row: Int), _ p: [Float]) -> String {
        let o = grid.origin(column: cell.column, row: cell.row)
        let pred = p.indices.max { p[$0] < p[$1] } ?? 0
        let tissue = grid.tissueFraction(mask, column: cell.column, row: cell.row)
        return ([String(o.x), String(o.y), String(grid.level), String(format: "%.4f", grid.targetMPP), String(format: "%.3f", tissue),
                 String(pred), CSVField.escape(classes[pred])] + p.map { String(format: "%.6f", $0) }).joined(separator: ",")
    }
}
