import Foundation

/// The model geometry a user gave on the command line next to a checkpoint (nil: not given).
///
/// A self-describing checkpoint needs none of it; every value that is given must agree with
/// the checkpoint's card, except that `resizePositions` allows another image size or token
/// stride on purpose (the positional embedding is then resized bicubically).
public struct ModelRequest: Equatable, Sendable {
    public var preset: String?
    public var imageSize: Int?
    public var tokenStride: Int?
    public var representationSize: Int?
    /// Overrides of the preset's width, depth, heads and MLP ratio.
    public var dim: Int?
    public var depth: Int?
    public var heads: Int?
    public var mlpRatio: Int?
    /// The number of classes the caller needs (a dataset's), or nil; checked against a card.
    public var classes: Int?
    /// The class count to build a checkpoint without a card with, when `classes` is nil
    /// (the caller knows a count but not one the card must equal, e.g. a manifest's).
    public var legacyClasses: Int?
    public var resizePositions: Bool

    public init(preset: String? = nil, imageSize: Int? = nil, tokenStride: Int? = nil, representationSize: Int? = nil,
                classes: Int? = nil, resizePositions: Bool = false) {
        (self.preset, self.imageSize, self.tokenStride, self.representationSize, self.classes, self.resizePositions)
            = (preset, imageSize, tokenStride, representationSize, classes, resizePositions)
    }

    /// The configuration for a checkpoint without a card: the flags, with the published
    /// model's values where a flag is absent (as before cards existed).
    public func legacyConfig() throws -> CSiTConfig {
        try CSiTConfig.preset(preset ?? "csit-compact", imageSize: imageSize ?? 224, tokenStride: tokenStride ?? 16,
                              representationSize: representationSize)
            .overriding(dim: dim, depth: depth, heads: heads, mlpRatio: mlpRatio)
    }
}

extension ModelCard {
    /// The configuration to build for `request`: the card's, with the image size and token
    /// stride of the request when `resizePositions` allows them.
    ///
    /// - Throws: `ModelCardError.contradiction` naming the flag, its value and the card's.
    public func configuration(for r: ModelRequest, file: String) throws -> CSiTConfig {
        func check(_ flag: String, _ what: String, _ given: String?, _ card: String, resizable: Bool = false) throws {
            guard let given, given != card else { return }
            if resizable && r.resizePositions { return }
            throw ModelCardError.contradiction(file: file, flag: "\(flag) \(given)", card: "\(what) \(card)",
                                               hint: resizable ? "pass --resize-positions to resize the positional embedding on purpose" : nil)
        }
        try check("--preset", "preset", r.preset, config.preset)
        try check("--representation-size", "representation size", r.representationSize.map(String.init),
                  config.representationSize.map(String.init) ?? "none")
        try check("--dim", "width", r.dim.map(String.init), String(config.dim))
        try check("--depth", "depth", r.depth.map(String.init), String(config.depth))
        try check("--heads", "heads", r.heads.map(String.init), String(config.heads))
        try check("--mlp-ratio", "MLP ratio", r.mlpRatio.map(String.init), String(config.mlpRatio))
        try check("--image-size", "image size", r.imageSize.map(String.init), String(config.imageSize), resizable: true)
        try check("--token-stride", "token stride", r.tokenStride.map(String.init), String(config.tokenStride), resizable: true)
        if let n = r.classes, case .finetune(let k) = mode, n != k {
            throw ModelCardError.contradiction(file: file, flag: "a class count of \(n)", card: "\(k) classes (\(classes.joined(separator: ", ")))", hint: nil)
        }
        var c = config
        c.imageSize = r.imageSize ?? c.imageSize
        c.tokenStride = r.tokenStride ?? c.tokenStride
        do { try c.validate() } catch let e as ModelConfigError {
            throw ModelCardError.bad(file: file, key: "--image-size/--token-stride", value: "\(c.imageSize)/\(c.tokenStride)", expected: e.description)
        }
        return c
    }
}
