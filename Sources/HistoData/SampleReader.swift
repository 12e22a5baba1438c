import Foundation

/// Reads the pixels of samples that are not image files, such as tiles cut from whole
/// slides: a dataset listed by another module (HistoData cannot see OpenSlide) carries one,
/// and `TrainingData` and `Dataset.image(of:)` read through it.
///
/// Implementations must be thread-safe: loader workers read samples concurrently.
public protocol SampleReader: Sendable {
    /// The RGB pixels of `sample` (a sample of the dataset that carries this reader).
    func image(of sample: Sample) throws -> RGBImage
}
