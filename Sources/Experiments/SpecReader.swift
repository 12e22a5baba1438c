import Foundation

/// Typed reads from a validated spec tree, used once when the spec is decoded.
///
/// Validation has already checked every value against the schema, so a read that does not
/// fit is a bug in the schema, not in the user's file; it is still reported as a located
/// error naming the key, never papered over with a default.
struct SpecReader {
    let tree: SpecValue

    /// The value at a dotted path, or nil when the spec leaves it out.
    func value(_ path: String) -> SpecValue? { tree.value(at: path.split(separator: ".").map(String.init)) }

    /// One scalar decoded with `parse`; nil when absent.
    func scalar<T>(_ path: String, expected: String, _ parse: (String) -> T?) throws -> T? {
        guard let v = value(path) else { return nil }
        return try Self.scalar(v, path: path, expected: expected, parse)
    }

    /// A list of scalars, each decoded with `parse`; nil when absent.
    func list<T>(_ path: String, expected: String, _ parse: (String) -> T?) throws -> [T]? {
        guard let v = value(path) else { return nil }
        guard case .sequence(let items, _) = v else { throw SpecError.type(v.location, path: path, expected: "a list") }
        return try items.enumerated().map { i, item in try Self.scalar(item, path: "\(path)[\(i)]", expected: expected, parse) }
    }

    func string(_ path: String) throws -> String? { try scalar(path, expected: "a string") { $0 } }
    func int(_ path: String) throws -> Int? { try scalar(path, expected: "an integer", Int.init) }
    func double(_ path: String) throws -> Double? { try scalar(path, expected: "a number", Double.init) }
    func bool(_ path: String) throws -> Bool? { try scalar(path, expected: "true or false") { Bool($0) } }

    /// One of an enumeration's raw values.
    func choice<T: RawRepresentable & CaseIterable>(_ path: String, _: T.Type) throws -> T? where T.RawValue == String {
        try scalar(path, expected: Self.oneOf(T.self), T.init(rawValue:))
    }

    /// A list of an enumeration's raw values.
    func choices<T: RawRepresentable & CaseIterable>(_ path: String, _: T.Type) throws -> [T]? where T.RawValue == String {
        try list(path, expected: Self.oneOf(T.self), T.init(rawValue:))
    }

    static func oneOf<T: RawRepresentable & CaseIterable>(_: T.Type) -> String where T.RawValue == String {
        "one of " + T.allCases.map(\.rawValue).joined(separator: ", ")
    }

    static func scalar<T>(_ v: SpecValue, path: String, expected: String, _ parse: (String) -> T?) throws -> T {
        guard case .scalar(let s, let loc) = v else { throw SpecError.type(v.location, path: path, expected: expected) }
        guard let t = parse(s) else { throw SpecError.range(loc, path: path, value: s, expected: expected) }
        return t
    }
}
