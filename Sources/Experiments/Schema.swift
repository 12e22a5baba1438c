import CSiTKit
import Evaluation
import Foundation
import HistoData
import Training

/// The shape of a valid spec, used to validate every value with its location.
indirect enum Shape {
    case int(ClosedRange<Int>)
    case double(ClosedRange<Double>)
    case bool
    case string
    case oneOf([String])
    /// A file or folder that must exist (checked when `checkPaths` is on).
    case path
    case list(Shape, nonEmpty: Bool)
    case map([String: Shape], required: Set<String>)
    /// Keys are data, values all of one shape (sweep grids).
    case dictionary(Shape)
    /// A scalar of the first shape, or a list or mapping of the second (a table column: a
    /// metric name or a mapping that selects its runs).
    case scalarOr(Shape, Shape)
    /// A string a check accepts (Slurm's memory and time formats), with what it expects.
    case pattern(String, (String) -> Bool)
    case anything

    var expected: String {
        switch self {
        case .int(let r): return "an integer in \(r.lowerBound)…\(r.upperBound)"
        case .double(let r): return "a number in \(r.lowerBound)…\(r.upperBound)"
        case .bool: return "true or false"
        case .string, .path: return "a string"
        case .oneOf(let v): return "one of \(v.joined(separator: ", "))"
        case .list: return "a list"
        case .map, .dictionary: return "a mapping"
        case .pattern(let expected, _): return expected
        case .anything: return "a value"
        case let .scalarOr(a, b): return "\(a.expected), or \(b.expected)"
        }
    }
}

/// The spec schema.
enum SpecSchema {
    /// The shape of a setting's values, from its domain in the settings table.
    static func shape(_ setting: RunSetting) -> Shape {
        switch setting.domain {
        case .integer(let r): return .int(r)
        case .number(let r): return .double(r)
        case .flag: return .bool
        case .text: return .string
        case .path: return .path
        case .choice(let v): return .oneOf(v)
        case .subset(let v): return .list(.oneOf(v), nonEmpty: true)
        }
    }

    /// The settings a spec places in `where` (`train` blocks or `model`), keyed by setting key.
    static func settings(placed placement: RunSetting.Placement) -> [String: Shape] {
        Dictionary(uniqueKeysWithValues: RunSetting.all.filter { $0.placement == placement }.map { ($0.key, shape($0)) })
    }

    /// Training settings that a spec may set for SSL and for each downstream mode.
    static let settings = settings(placed: .train)

    /// Top-level keys a sweep may not set: they name or present the experiment, not a run.
    static let notSweepable: Set<String> = ["name", "description", "results", "tables", "sweep"]
    /// Top-level keys that change a point's `ExperimentDesign` (the rest reach runs only
    /// through the settings resolver).
    static let designKeys: Set<String> = ["dataset", "protocol", "modes", "ssl"]

    static let modes = RunConfig.Mode.allCases.filter { $0 != .ssl }.map(\.rawValue)
    static let metrics = Metric.allCases.map(\.rawValue)

    static let root: Shape = .map([
        "name": .string,
        "description": .string,
        "results": .string,
        "dataset": .map(settings(placed: .dataset).merging(["kind": .oneOf(DatasetKind.allCases.map(\.rawValue)), "root": .path,
                         "task": .oneOf(BreakHisTask.allCases.map(\.rawValue)), "test_root": .path]) { _, b in b }, required: ["kind", "root"]),
        "protocol": .map([
            "folds": .int(2...100), "group_by": .oneOf(["image", "patient"]), "run_folds": .list(.int(0...99), nonEmpty: true),
            "zooms": .list(.oneOf(BreakHis.magnifications), nonEmpty: true),
            "label_fractions": .list(.double(1e-6...1), nonEmpty: true), "seeds": .list(.int(0...Int(Int32.max)), nonEmpty: true),
            "test_fraction": .double(1e-6...0.999999), "split_seed": .int(0...Int(Int32.max)), "validation": .double(0...0.9),
        ], required: []),
        "model": .map(settings(placed: .model), required: []),
        "resources": Resources.shape,
        "ssl": .map(settings.merging(settings(placed: .ssl)) { a, _ in a }.merging(["checkpoint": .path, "resources": Resources.shape,
                                      "dataset": .map(settings(placed: .dataset).merging(["kind": .oneOf(DatasetKind.allCases.map(\.rawValue)),
                                                                                          "root": .path]) { _, b in b },
                                                      required: ["root"])]) { a, _ in a }, required: []),
        "modes": .list(.oneOf(modes), nonEmpty: true),
        "train": .map(settings.merging(Dictionary(uniqueKeysWithValues: modes.map {
            ($0, Shape.map(settings.merging(["resources": Resources.shape]) { a, _ in a }, required: []))
        })) { a, _ in a },
                      required: []),
        "sweep": .map(["grid": .dictionary(.list(.anything, nonEmpty: true)), "zip": .dictionary(.list(.anything, nonEmpty: true)),
                       "list": .list(.dictionary(.anything), nonEmpty: true)], required: []),
        "tables": .list(.map(["name": .string, "title": .string, "rows": .oneOf(TableSpec.Rows.allCases.map(\.rawValue)),
                              "columns_by": .oneOf(TableSpec.Rows.allCases.map(\.rawValue)),
                              "intervals": .oneOf(TableSpec.Intervals.allCases.map(\.rawValue)),
                              "columns": .list(.scalarOr(.oneOf(metrics), column), nonEmpty: true), "format": .string, "percent": .bool,
                              "modes": .list(.oneOf(modes), nonEmpty: true),
                              "reference": .dictionary(.dictionary(.double(-1e9...1e9))),
                              "reported": .dictionary(.dictionary(.double(-1e9...1e9))), "text_columns": .dictionary(.dictionary(.string)),
                              "row_names": .dictionary(.string), "note": .string, "corner": .string], required: ["columns"]), nonEmpty: true),
    // `dataset` is required unless every table column names its spec (a spec of tables only):
    // ExperimentSpec checks that once it knows the tables.
    ], required: ["name"])

    /// A table column that selects its runs: the metric, and which runs of which spec.
    static let column: Shape = .map(["metric": .oneOf(metrics), "header": .string, "spec": .string,
                                     "modes": .list(.oneOf(modes), nonEmpty: true),
                                     "zooms": .list(.oneOf(BreakHis.magnifications), nonEmpty: true),
                                     "label_fractions": .list(.double(1e-6...1), nonEmpty: true)], required: ["metric"])

    /// Every dotted key path the schema allows (for sweep and override validation).
    static func allPaths(_ shape: Shape = root, prefix: String = "") -> [String] {
        guard case .map(let fields, _) = shape else { return [] }
        return fields.flatMap { key, s -> [String] in
            let p = prefix.isEmpty ? key : "\(prefix).\(key)"
            if case .map = s { return [p] + allPaths(s, prefix: p) }
            return [p]
        }.sorted()
    }

    /// The shape at a dotted path, if the schema has it.
    static func shape(at path: [String], in shape: Shape = root) -> Shape? {
        guard let first = path.first else { return shape }
        guard case .map(let fields, _) = shape, let s = fields[first] else { return nil }
        return self.shape(at: Array(path.dropFirst()), in: s)
    }

    /// Validates `value` against `shape`, reporting the first problem with its location.
    static func validate(_ value: SpecValue, _ shape: Shape, path: String, checkPaths: Bool, baseDir: URL) throws {
        let loc = value.location
        func scalar() throws -> String {
            guard case .scalar(let s, _) = value else { throw SpecError.type(loc, path: path, expected: shape.expected) }
            return s
        }
        switch shape {
        case .anything: return
        case let .scalarOr(a, b):
            if case .scalar = value { try validate(value, a, path: path, checkPaths: checkPaths, baseDir: baseDir) }
            else { try validate(value, b, path: path, checkPaths: checkPaths, baseDir: baseDir) }
        case .int(let r):
            guard let v = Int(try scalar()) else { throw SpecError.type(loc, path: path, expected: shape.expected) }
            guard r.contains(v) else { throw SpecError.range(loc, path: path, value: String(v), expected: shape.expected) }
        case .double(let r):
            guard let v = Double(try scalar()) else { throw SpecError.type(loc, path: path, expected: shape.expected) }
            guard r.contains(v) else { throw SpecError.range(loc, path: path, value: String(v), expected: shape.expected) }
        case .bool:
            guard ["true", "false"].contains(try scalar()) else { throw SpecError.type(loc, path: path, expected: shape.expected) }
        case .string: _ = try scalar()
        case .pattern(let expected, let accepts):
            let s = try scalar()
            guard accepts(s) else { throw SpecError.range(loc, path: path, value: s, expected: expected) }
        case .oneOf(let options):
            let s = try scalar()
            guard options.contains(s) else { throw SpecError.range(loc, path: path, value: s, expected: shape.expected) }
        case .path:
            let s = try scalar()
            if checkPaths {
                let url = s.hasPrefix("/") ? URL(fileURLWithPath: s) : baseDir.appendingPathComponent(s)
                guard FileManager.default.fileExists(atPath: url.path) else { throw SpecError.missingPath(loc, path: path, file: s) }
            }
        case let .list(inner, nonEmpty):
            guard case .sequence(let items, _) = value else { throw SpecError.type(loc, path: path, expected: "a list") }
            if nonEmpty && items.isEmpty { throw SpecError.range(loc, path: path, value: "[]", expected: "a non-empty list") }
            for (i, item) in items.enumerated() { try validate(item, inner, path: "\(path)[\(i)]", checkPaths: checkPaths, baseDir: baseDir) }
        case .dictionary(let inner):
            guard case .mapping(let pairs, _) = value else { throw SpecError.type(loc, path: path, expected: "a mapping") }
            for (k, v) in pairs { try validate(v, inner, path: "\(path).\(k)", checkPaths: checkPaths, baseDir: baseDir) }
        case let .map(fields, required):
            guard case .mapping(let pairs, _) = value else { throw SpecError.type(loc, path: path, expected: "a mapping") }
            for (k, v) in pairs {
                let full = path.isEmpty ? k : "\(path).\(k)"
                if fields[k] == nil, let setting = RunSetting.named(k), setting.placement == .commandLine {
                    throw SpecError.notInSpec(v.location, path: full, instead: "it is set per machine with --\(k) or CSIT_\(k.uppercased())")
                }
                // An SSL-only setting in a train block: say where it goes.
                if fields[k] == nil, let setting = RunSetting.named(k), setting.placement == .ssl {
                    throw SpecError.unknownKey(v.location, path: full, suggestion: "ssl.\(k)")
                }
                guard let s = fields[k] else {
                    throw SpecError.unknownKey(v.location, path: full, suggestion: Array(fields.keys).closest(to: k).map { path.isEmpty ? $0 : "\(path).\($0)" })
                }
                try validate(v, s, path: full, checkPaths: checkPaths, baseDir: baseDir)
            }
            for r in required.sorted() where !pairs.contains(where: { $0.key == r }) {
                throw SpecError.missing(loc, path: path.isEmpty ? r : "\(path).\(r)")
            }
        }
    }
}
