#if canImport(Glibc)
import Glibc
#endif

/// One recorded operation: the inputs it read and how to push a gradient back to them.
///
/// `backward` receives the gradient of the op's output and returns one gradient per
/// input (nil where the input needs none). A returned gradient may alias the incoming
/// one; accumulation copies before it ever writes in place.
final class GradNode {
    let inputs: [Tensor]
    let backward: (Tensor) -> [Tensor?]
    /// Where the backward time goes in a profile (nil: the closure times itself).
    let category: Profiler.Category?
    init(inputs: [Tensor], category: Profiler.Category?, backward: @escaping (Tensor) -> [Tensor?]) {
        self.inputs = inputs
        self.backward = backward
        self.category = category
    }
}

/// Whether operations record themselves for autodiff on the current thread.
public enum GradMode {
    private final class Box { var enabled = true }
    private static let local = ThreadLocal { Box() }
    private static var box: Box { local.slot }

    /// True unless inside `withoutGrad`.
    public static var isEnabled: Bool { box.enabled }

    /// Runs `body` without recording: for evaluation and optimizer updates.
    public static func withoutGrad<T>(_ body: () throws -> T) rethrows -> T {
        let b = box
        let saved = b.enabled
        b.enabled = false
        defer { b.enabled = saved }
        return try body()
    }
}

/// Runs `body` without recording operations for autodiff.
public func withoutGrad<T>(_ body: () throws -> T) rethrows -> T {
    try GradMode.withoutGrad(body)
}

extension Tensor {
    /// True when an op reading `inputs` must record itself.
    @inline(__always) static func needsGrad(_ inputs: Tensor...) -> Bool {
        guard GradMode.isEnabled else { return false }
        for t in inputs where t.requiresGrad { return true }
        return false
    }

    /// Attaches `backward` to `self` as the result of an op over `inputs`, if any of them
    /// requires a gradient and recording is on.
    ///
    /// `backward` runs after the forward's locals are gone, when the pool may have handed
    /// their buffers to other tensors: it reaches memory only through tensors it captures,
    /// taking `.data` inside the closure, never through a pointer bound in the forward
    /// (`StorageSafetyTests` checks the source). One that reads the output (`self`)
    /// captures it `unowned`: the output owns the closure, and a strong capture would leak
    /// a graph that is never backpropagated.
    @discardableResult
    func recorded(_ inputs: [Tensor], category: Profiler.Category? = nil,
                  _ backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return self }
        requiresGrad = true
        node = GradNode(inputs: inputs, category: category, backward: backward)
        return self
    }

    /// True for a tensor created by the user (no recorded history).
    public var isLeaf: Bool { node == nil }

    /// Adds `g` into `grad`, copying the first time so the stored gradient never aliases
    /// another tensor's.
    func accumulateGrad(_ g: Tensor, adoptable: Bool = false) {
        precondition(g.count == count, "gradient of shape \(g.shape) for tensor \(shape)")
        if let existing = grad {
            Kernels.add(existing.data, g.data, into: existing.data, count: count)
        } else if adoptable && g.shape == shape {
            // Nothing else holds this gradient or its buffer: keep it instead of copying.
            grad = g
        } else {
            let c = Tensor(uninitializedShape: shape)
            c.data.update(from: g.data, count: count)
            grad = c
        }
    }

    /// Reverse-mode differentiation from this scalar: fills `grad` of every leaf that
    /// requires one (accumulating into existing gradients).
    ///
    /// Intermediate gradients are released as soon as they are consumed, and the recorded
    /// graph is cut afterwards, so activations go back to the buffer pool.
    public func backward(retainGraph: Bool = false) {
        precondition(count == 1, "backward() needs a scalar, got \(shape)")
        backward(gradient: Tensor(repeating: 1, shape: shape), retainGraph: retainGraph)
    }

    /// Reverse-mode differentiation seeded with `gradient` (same shape as `self`), i.e. the
    /// vector–Jacobian product; `backward()` is this with a gradient of one.
    public func backward(gradient: Tensor, retainGraph: Bool = false) {
        precondition(requiresGrad, "backward() on a tensor that does not require grad")
        precondition(gradient.count == count, "seed gradient \(gradient.shape) for \(shape)")
        GradMode.withoutGrad { runBackward(seed: gradient, retainGraph: retainGraph, leafReady: nil) }
    }

    /// `backward()` that also calls `leafReady` with each leaf as soon as its gradient is
    /// final for this pass (every path into it summed), in the order backward reaches them:
    /// data-parallel training starts reducing those gradients while backward goes on.
    public func backward(leafReady: (Tensor) -> Void) {
        precondition(requiresGrad && count == 1, "backward() needs a scalar that requires grad, got \(shape)")
        withoutActuallyEscaping(leafReady) { hook in
            GradMode.withoutGrad { runBackward(seed: Tensor(repeating: 1, shape: shape), retainGraph: false, leafReady: hook) }
        }
    }

    /// Records `self` as the output of an op computed outside TensorKit (a collective across
    /// processes, say) over `inputs`: `backward` gets the gradient of `self` and returns one
    /// gradient per input (nil where none). Does nothing when no input needs a gradient.
    @discardableResult
    public func recordingCustomGradient(of inputs: [Tensor], _ backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        recorded(inputs, backward)
    }

    private func runBackward(seed: Tensor, retainGraph: Bool, leafReady: ((Tensor) -> Void)?) {
        let order = topologicalOrder()
        var grads: [ObjectIdentifier: Tensor] = [:]
        var owned = Set<ObjectIdentifier>()
        grads[ObjectIdentifier(self)] = seed
        for t in order.reversed() {
            guard var g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
            guard let node = t.node else {
                let adoptable = isKnownUniquelyReferenced(&g) && g.ownsStorageUniquely && g.offset == 0
                t.accumulateGrad(g, adoptable: adoptable)
                leafReady?(t)
                continue
            }
            let t0 = node.category == nil ? 0 : Profiler.start()
            let inputGrads = node.backward(g)
            if let c = node.category { Profiler.stop(t0, c) }
            for (input, ig) in zip(node.inputs, inputGrads) {
                guard let ig, input.requiresGrad else { continue }
                let id = ObjectIdentifier(input)
                if let existing = grads[id] {
                    // Only a buffer this loop allocated may be written in place: a
                    // gradient handed back by an op can alias another input's gradient.
                    if owned.contains(id) {
                        Kernels.add(existing.data, ig.data, into: existing.data, count: existing.count)
                    } else {
                        let sum = Tensor(uninitializedShape: input.shape)
                        Kernels.add(existing.data, ig.data, into: sum.data, count: sum.count)
                        grads[id] = sum
                        owned.insert(id)
                    }
                } else {
                    grads[id] = ig.shape == input.shape ? ig : ig.reshapedView(input.shape)
                }
            }
            if !retainGraph { t.node = nil }
        }
        if !retainGraph { node = nil }
    }

    /// Tensors reachable from `self` through recorded ops, inputs before users.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (t, i) = stack.popLast() {
            let inputs = t.node?.inputs ?? []
            if i < inputs.count {
                stack.append((t, i + 1))
                let child = inputs[i]
                if child.requiresGrad && visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(t)
            }
        }
        return order
    }
}
