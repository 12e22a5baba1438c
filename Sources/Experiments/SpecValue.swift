import Foundation
import Yams

/// Where a value came from: file, line and column (1-based), or a command-line override.
public struct SpecLocation: Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// A YAML tree that remembers where each value was written, so every error can point at it.
public indirect enum SpecValue: Equatable, Sendable {
    case scalar(String, SpecLocation)
    case sequence([SpecValue], SpecLocation)
    case mapping([(key: String, value: SpecValue)], SpecLocation)

    public static func == (a: SpecValue, b: SpecValue) -> Bool {
        switch (a, b) {
        case let (.scalar(x, _), .scalar(y, _)): return x == y
        case let (.sequence(x, _), .sequence(y, _)): return x == y
        case let (.mapping(x, _), .mapping(y, _)): return x.map(\.key) == y.map(\.key) && x.map(\.value) == y.map(\.value)
        default: return false
        }
    }

    public var location: SpecLocation {
        switch self { case .scalar(_, let l), .sequence(_, let l), .mapping(_, let l): return l }
    }

    /// Parses YAML text.
    ///
    /// - Throws: `SpecError.syntax` with libyaml's position and message.
    public static func parse(_ text: String, file: String) throws -> SpecValue {
        try SpecLimits.check(text, file: file)
        let node: Node?
        do { node = try Yams.compose(yaml: text) }
        catch let e as YamlError {
            throw SpecError.syntax(SpecLocation(file: file, line: 0, column: 0), "\(e)")
        }
        guard let node else { return .mapping([], SpecLocation(file: file, line: 1, column: 1)) }
        var budget = SpecLimits.maxValues
        return try convert(node, file: file, budget: &budget)
    }

    /// Converts Yams' tree, counting the values produced: aliases are shared in Yams' tree
    /// but expand here, so an alias bomb stops at the budget instead of exhausting memory.
    static func convert(_ node: Node, file: String, budget: inout Int) throws -> SpecValue {
        let loc = SpecLocation(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
        budget -= 1
        guard budget >= 0 else { throw SpecError.tooLarge(loc, "it expands to more than \(SpecLimits.maxValues) values (aliases?)") }
        switch node {
        case .scalar(let s): return .scalar(s.string, loc)
        case .sequence(let s): return .sequence(try s.map { try convert($0, file: file, budget: &budget) }, loc)
        case .mapping(let m):
            var pairs: [(String, SpecValue)] = []
            for (k, v) in m {
                guard let key = k.string else { throw SpecError.type(loc, path: "", expected: "string keys") }
                if pairs.contains(where: { $0.0 == key }) {
                    throw SpecError.duplicateKey(SpecLocation(file: file, line: k.mark?.line ?? 0, column: k.mark?.column ?? 0), key)
                }
                pairs.append((key, try convert(v, file: file, budget: &budget)))
            }
            return .mapping(pairs.map { (key: $0.0, value: $0.1) }, loc)
        }
    }

    /// The child at `key` of a mapping.
    public subscript(key: String) -> SpecValue? {
        if case .mapping(let pairs, _) = self { return pairs.first { $0.key == key }?.value }
        return nil
    }

    /// The value at a dotted path (`train.ft.lr`).
    public func value(at path: [String]) -> SpecValue? {
        guard let first = path.first else { return self }
        return self[first]?.value(at: Array(path.dropFirst()))
    }

    /// A copy with `value` at the dotted `path`, creating mappings on the way.
    public func setting(_ path: [String], to value: SpecValue) -> SpecValue {
        guard let first = path.first else { return value }
        guard case .mapping(var pairs, let loc) = self else {
            return SpecValue.mapping([], location).setting(path, to: value)
        }
        if let i = pairs.firstIndex(where: { $0.key == first }) {
            pairs[i].value = pairs[i].value.setting(Array(path.dropFirst()), to: value)
        } else {
            pairs.append((key: first, value: SpecValue.mapping([], value.location).setting(Array(path.dropFirst()), to: value)))
        }
        return .mapping(pairs, loc)
    }

    /// Replaces `${NAME}` and `${NAME:-default}` in scalars with the environment's values.
    ///
    /// - Throws: `SpecError.missingEnvironment` for an unset variable without a default,
    ///   `SpecError.substitution` for an unterminated `${` or one that names no variable.
    public func substitutingEnvironment(_ env: [String: String]) throws -> SpecValue {
        switch self {
        case let .scalar(s, loc):
            var out = "", rest = Substring(s)
            while let r = rest.range(of: "${") {
                out += rest[..<r.lowerBound]
                guard let close = rest[r.upperBound...].firstIndex(of: "}") else {
                    throw SpecError.substitution(loc, s, "unterminated '${'")
                }
                let expr = String(rest[r.upperBound..<close])
                let parts = expr.components(separatedBy: ":-")
                // ${A:-${B}} would close at B's brace and leave text behind: refused, not guessed.
                guard !expr.contains("${") else { throw SpecError.substitution(loc, s, "a nested '${' is not supported") }
                guard Self.isVariableName(parts[0]) else {
                    throw SpecError.substitution(loc, s, "'${\(expr)}' does not name an environment variable")
                }
                if let v = env[parts[0]], !v.isEmpty { out += v }
                else if parts.count > 1 { out += parts.dropFirst().joined(separator: ":-") }
                else { throw SpecError.missingEnvironment(loc, parts[0]) }
                rest = rest[rest.index(after: close)...]
            }
            return .scalar(out + rest, loc)
        case let .sequence(items, loc): return .sequence(try items.map { try $0.substitutingEnvironment(env) }, loc)
        case let .mapping(pairs, loc):
            return .mapping(try pairs.map { (key: $0.key, value: try $0.value.substitutingEnvironment(env)) }, loc)
        }
    }

    /// A POSIX shell variable name: a letter or underscore, then letters, digits, underscores.
    static func isVariableName(_ n: String) -> Bool {
        guard let first = n.unicodeScalars.first, first == "_" || (first.isASCII && CharacterSet.letters.contains(first)) else { return false }
        return n.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) }
    }

    /// A canonical text form (for hashing and display): scalars as written, keys in order.
    public var canonical: String {
        switch self {
        case .scalar(let s, _): return s
        case .sequence(let items, _): return "[" + items.map(\.canonical).joined(separator: ", ") + "]"
        case .mapping(let pairs, _): return "{" + pairs.map { "\($0.key): \($0.value.canonical)" }.joined(separator: ", ") + "}"
        }
    }
}

/// A spec that cannot be used; every case names the file, line, column and key path.
public enum SpecError: Error, CustomStringConvertible, Equatable {
    case syntax(SpecLocation, String)
    case unknownKey(SpecLocation, path: String, suggestion: String?)
    case type(SpecLocation, path: String, expected: String)
    case range(SpecLocation, path: String, value: String, expected: String)
    case missing(SpecLocation, path: String)
    case missingPath(SpecLocation, path: String, file: String)
    case duplicateKey(SpecLocation, String)
    case missingEnvironment(SpecLocation, String)
    /// A `${…}` that cannot be substituted: the scalar and why.
    case substitution(SpecLocation, String, String)
    case badOverride(String, reason: String)
    case sweepKey(SpecLocation, path: String, suggestion: String?)
    /// A setting that does not fit, with its source (`file:line:column key.path`).
    case setting(String, String)
    /// A key a spec may not set, and where it is set instead.
    case notInSpec(SpecLocation, path: String, instead: String)
    /// The spec file cannot be read (missing, a folder, not UTF-8, no permission).
    case unreadable(String, String)
    /// A spec beyond the limits of `SpecLimits` (size, nesting, expanded values, runs).
    case tooLarge(SpecLocation, String)

    public var description: String {
        switch self {
        case let .syntax(l, m): return "\(l): YAML syntax error: \(m)"
        case let .unknownKey(l, p, s): return "\(l): unknown key '\(p)'" + (s.map { " (did you mean '\($0)'?)" } ?? "")
        case let .type(l, p, e): return p.isEmpty ? "\(l): expected \(e) at the top level" : "\(l): \(p): expected \(e)"
        case let .range(l, p, v, e): return "\(l): \(p) = \(v): expected \(e)"
        case let .missing(l, p): return "\(l): missing required key '\(p)'"
        case let .missingPath(l, p, f): return "\(l): \(p): no such file or folder '\(f)'"
        case let .duplicateKey(l, k): return "\(l): key '\(k)' appears twice"
        case let .missingEnvironment(l, n): return "\(l): environment variable '\(n)' is not set (write ${\(n):-default} for a default)"
        case let .substitution(l, text, why): return "\(l): '\(text)': \(why): expected ${NAME} or ${NAME:-default}"
        case let .badOverride(o, r): return "--set \(o): \(r)"
        case let .sweepKey(l, p, s): return "\(l): sweep over '\(p)', which is not a spec key" + (s.map { " (did you mean '\($0)'?)" } ?? "")
        case let .setting(source, m): return "\(source): \(m)"
        case let .notInSpec(l, p, i): return "\(l): \(p) is not a spec key: \(i)"
        case let .tooLarge(l, why): return "\(l): spec too large: \(why)"
        case let .unreadable(path, why): return "\(path): cannot read the spec: \(why)"
        }
    }
}
