import TensorKit

/// Parameters that share optimiser settings (PyTorch's param groups).
public struct ParameterGroup {
    public var parameters: [(key: String, tensor: Tensor)]
    public var weightDecay: Float
    /// Multiplies the scheduled learning rate for this group.
    public var lrScale: Float

    public init(parameters: [(key: String, tensor: Tensor)], weightDecay: Float, lrScale: Float = 1) {
        self.parameters = parameters
        self.weightDecay = weightDecay
        self.lrScale = lrScale
    }

    /// The usual ViT split: no decay on 1-D tensors, biases and the named exceptions
    /// (positional embedding, special tokens, loss scalars); frozen parameters left out.
    ///
    /// - Parameters:
    ///   - noDecayKeys: keys (full or final component) that never decay.
    public static func decaySplit(_ params: [(key: String, tensor: Tensor)], weightDecay: Float,
                                  noDecayKeys: Set<String> = []) -> [ParameterGroup] {
        var decay: [(key: String, tensor: Tensor)] = [], plain: [(key: String, tensor: Tensor)] = []
        for p in params where p.tensor.requiresGrad {
            let last = p.key.split(separator: ".").last.map(String.init) ?? p.key
            if p.tensor.rank <= 1 || last == "bias" || noDecayKeys.contains(p.key) || noDecayKeys.contains(last) {
                plain.append(p)
            } else {
                decay.append(p)
            }
        }
        return [ParameterGroup(parameters: decay, weightDecay: weightDecay),
                ParameterGroup(parameters: plain, weightDecay: 0)]
    }
}

/// Scales gradients so their global L2 norm is at most `maxNorm`.
///
/// - Returns: the norm before clipping.
@discardableResult
public func clipGradNorm(_ params: [Tensor], maxNorm: Float) -> Float {
    var sq: Double = 0
    for p in params { if let g = p.grad { sq += Double(g.sumOfSquares()) } }
    let norm = Float(sq.squareRoot())
    if norm > maxNorm {
        let s = maxNorm / (norm + 1e-6)
        for p in params { if let g = p.grad { g.scale(by: s) } }
    }
    return norm
}
