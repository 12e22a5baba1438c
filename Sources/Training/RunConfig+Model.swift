import CSiTKit

extension RunConfig {
    /// The architecture this run builds: the preset at the run's image size and token
    /// stride, with the `dim`, `depth`, `heads` and `mlp_ratio` overrides applied.
    ///
    /// - Throws: `ModelConfigError` for a combination that cannot be built.
    public func modelConfig() throws -> CSiTConfig {
        var c = try CSiTConfig.preset(preset, imageSize: imageSize, tokenStride: tokenStride,
                                      representationSize: representationSize)
        c.dropPathRate = dropPathRate
        return try c.overriding(dim: dim, depth: depth, heads: heads, mlpRatio: mlpRatio)
    }
}
