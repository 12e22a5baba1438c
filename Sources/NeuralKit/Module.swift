import TensorKit

/// A layer or model: a tree of named parameters whose dotted paths are the checkpoint
/// keys (`blocks.3.attn.qkv.weight`).
///
/// Parameters are the `Tensor` stored properties, children the `Module` properties and
/// arrays of modules (indexed `name.0`, `name.1`, …), found by reflection in declaration
/// order. A subclass renames a property's key with `keyOverrides` (for PyTorch's
/// snake_case names) and hides helpers whose names start with an underscore.
open class Module {
    /// Whether the module is in training mode (dropout and drop-path active).
    public private(set) var training = true

    public init() {}

    /// Property name → checkpoint key, for names that differ.
    open var keyOverrides: [String: String] { [:] }

    /// Direct parameters and children, in declaration order.
    public func namedItems() -> [(key: String, item: Item)] {
        var out: [(String, Item)] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        var chain: [Mirror] = []
        while let m = mirror { chain.append(m); mirror = m.superclassMirror }
        let overrides = keyOverrides
        for m in chain.reversed() {
            for child in m.children {
                guard let label = child.label, !label.hasPrefix("_") else { continue }
                let raw = label.hasPrefix("$__lazy_storage_$_") ? String(label.dropFirst(18)) : label
                let key = overrides[raw] ?? raw
                switch child.value {
                case let t as Tensor: out.append((key, .parameter(t)))
                case let t as Tensor?: if let t { out.append((key, .parameter(t))) }
                case let mod as Module: out.append((key, .module(mod)))
                case let mod as Module?: if let mod { out.append((key, .module(mod))) }
                case let mods as [Module]:
                    for (i, mod) in mods.enumerated() { out.append(("\(key).\(i)", .module(mod))) }
                default: break
                }
            }
        }
        return out
    }

    public enum Item { case parameter(Tensor), module(Module) }

    /// Every parameter with its full dotted key, depth first in declaration order.
    public func namedParameters(prefix: String = "") -> [(key: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        for (key, item) in namedItems() {
            let full = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch item {
            case .parameter(let t): out.append((full, t))
            case .module(let m): out.append(contentsOf: m.namedParameters(prefix: full))
            }
        }
        return out
    }

    /// Parameters that currently receive gradients.
    public var trainableParameters: [(key: String, tensor: Tensor)] {
        namedParameters().filter { $0.tensor.requiresGrad }
    }

    /// Every module below this one (not including it).
    public func descendants() -> [Module] {
        namedItems().flatMap { _, item -> [Module] in
            if case .module(let m) = item { return [m] + m.descendants() }
            return []
        }
    }

    /// Total number of parameter elements.
    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.tensor.count } }

    /// Switches this module and all below it to training (`true`) or evaluation mode.
    public func train(_ on: Bool = true) {
        training = on
        for m in descendants() { m.training = on }
    }

    /// Evaluation mode: dropout and drop-path off.
    public func eval() { train(false) }

    /// Stops gradients for every parameter below (a frozen backbone costs no gradient work).
    public func freeze() { for (_, t) in namedParameters() { t.requiresGrad = false; t.grad = nil } }

    /// Makes every parameter below trainable again.
    public func unfreeze() { for (_, t) in namedParameters() { t.requiresGrad = true } }

    /// Clears accumulated gradients.
    public func zeroGrad() { for (_, t) in namedParameters() { t.grad = nil } }

    /// Parameters as a flat dictionary of copies (for checkpoints).
    public func stateDict() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: namedParameters().map { ($0.key, $0.tensor.copy()) })
    }

    /// Copies matching tensors into the parameters.
    ///
    /// - Parameters:
    ///   - state: tensors by key.
    ///   - strict: when true, every parameter must be present with its shape and no key may be unused.
    /// - Returns: the keys that were loaded.
    /// - Throws: `ModuleError` for a missing, unexpected or mis-shaped key under `strict`.
    @discardableResult
    public func load(_ state: [String: Tensor], strict: Bool = true) throws -> [String] {
        var loaded: [String] = []
        let params = namedParameters()
        for (key, t) in params {
            guard let src = state[key] else {
                if strict { throw ModuleError.missingKey(key) }
                continue
            }
            if src.shape != t.shape {
                if strict { throw ModuleError.shapeMismatch(key: key, expected: t.shape, found: src.shape) }
                continue
            }
            t.assign(src)
            loaded.append(key)
        }
        if strict {
            let known = Set(params.map(\.key))
            if let extra = state.keys.sorted().first(where: { !known.contains($0) }) { throw ModuleError.unexpectedKey(extra) }
        }
        return loaded
    }
}

/// Errors loading parameters into a module.
public enum ModuleError: Error, CustomStringConvertible, Equatable {
    case missingKey(String)
    case unexpectedKey(String)
    case shapeMismatch(key: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .missingKey(let k): return "checkpoint has no tensor '\(k)'"
        case .unexpectedKey(let k): return "checkpoint tensor '\(k)' matches no parameter"
        case let .shapeMismatch(k, e, f): return "checkpoint tensor '\(k)' has shape \(f); the model expects \(e)"
        }
    }
}
