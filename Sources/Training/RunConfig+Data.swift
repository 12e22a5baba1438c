import Foundation
import HistoData
import Slides

extension RunConfig {
    /// How this run tiles whole slides (dataset slides), the tile sample drawn with `seed`.
    public var slideTiling: SlideTiling {
        SlideTiling(mpp: slideMPP, tile: slideTile, tilesPerSlide: tilesPerSlide, minTissue: minTissue, seed: seed)
    }

    /// The run's dataset at `root` (its root or its fixed test root) in its layout: the one
    /// loader of run data, for training, planning and the commands (slides tiled as set).
    public func loadDataset(root: String) throws -> Dataset {
        try Dataset.load(dataset, root: URL(fileURLWithPath: root), task: task, tiling: slideTiling)
    }

    /// What, besides root, layout and task, decides the listing: the tiling and the sample
    /// seed for slides, nothing for image datasets.
    public var listingKey: String {
        guard dataset == .slides else { return "" }
        return "|\(slideMPP)|\(slideTile)|\(tilesPerSlide.map(String.init) ?? "all")|\(minTissue)|\(seed)"
    }
}
