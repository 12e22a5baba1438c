import CSiTKit
import Foundation
import HistoData
import Training

/// A validated experiment spec, decoded once: its name and results folder, the design at
/// each sweep point, and its tables. The YAML tree stays inside the module (the resolver
/// turns its settings blocks into run settings through the settings table).
public struct ExperimentSpec {
    public let file: String
    /// Folder of the spec file; relative paths in the spec are resolved against the working
    /// directory, as a user typing them would expect.
    public let baseDir: URL
    public let name: String
    /// Where runs and tables go: `results:` or `results/<name>`.
    public let resultsDir: URL
    /// The design without sweep values (what the tables' protocol note describes); nil for a
    /// spec of tables only, whose columns all read other specs' runs.
    public let design: ExperimentDesign?
    /// One entry per sweep point (a single empty point without a sweep; none for a spec of
    /// tables only).
    public private(set) var points: [SweepPoint]
    /// The spec's tables (one table by mode when it has none).
    public let tables: [TableSpec]
    /// The specs that table columns draw runs from, by the path the column writes; loaded
    /// with this spec's environment, without its `--set` overrides (they are this spec's).
    public internal(set) var sources: [String: ExperimentSpec] = [:]
    /// The validated tree, environment and `--set` overrides applied.
    let tree: SpecValue

    /// One point of the sweep: the values it sets and the design they give.
    public struct SweepPoint {
        /// The swept key paths and values, in the spec's order.
        public let assignments: [(path: [String], value: SpecValue)]
        /// `path=value, …` ("" without a sweep): how tables and labels name the point.
        public let label: String
        public let design: ExperimentDesign
    }

    init(file: String, tree: SpecValue, baseDir: URL) throws {
        let r = SpecReader(tree: tree)
        self.file = file
        self.tree = tree
        self.baseDir = baseDir
        guard let name = try r.string("name") else { throw SpecError.missing(tree.location, path: "name") }
        self.name = name
        let results = try r.string("results") ?? "results/\(name)"
        resultsDir = results.hasPrefix("/") ? URL(fileURLWithPath: results) : baseDir.appendingPathComponent(results)
        let entries = r.value("tables").map { v -> [SpecValue] in if case .sequence(let s, _) = v { return s }; return [] } ?? []
        if tree["dataset"] == nil {
            // A spec of tables only: nothing in it plans a run, and every column names the spec
            // it reads; anything else still needs its dataset.
            guard !entries.isEmpty, !SpecSchema.designKeys.union(["model", "train", "sweep"]).contains(where: { tree[$0] != nil }) else {
                throw SpecError.missing(tree.location, path: "dataset")
            }
            tables = try entries.enumerated().map { try TableSpec($1, index: $0) }
            for (i, t) in tables.enumerated() {
                for (j, c) in t.columns.enumerated() where c.spec == nil {
                    throw SpecError.range(c.location, path: "tables[\(i)].columns[\(j)]", value: c.key,
                                          expected: "a column that names its spec (this spec has no dataset: it plans no runs of its own)")
                }
            }
            design = nil
        } else {
            design = try ExperimentDesign(tree)
            tables = try entries.enumerated().map { try TableSpec($1, index: $0) }
        }
        // Two tables of one name would write the same files, the second over the first.
        for (i, t) in tables.enumerated() where tables[..<i].contains(where: { $0.name == t.name }) {
            throw SpecError.range(entries[i]["name"]?.location ?? entries[i].location, path: "tables[\(i)].name", value: t.name,
                                  expected: "a name no other table has")
        }
        points = []
    }

    /// The spec tree with a sweep point's values written in (the resolver's input).
    func tree(at point: SweepPoint) -> SpecValue {
        point.assignments.reduce(tree) { $0.setting($1.path, to: $1.value) }
    }

    /// Loads, substitutes `${ENV}`, applies `--set key.path=value` overrides, and validates.
    ///
    /// - Parameters:
    ///   - checkPaths: require dataset and checkpoint paths to exist (off for `plan`-only tests).
    /// - Throws: `SpecError` naming file, line, column and key path; nothing runs on error.
    ///   - loadSources: load the specs table columns draw from (off for those specs themselves:
    ///     only their runs are read, so their own sources never matter and no cycle can form).
    public static func load(_ path: String, overrides: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
                            checkPaths: Bool = true, loadSources: Bool = true) throws -> ExperimentSpec {
        let text: String
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw SpecError.unreadable(path, "no such file") }
        guard !isDir.boolValue else { throw SpecError.unreadable(path, "it is a folder, not a spec file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError.unreadable(path, String(cString: strerror(access(path, R_OK) == 0 ? EIO : errno)))
        }
        guard data.count <= SpecLimits.maxBytes else {
            throw SpecError.tooLarge(SpecLocation(file: path, line: 0, column: 0), "\(data.count) bytes, more than \(SpecLimits.maxBytes)")
        }
        guard let decoded = String(data: data, encoding: .utf8) else { throw SpecError.unreadable(path, "not UTF-8 text") }
        text = decoded
        return try parse(text, file: path, overrides: overrides, environment: environment, checkPaths: checkPaths, loadSources: loadSources)
    }

    public static func parse(_ text: String, file: String, overrides: [String] = [], environment: [String: String] = [:],
                             checkPaths: Bool = true, baseDir: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                             loadSources: Bool = true) throws -> ExperimentSpec {
        var tree = try SpecValue.parse(text, file: file).substitutingEnvironment(environment)
        var singleOverrides: [(key: String, text: String)] = []
        for o in overrides {
            guard let eq = o.firstIndex(of: "=") else { throw SpecError.badOverride(o, reason: "expected key.path=value") }
            let path = o[..<eq].split(separator: ".").map(String.init)
            guard !path.isEmpty else { throw SpecError.badOverride(o, reason: "expected key.path=value") }
            guard SpecSchema.shape(at: path) != nil else {
                throw SpecError.badOverride(o, reason: "no key '\(path.joined(separator: "."))'"
                    + (SpecSchema.allPaths().closest(to: path.joined(separator: ".")).map { " (did you mean '\($0)'?)" } ?? ""))
            }
            let valueText = String(o[o.index(after: eq)...])
            func parsed(_ text: String) -> SpecValue {
                relocated((try? SpecValue.parse(text, file: "--set")) ?? .scalar(text, SpecLocation(file: "--set", line: 0, column: 0)), "--set \(o)")
            }
            // Keys that name or present the experiment take a comma as text.
            let choices = SpecSchema.notSweepable.contains(path[0]) ? [valueText] : topLevelCommaSplit(valueText)
            if choices.count > 1 {
                // Hydra's multirun: `key=a,b` sweeps the key over a and b (a grid axis).
                let key = path.joined(separator: ".")
                if let swept = tree["sweep"], ["zip", "list"].contains(where: { section in
                    swept[section].map { s in s.pairs.contains { $0.key == key } || s.sequenceItems.contains { $0.pairs.contains { $0.key == key } } } ?? false
                }) {
                    throw SpecError.badOverride(o, reason: "'\(key)' is already swept in sweep.zip or sweep.list")
                }
                // The same value twice would plan the same runs twice under two labels.
                var seen: [String] = []
                for choice in choices {
                    let canonical = Double(choice).map { String($0) } ?? choice
                    if seen.contains(canonical) { throw SpecError.badOverride(o, reason: "the value '\(choice)' is given twice") }
                    seen.append(canonical)
                }
                tree = tree.setting(["sweep", "grid", key], to: .sequence(choices.map(parsed), SpecLocation(file: "--set \(o)", line: 0, column: 0)))
            } else {
                tree = tree.setting(path, to: parsed(valueText))
                singleOverrides.append((path.joined(separator: "."), o))
            }
        }
        try SpecSchema.validate(tree, SpecSchema.root, path: "", checkPaths: checkPaths, baseDir: baseDir)
        var spec = try ExperimentSpec(file: file, tree: tree, baseDir: baseDir)
        // Every sweep key must be a spec key that changes runs, and every point must validate.
        for (path, loc) in spec.sweepKeys() {
            let key = path.joined(separator: ".")
            // The sweep would silently replace a single --set value of the same key.
            if let o = singleOverrides.first(where: { $0.key == key }) {
                throw SpecError.badOverride(o.text, reason: "'\(key)' is also swept (\(loc)); give the sweep's values as --set \(key)=a,b")
            }
            guard !path.isEmpty, SpecSchema.shape(at: path) != nil else {
                throw SpecError.sweepKey(loc, path: key, suggestion: SpecSchema.allPaths().closest(to: key))
            }
            // Resources are not part of a run: points differing only in them are one run.
            if path.contains("resources") {
                throw SpecError.range(loc, path: "sweep", value: key, expected: "a key that changes runs (resources are set, not swept)")
            }
            if SpecSchema.notSweepable.contains(path[0]) {
                throw SpecError.range(loc, path: "sweep", value: key, expected: "a key that changes runs (not \(SpecSchema.notSweepable.sorted().joined(separator: ", ")))")
            }
        }
        try spec.checkRunCount()
        if checkPaths { try spec.checkResultsFolder() }
        // Each swept value once against the shape at its key path (not the whole tree once
        // per point, which made large sweeps quadratic).
        var seen = Set<String>()
        let raw = try spec.rawSweepPoints()
        for point in raw {
            for (path, value) in point where seen.insert(path.joined(separator: ".") + "\u{0}" + value.canonical).inserted {
                guard let shape = SpecSchema.shape(at: path) else { continue }
                try SpecSchema.validate(value, shape, path: path.joined(separator: "."), checkPaths: checkPaths, baseDir: baseDir)
            }
        }
        // A spec of tables only plans nothing: no point, no run.
        spec.points = spec.design == nil ? [] : try raw.map { assignments in
            let label = assignments.map { "\($0.path.joined(separator: "."))=\($0.value.canonical)" }.joined(separator: ", ")
            // Only points that sweep a design key need their own decode.
            let design = assignments.contains { SpecSchema.designKeys.contains($0.path[0]) }
                ? try ExperimentDesign(assignments.reduce(tree) { $0.setting($1.path, to: $1.value) }) : spec.design!
            return SweepPoint(assignments: assignments, label: label, design: design)
        }
        if spec.design != nil { try spec.checkTableModes() }
        try spec.checkTables()
        if loadSources { try spec.loadSources(environment: environment, checkPaths: checkPaths) }
        return spec
    }

    /// The results folder exists as a folder, or can be made: its nearest existing ancestor
    /// is a writable folder (a file on the way, or a read-only parent, would stop the first
    /// run after planning).
    ///
    /// - Throws: `SpecError.range` at the `results` key naming the path that is in the way.
    func checkResultsFolder() throws {
        let location = tree["results"]?.location ?? tree.location
        func refuse(_ why: String) -> SpecError {
            SpecError.range(location, path: "results", value: resultsDir.path, expected: "a folder, or a path where one can be made (\(why))")
        }
        var url = resultsDir.standardizedFileURL
        // A link to nothing is not a folder, and no folder can be made through it.
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path),
           !FileManager.default.fileExists(atPath: url.path) {
            throw refuse("\(url.path) is a link to \(target), which does not exist")
        }
        while true {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) {
                guard isDir.boolValue else { throw refuse("\(url.path) is a file") }
                guard access(url.path, W_OK | X_OK) == 0 else { throw refuse("\(url.path) is not writable") }
                return
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return }
            url = parent
        }
    }

    /// `a,b,[c, d]` → `a`, `b`, `[c, d]`: commas inside brackets, braces or quotes do not split.
    static func topLevelCommaSplit(_ s: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0
        var quote: Character?
        for ch in s {
            if let q = quote {
                if ch == q { quote = nil }
            } else if ch == "\"" || ch == "'" {
                quote = ch
            } else if "[{".contains(ch) {
                depth += 1
            } else if "]}".contains(ch) {
                depth = Swift.max(0, depth - 1)
            } else if ch == ",", depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            }
            current.append(ch)
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }

    static func relocated(_ v: SpecValue, _ file: String) -> SpecValue {
        let loc = SpecLocation(file: file, line: 0, column: 0)
        switch v {
        case .scalar(let s, _): return .scalar(s, loc)
        case .sequence(let items, _): return .sequence(items.map { relocated($0, file) }, loc)
        case .mapping(let pairs, _): return .mapping(pairs.map { (key: $0.key, value: relocated($0.value, file)) }, loc)
        }
    }
}

extension SpecValue {
    var scalarString: String? { if case .scalar(let s, _) = self { return s }; return nil }
    var stringList: [String] { if case .sequence(let items, _) = self { return items.compactMap(\.scalarString) }; return [] }
    var pairs: [(key: String, value: SpecValue)] { if case .mapping(let p, _) = self { return p }; return [] }
    var sequenceItems: [SpecValue] { if case .sequence(let items, _) = self { return items }; return [] }
}

extension ExperimentSpec {
    /// True when a dataset folder the spec names exists here (planning then lists it): the
    /// fuzz harness and its regression test plan only specs that name none.
    public var namesExistingData: Bool {
        points.map(\.design).contains { d in
            [d.data.root, d.data.testRoot, d.ssl?.datasetRoot].contains { $0.map { FileManager.default.fileExists(atPath: $0) } ?? false }
        }
    }
}
