/// One level of a slide's pyramid.
public struct SlideLevel: Equatable, Sendable {
    /// Size of the level in its own pixels.
    public let width: Int
    public let height: Int
    /// Level-0 pixels per pixel of this level (1 for level 0).
    public let downsample: Double

    public init(width: Int, height: Int, downsample: Double) {
        (self.width, self.height, self.downsample) = (width, height, downsample)
    }
}
