import Foundation
import TensorKit

/// Batches for training and evaluation, each a pure function of (seed, epoch, step), so
/// a run is reproducible whatever the number of loader workers.
public struct TrainingData: Sendable {
    public var dataset: Dataset
    /// Indices into `dataset.samples` that this split uses.
    public var indices: [Int]
    public var imageSize: Int
    public var batchSize: Int
    public var seed: UInt64
    /// Colour-jitter strength (0.4 in the paper).
    public var jitter: Float = 0.4
    public var cache: ImageCache?

    public init(dataset: Dataset, indices: [Int], imageSize: Int, batchSize: Int, seed: UInt64, cache: ImageCache? = nil) {
        (self.dataset, self.indices, self.imageSize, self.batchSize, self.seed) = (dataset, indices, imageSize, batchSize, seed)
        self.cache = cache
    }

    /// Full batches per epoch (the last partial batch is dropped, as for training).
    public var stepsPerEpoch: Int { indices.count / batchSize }

    /// The epoch's order of `indices`.
    public func order(epoch: Int) -> [Int] {
        var rng = RNG(seed: seed, stream: "order").derived("epoch", epoch)
        var o = indices
        o.shuffle(using: &rng)
        return o
    }

    func decode(_ i: Int) throws -> RGBImage {
        let sample = dataset.samples[i]
        guard let reader = dataset.reader else {
            let url = dataset.url(of: sample)
            return try cache?.image(url) ?? ImageDecoder.decode(url)
        }
        let key = dataset.url(of: sample).path
        return try cache?.image(key: key) { try reader.image(of: sample) } ?? reader.image(of: sample)
    }

    /// The samples of a step's batch, or of `rows` of it (a data-parallel rank's share).
    func batchSamples(step: Int, order: [Int], rows: Range<Int>?) -> [Int] {
        let batch = order[(step * batchSize)..<((step + 1) * batchSize)]
        guard let rows else { return Array(batch) }
        precondition(rows.lowerBound >= 0 && rows.upperBound <= batchSize, "rows \(rows) of a batch of \(batchSize)")
        return Array(batch.dropFirst(rows.lowerBound).prefix(rows.count))
    }

    /// Two augmented, normalised views of each image of the step: `[2B, 3, S, S]` ordered
    /// [view 1 of images 0..B−1, view 2 of images 0..B−1], plus the sample indices.
    ///
    /// - Parameter rows: only these rows of the batch (a data-parallel rank's share); each
    ///   image's augmentation depends on the image, epoch and seed alone, so a share is
    ///   exactly those rows of the whole.
    public func sslViews(epoch: Int, step: Int, order: [Int], rows: Range<Int>? = nil) throws -> (views: Tensor, samples: [Int]) {
        let ids = batchSamples(step: step, order: order, rows: rows)
        let S = imageSize
        let views = Tensor(uninitializedShape: [2 * ids.count, 3, S, S])
        for (j, i) in ids.enumerated() {
            let image = try decode(i)
            var rng = RNG(seed: seed, stream: "augment").derived("e\(epoch)", i)
            for v in 0..<2 {
                let (view, _) = Augment.trainView(image, size: S, jitter: jitter, rng: &rng)
                ImageTransforms.normalize(view, into: views, at: v * ids.count + j)
            }
        }
        return (views, ids)
    }

    /// One augmented view per image and its label: `[B, 3, S, S]` (only `rows` of the
    /// batch when given).
    public func labeledBatch(epoch: Int, step: Int, order: [Int], rows: Range<Int>? = nil) throws -> (images: Tensor, labels: [Int]) {
        let ids = batchSamples(step: step, order: order, rows: rows)
        let S = imageSize
        let images = Tensor(uninitializedShape: [ids.count, 3, S, S])
        for (j, i) in ids.enumerated() {
            var rng = RNG(seed: seed, stream: "augment").derived("e\(epoch)", i)
            let (view, _) = Augment.trainView(try decode(i), size: S, jitter: jitter, rng: &rng)
            ImageTransforms.normalize(view, into: images, at: j)
        }
        return (images, ids.map { dataset.samples[$0].label ?? 0 })
    }

    /// Evaluation batches in index order (no augmentation; the eval transform), the last
    /// one possibly short.
    public func evaluationBatch(_ k: Int, batchSize b: Int) throws -> (images: Tensor, labels: [Int], samples: [Int]) {
        let ids = Array(indices[(k * b)..<Swift.min((k + 1) * b, indices.count)])
        let crops = try ids.map { ImageTransforms.evaluationCrop(try decode($0), size: imageSize) }
        return (ImageTransforms.batchTensor(crops), ids.map { dataset.samples[$0].label ?? 0 }, ids)
    }
}
