import Foundation

/// The architecture of a cSiT (or reference CCT) model at one image size.
public struct CSiTConfig: Codable, Equatable, Sendable {
    /// Which encoder family.
    public enum Architecture: String, Codable, Sendable {
        /// cSiT: pre-norm ViT blocks with qkv bias, rotation + contrastive tokens.
        case csit
        /// The reference CCT: post-norm encoder layers without qkv bias, SeqPool head.
        case cct
    }

    /// How the classification heads see the sequence.
    public enum Pooling: String, Codable, Sendable {
        /// Heads read token 0 (rotation) and token 1 (contrastive).
        case tokens
        /// Attention pooling: softmax over tokens of Linear(d→1), weighted sum (CCT's SeqPool).
        case seqPool = "seqpool"
    }

    public var preset: String
    public var architecture: Architecture
    /// Width d.
    public var dim: Int
    /// Number of blocks L.
    public var depth: Int
    public var heads: Int
    /// MLP hidden width = mlpRatio · d.
    public var mlpRatio: Int
    /// Input side S (square images).
    public var imageSize: Int
    /// 16 (second max-pool stride 2) or 8 (stride 1).
    public var tokenStride: Int
    /// Optional R: Linear d→R → tanh before each head.
    public var representationSize: Int?
    /// Stochastic-depth rate of the last block (linspace from 0).
    public var dropPathRate: Float
    /// Dropout on attention probabilities (CCT: 0.1).
    public var attentionDropout: Float
    public var pooling: Pooling
    /// Channels after the first tokenizer convolution.
    public var tokenizerChannels: Int

    /// Side of the token grid, S / token stride.
    public var gridSize: Int { imageSize / tokenStride }
    /// Number of patch tokens N.
    public var tokenCount: Int { gridSize * gridSize }

    /// The named presets.
    public static let presetNames = ["csit-compact", "csit-small", "csit-tiny", "cct-14-7x2"]

    /// A named preset at the given image size and token stride.
    ///
    /// - Throws: `ModelConfigError` for an unknown name or an image size the token
    ///   stride does not divide.
    public static func preset(_ name: String, imageSize: Int = 224, tokenStride: Int = 16,
                              representationSize: Int? = nil) throws -> CSiTConfig {
        var c: CSiTConfig
        switch name {
        case "csit-compact": c = CSiTConfig(preset: name, dim: 192, depth: 14, heads: 6, mlpRatio: 3)
        case "csit-small": c = CSiTConfig(preset: name, dim: 128, depth: 7, heads: 4, mlpRatio: 3)
        case "csit-tiny": c = CSiTConfig(preset: name, dim: 64, depth: 4, heads: 2, mlpRatio: 2)
        case "cct-14-7x2":
            c = CSiTConfig(preset: name, dim: 384, depth: 14, heads: 6, mlpRatio: 3)
            c.architecture = .cct
            c.attentionDropout = 0.1
            c.pooling = .seqPool
        default:
            throw ModelConfigError.unknownPreset(name, suggestion: presetNames.closest(to: name))
        }
        c.imageSize = imageSize
        c.tokenStride = tokenStride
        c.representationSize = representationSize
        try c.validate()
        return c
    }

    /// This configuration with the given architecture values replaced (nil keeps the preset's).
    ///
    /// - Throws: `ModelConfigError` when the result cannot be built.
    public func overriding(dim: Int? = nil, depth: Int? = nil, heads: Int? = nil, mlpRatio: Int? = nil) throws -> CSiTConfig {
        var c = self
        if let dim { c.dim = dim }
        if let depth { c.depth = depth }
        if let heads { c.heads = heads }
        if let mlpRatio { c.mlpRatio = mlpRatio }
        try c.validate()
        return c
    }

    /// A custom configuration (defaults: cSiT architecture, S 224, token stride 16).
    public init(preset: String = "custom", dim: Int, depth: Int, heads: Int, mlpRatio: Int,
                imageSize: Int = 224, tokenStride: Int = 16) {
        self.preset = preset
        self.architecture = .csit
        (self.dim, self.depth, self.heads, self.mlpRatio) = (dim, depth, heads, mlpRatio)
        (self.imageSize, self.tokenStride) = (imageSize, tokenStride)
        representationSize = nil
        dropPathRate = 0.1
        attentionDropout = 0
        pooling = .tokens
        tokenizerChannels = 64
    }

    /// Checks the combination.
    ///
    /// - Throws: `ModelConfigError` naming the bad value.
    /// The most tokens a model may have: a 128 × 128 grid (2048 px at stride 16).
    public static let maxTokens = 16384

    public func validate() throws {
        guard tokenStride == 8 || tokenStride == 16 else { throw ModelConfigError.tokenStride(tokenStride) }
        guard imageSize > 0, imageSize % tokenStride == 0 else {
            throw ModelConfigError.imageSize(imageSize, tokenStride: tokenStride)
        }
        // Attention is quadratic in the tokens: beyond this a step needs tens of GB (and the
        // positional embedding's size overflowed into a crash at 100,000 px).
        guard tokenCount <= Self.maxTokens else { throw ModelConfigError.tooManyTokens(imageSize, tokenStride: tokenStride, tokens: tokenCount) }
        guard (1...8192).contains(dim) else { throw ModelConfigError.size("width", dim, 1...8192) }
        guard (1...256).contains(depth) else { throw ModelConfigError.size("depth", depth, 1...256) }
        guard (1...16).contains(mlpRatio) else { throw ModelConfigError.size("MLP ratio", mlpRatio, 1...16) }
        guard heads > 0, dim % heads == 0 else { throw ModelConfigError.heads(dim: dim, heads: heads) }
        if let r = representationSize, r <= 0 { throw ModelConfigError.representationSize(r) }
        if architecture == .cct && tokenStride != 16 { throw ModelConfigError.tokenStride(tokenStride) }
    }
}

/// A model configuration that cannot be built.
public enum ModelConfigError: Error, CustomStringConvertible, Equatable {
    case unknownPreset(String, suggestion: String?)
    case tokenStride(Int)
    case imageSize(Int, tokenStride: Int)
    case heads(dim: Int, heads: Int)
    case representationSize(Int)
    case tooManyTokens(Int, tokenStride: Int, tokens: Int)
    case size(String, Int, ClosedRange<Int>)

    public var description: String {
        switch self {
        case let .unknownPreset(name, suggestion):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            return "unknown model preset '\(name)'\(hint); expected one of \(CSiTConfig.presetNames.joined(separator: ", "))"
        case .tokenStride(let s): return "token stride \(s) is not supported; expected 16 or 8 (CCT: 16)"
        case let .imageSize(s, t): return "image size \(s) is not a positive multiple of the token stride \(t)"
        case let .heads(d, h): return "width \(d) is not divisible by \(h) attention heads"
        case .representationSize(let r): return "representation size \(r) must be positive"
        case let .size(what, v, r): return "\(what) \(v) is outside \(r.lowerBound)…\(r.upperBound)"
        case let .tooManyTokens(s, t, n):
            return "image size \(s) at token stride \(t) makes \(n) tokens; at most \(CSiTConfig.maxTokens) (\(Int(Double(CSiTConfig.maxTokens).squareRoot()) * t) px at stride \(t))"
        }
    }
}

extension Array where Element == String {
    /// The element with the smallest edit distance to `word`, if reasonably close.
    public func closest(to word: String) -> String? {
        func distance(_ a: String, _ b: String) -> Int {
            let a = [Character](a), b = [Character](b)
            var row = [Int](0...b.count)
            guard !a.isEmpty, !b.isEmpty else { return Swift.max(a.count, b.count) }
            for i in 1...a.count {
                var prev = row[0]
                row[0] = i
                for j in 1...b.count {
                    let cur = row[j]
                    row[j] = Swift.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                    prev = cur
                }
            }
            return row[b.count]
        }
        // Ties go to the alphabetically first candidate, so suggestions are stable.
        guard let best = self.min(by: { (distance($0, word), $0) < (distance($1, word), $1) }) else { return nil }
        return distance(best, word) <= Swift.max(2, word.count / 3) ? best : nil
    }
}
