import Foundation
import HistoData
import Training

/// One planned run.
public struct PlannedRun: Sendable {
    /// `RunIdentity.id` of the configuration and its data.
    public var id: String
    public var config: RunConfig
    /// How the spec asks the run to execute (loaders, caching); not part of the id.
    public var execution: ExecutionConfig
    /// The SSL run this one starts from (its `model.safetensors`), if any.
    public var dependsOn: String?
    /// Every spec entry that resolved to this run.
    public var labels: [RunLabel]
    /// The images the run reads (estimated from the listing before its split is made).
    public var images: RunImages
    /// What it asks of the machine (`resources:`); not part of the id.
    public var resources: Resources

    /// Image-steps (training images × epochs, ×2 views for SSL).
    public var imageSteps: Int { images.train * config.epochs * (config.mode == .ssl ? 2 : 1) }

    public init(id: String, config: RunConfig, execution: ExecutionConfig, dependsOn: String?, labels: [RunLabel],
                images: RunImages = RunImages(), resources: Resources = Resources()) {
        (self.id, self.config, self.execution, self.dependsOn, self.labels, self.images) = (id, config, execution, dependsOn, labels, images)
        self.resources = resources
    }
}

/// The coordinates of a spec entry.
public struct RunLabel: Codable, Equatable, Hashable, Sendable {
    public var mode: String
    public var fold: Int?
    public var zoom: String?
    public var labelFraction: Double
    public var seed: UInt64
    /// `path=value, …` of the sweep point ("" without a sweep).
    public var sweep: String

    public init(mode: String, fold: Int?, zoom: String?, labelFraction: Double, seed: UInt64, sweep: String) {
        (self.mode, self.fold, self.zoom, self.labelFraction, self.seed, self.sweep) = (mode, fold, zoom, labelFraction, seed, sweep)
    }
}

/// The run graph of a spec: SSL pretraining nodes first, then the downstream runs.
public struct Plan {
    public var spec: ExperimentSpec
    public var runs: [PlannedRun]
    /// What the plan would run but probably should not (warm-up as long as training, counts
    /// that differ from the public dataset a root is).
    public var warnings: [String] = []
    /// Every distinct dataset the plan reads (training, fixed test and SSL roots), listed but
    /// not decoded, in first-use order; roots that do not exist are left out.
    public var datasets: [DatasetCheck] = []
    /// The plans of the specs table columns draw from, by the path the column writes: their
    /// runs are read by identity, never run by this plan.
    public var sources: [String: Plan] = [:]

    public var sslRuns: [PlannedRun] { runs.filter { $0.config.mode == .ssl } }
    public func run(_ id: String) -> PlannedRun? { runs.first { $0.id == id || $0.id.hasPrefix(id) } }

    /// Expands the spec: sweep points × seeds × modes × folds × zooms × label fractions,
    /// sharing one SSL pretraining per (sweep point, seed) and deduplicating identical runs.
    ///
    /// - Parameter assumedImages: the image count to cost a dataset that is not in place and
    ///   has no published size (the unlabeled set); nil leaves such runs uncosted.
    public static func make(_ spec: ExperimentSpec, assumedImages: Int? = nil) throws -> Plan {
        var runs: [PlannedRun] = []
        var index: [String: Int] = [:]
        var hashes = DataHashes(assumedImages: assumedImages)
        var warnings = Set<String>()
        /// Adds a run (or a label to the identical run already planned) and returns its id.
        func add(_ settings: RunSettings, dependsOn: String?, label: RunLabel, tree: SpecValue) throws -> String {
            var config = settings.config
            if let d = dependsOn { config.initCheckpoint = RunIdentity.plannedPrefix + d }
            let source = "\(spec.file): \(label.mode) run (seed \(label.seed)\(label.sweep.isEmpty ? "" : ", " + label.sweep))"
            do { try config.validate() } catch let e as RunConfigError {
                // Located at the key that set the value, where the spec sets it.
                var key: String?
                switch e {
                case .invalid(let k, _, _): key = k
                case .model: key = "image_size"
                case .unknownKey: key = nil
                }
                let at = key.flatMap { spec.location(ofSetting: $0, mode: config.mode, in: tree) }
                throw SpecError.setting(at.map { "\($0.location): \($0.path) (\(label.mode) run)" } ?? source, e.description)
            }
            let (dataHash, images) = try hashes.hash(config)
            // A dataset that cannot train (one class) is refused here, with the key that names it.
            for (path, problems, found) in try hashes.checks(config, tree: tree) {
                let at = tree.value(at: path).map { "\($0.location) \(path.joined(separator: "."))" } ?? spec.file
                if config.mode != .ssl, let problem = problems.first { throw SpecError.setting(at, problem) }
                for w in found { warnings.insert("\(at): \(w)") }
            }
            // Checks that would stop (or hollow out) a run once it starts, made here instead.
            if config.mode != .ssl, !config.groupByPatient, let (name, count) = hashes.smallestClass(config) {
                if let k = config.folds, count < k {
                    throw SpecError.setting(source, "protocol.folds = \(k), but class \(name) has \(count) images: each of the \(k) "
                                            + "stratified folds needs one of every class (at most \(count) folds)")
                }
            }
            var read = RunImages(config, listed: images, testRoot: try hashes.testImages(config))
            if config.mode != .ssl, let v = hashes.validationImages(config) {
                read.setValidation(v)
                // Found by a hostile test: 10 % of 2 images per class is none, and every
                // footnote still said a validation split chose the model.
                if v == 0 {
                    let why = "protocol.validation = \(config.validation.settingText) of a training split of about \(read.train) images "
                        + "holds no image (too few per class)"
                    if config.select == .best || config.patience != nil {
                        throw SpecError.setting(source, why + ": select: best and patience would have nothing to look at")
                    }
                    // Once per spec and split size, not once per run.
                    let at = spec.tree.value(at: ["protocol", "validation"]).map { "\($0.location)" } ?? spec.file
                    warnings.insert("\(at): \(why); those runs compute no per-epoch metrics")
                }
            }
            // Only for data in place: a missing public dataset is costed at its published count.
            if images > 0, read.train < config.batchSize, FileManager.default.fileExists(atPath: config.root) {
                throw SpecError.setting(source, "batch_size = \(config.batchSize), but the training split holds about \(read.train) images "
                                        + "(fewer than one batch)")
            }
            if config.warmupEpochs >= config.epochs {
                warnings.insert("\(source): warm-up (\(config.warmupEpochs) epochs) is not shorter than training (\(config.epochs)); "
                                + "the learning rate never decays")
            }
            let id = try RunIdentity.id(config, dataSHA256: dataHash)
            if let i = index[id] {
                if !runs[i].labels.contains(label) { runs[i].labels.append(label) }
                return id
            }
            index[id] = runs.count
            runs.append(PlannedRun(id: id, config: config, execution: settings.execution, dependsOn: dependsOn, labels: [label],
                                   images: read, resources: Resources.resolve(tree, mode: config.mode.rawValue,
                                                                              base: config.mode.settingsBase.rawValue)))
            return id
        }
        try spec.checkRunCount()
        for point in spec.points {
            let tree = spec.tree(at: point), d = point.design, p = d.evaluation
            for seed in p.seeds {
                var sslID: String?
                if d.pretrains {
                    sslID = try add(try Resolver.sslSettings(tree, seed: seed), dependsOn: nil,
                                    label: RunLabel(mode: "ssl", fold: nil, zoom: nil, labelFraction: 1, seed: seed, sweep: point.label), tree: tree)
                }
                for mode in d.modes { for fold in p.foldList { for zoom in p.zoomList { for fraction in p.labelFractions {
                    var s = try Resolver.downstreamSettings(tree, mode: mode, seed: seed, fold: fold, zoom: zoom, labelFraction: fraction)
                    var dep: String?
                    if mode.needsSSLCheckpoint {
                        if let ck = d.ssl?.checkpoint { s.config.initCheckpoint = ck } else { dep = sslID }
                    }
                    _ = try add(s, dependsOn: dep, label: RunLabel(mode: mode.rawValue, fold: fold, zoom: zoom, labelFraction: fraction,
                                                                   seed: seed, sweep: point.label), tree: tree)
                } } } }
            }
        }
        var plan = Plan(spec: spec, runs: runs, warnings: warnings.sorted(), datasets: hashes.listed)
        for (path, source) in spec.sources { plan.sources[path] = try Plan.make(source, assumedImages: assumedImages) }
        try plan.checkColumnSelections()
        try plan.checkReferenceRows()
        return plan
    }
}

extension Plan {
    /// Every reference row of a table is a row the plan gives it: a reference that matches
    /// nothing was silently left out of the Δ column. Likewise every row `row_names` renames
    /// and every row a text column fills (reported rows count), and no reported row takes the
    /// label of a measured one.
    ///
    /// - Throws: `SpecError.range` at the entry, naming the rows there are.
    func checkReferenceRows() throws {
        let entries = spec.tree["tables"]?.sequenceItems ?? []
        for (i, t) in spec.tables.enumerated() where i < entries.count {
            let measured = ResultTable.groups(t, plan: self, store: nil).order
            let rows = t.reported.map(\.label) + measured
            func check(_ key: String, _ names: [(key: String, value: SpecValue)], against rows: [String]) throws {
                for (row, value) in names where !rows.contains(row) {
                    throw SpecError.range(value.location, path: "tables[\(i)].\(key)", value: row,
                                          expected: "a row of the table (rows: \(rows.joined(separator: ", ")))")
                }
            }
            try check("row_names", entries[i]["row_names"]?.pairs ?? [], against: ResultTable.groups(t, plan: self, store: nil, renamed: false).order)
            try check("reference", entries[i]["reference"]?.pairs ?? [], against: rows)
            for (header, values) in entries[i]["text_columns"]?.pairs ?? [] { try check("text_columns.\(header)", values.pairs, against: rows) }
            for (row, value) in entries[i]["reported"]?.pairs ?? [] where measured.contains(row) {
                throw SpecError.range(value.location, path: "tables[\(i)].reported", value: row,
                                      expected: "a label no measured row has (rows: \(measured.joined(separator: ", ")))")
            }
        }
    }
}

extension ExperimentSpec {
    /// Where the spec sets a run setting for a mode, by resolution order (the last block
    /// that sets it wins): `train.<mode>`, its probe's block, `train`, `model`; `ssl` for
    /// pretraining; `dataset` (`ssl.dataset` first for pretraining) for the slide tiling. Nil
    /// when the value is a default or planned.
    /// - Parameter tree: the sweep point's tree (a swept value is located where it is swept).
    func location(ofSetting key: String, mode: RunConfig.Mode, in tree: SpecValue) -> (location: SpecLocation, path: String)? {
        if RunSetting.named(key)?.placement == .dataset {
            for b in mode == .ssl ? [["ssl", "dataset"], ["dataset"]] : [["dataset"]] {
                if let v = tree.value(at: b + [key]) { return (v.location, (b + [key]).joined(separator: ".")) }
            }
            return nil
        }
        let blocks: [[String]] = mode == .ssl ? [["ssl"], ["model"]]
            : [["train", mode.rawValue], ["train", mode.settingsBase.rawValue], ["train"], ["model"]]
        for b in blocks { if let v = tree.value(at: b + [key]) { return (v.location, (b + [key]).joined(separator: ".")) } }
        return nil
    }

    /// - Throws: `SpecError.tooLarge` naming the count and the keys that multiply it when the
    ///   spec could plan more than `SpecLimits.maxRuns` runs.
    func checkRunCount() throws {
        let bound = runCountBound()
        guard bound.count <= SpecLimits.maxRuns else {
            let count = bound.count == Int.max ? "more than \(Int.max)" : "\(bound.count)"
            throw SpecError.tooLarge(SpecLocation(file: file, line: 0, column: 0),
                                     "it plans up to \(count) runs, more than \(SpecLimits.maxRuns) ("
                                     + bound.factors.joined(separator: " × ") + ")")
        }
    }

    /// An upper bound on the runs the spec plans, computed without expanding it, and the
    /// factors that multiply it (`sweep.grid.train.lr: 300`, `protocol.seeds: 5`, …).
    func runCountBound() -> (count: Int, factors: [String]) {
        var factors: [(String, Int)] = []
        if let sweep = tree["sweep"] {
            for section in ["grid", "zip"] {
                guard case .mapping(let pairs, _)? = sweep[section] else { continue }
                if section == "grid" {
                    for (k, v) in pairs { factors.append(("sweep.grid.\(k)", v.sequenceCount ?? 1)) }
                } else if let first = pairs.first {
                    factors.append(("sweep.zip", first.value.sequenceCount ?? 1))
                }
            }
            if let n = sweep["list"]?.sequenceCount { factors.append(("sweep.list", n)) }
        }
        guard let design else { return (0, []) }
        let p = design.evaluation
        factors.append(("protocol.seeds", p.seeds.count))
        // Downstream modes, plus one SSL pretraining per point and seed where one is planned.
        factors.append(("modes", Swift.max(design.modes.count + (design.pretrains ? 1 : 0), 1)))
        factors.append(("protocol.folds", p.foldList.count))
        factors.append(("protocol.zooms", p.zoomList.count))
        factors.append(("protocol.label_fractions", p.labelFractions.count))
        var count = 1
        for (_, n) in factors {
            let (r, overflow) = count.multipliedReportingOverflow(by: Swift.max(n, 1))
            count = overflow ? Int.max : r
        }
        return (count, factors.filter { $0.1 > 1 }.map { "\($0.0): \($0.1)" })
    }
}

extension SpecValue {
    /// The number of items of a list.
    var sequenceCount: Int? { if case .sequence(let items, _) = self { return items.count }; return nil }
}
