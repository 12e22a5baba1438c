import Foundation
import HistoData
import Training

/// The version of everything that changes numbers: part of every run's identity, bumped
/// when a change makes earlier results incomparable.
public enum ComputeVersion { public static let string = "csit-compute-2" }

/// One planned run.
public struct PlannedRun: Sendable {
    /// Content hash of the resolved configuration, the split manifest and the compute version.
    public var id: String
    public var config: RunConfig
    /// The SSL run this one starts from (its `model.safetensors`), if any.
    public var dependsOn: String?
    /// Every spec entry that resolved to this run.
    public var labels: [RunLabel]
    /// Image-steps (images × epochs, ×2 views for SSL): the cost estimate's unit.
    public var imageSteps: Int
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
}

/// The run graph of a spec: SSL pretraining nodes first, then the downstream runs.
public struct Plan {
    public var spec: ExperimentSpec
    public var runs: [PlannedRun]

    public var sslRuns: [PlannedRun] { runs.filter { $0.config.mode == .ssl } }
    public func run(_ id: String) -> PlannedRun? { runs.first { $0.id == id || $0.id.hasPrefix(id) } }

    /// Expands the spec: sweep points × seeds × modes × folds × zooms × label fractions,
    /// sharing one SSL pretraining per (sweep point, seed) and deduplicating identical runs.
    public static func make(_ spec: ExperimentSpec) throws -> Plan {
        var runs: [PlannedRun] = []
        var index: [String: Int] = [:]
        var manifestHashes: [String: (String, Int)] = [:]
        func add(_ config: RunConfig, dependsOn: String?, label: RunLabel) throws {
            var identity = config
            if let d = dependsOn { identity.initCheckpoint = "ssl-run:\(d)" }
            identity.threads = nil
            identity.workers = 1
            let key = "\(config.root)|\(config.dataset)|\(config.task)|\(config.folds ?? 0)|\(config.groupByPatient)|\(config.zoom ?? "")|\(config.testFraction ?? 0)|\(config.splitSeed)|\(config.mode == .ssl)"
            if manifestHashes[key] == nil { manifestHashes[key] = try manifestHash(config) }
            let (mhash, images) = manifestHashes[key]!
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            let id = String(SHA256.hex(String(decoding: try e.encode(identity), as: UTF8.self) + "|" + mhash + "|" + ComputeVersion.string).prefix(16))
            if let i = index[id] {
                if !runs[i].labels.contains(label) { runs[i].labels.append(label) }
                return
            }
            let share = config.mode == .ssl ? 1.0 : (config.folds.map { Double($0 - 1) / Double($0) } ?? 0.8) * config.labelFraction
            let steps = Int(Double(images) * share) * config.epochs * (config.mode == .ssl ? 2 : 1)
            index[id] = runs.count
            runs.append(PlannedRun(id: id, config: config, dependsOn: dependsOn, labels: [label], imageSteps: steps))
        }
        let seeds = spec.tree.value(at: ["protocol", "seeds"])?.stringList.compactMap(UInt64.init) ?? [0]
        for point in try spec.sweepPoints() {
            let tree = spec.applying(point)
            let sweepLabel = point.map { "\($0.path.joined(separator: "."))=\($0.value.canonical)" }.joined(separator: ", ")
            let modes = (tree["modes"]?.stringList ?? []).compactMap(RunConfig.Mode.init(rawValue:))
            let folds = tree.value(at: ["protocol", "folds"])?.scalarString.flatMap(Int.init)
            let runFolds = tree.value(at: ["protocol", "run_folds"])?.stringList.compactMap(Int.init) ?? folds.map { Array(0..<$0) } ?? []
            let foldList: [Int?] = folds == nil ? [nil] : runFolds.map { $0 }
            let zooms: [String?] = tree.value(at: ["protocol", "zooms"]).map { $0.stringList.map { $0 } } ?? [nil]
            let fractions = tree.value(at: ["protocol", "label_fractions"])?.stringList.compactMap(Double.init) ?? [1]
            for seed in seeds {
                var sslID: String?
                // An SSL block without a checkpoint is pretrained even when no downstream mode
                // needs it yet (ssl-pretrain.yaml): other specs sharing the results folder reuse it.
                let needsSSL = modes.contains { [.le, .mlp, .sslft].contains($0) } || (tree["ssl"] != nil && modes.isEmpty)
                let sslCheckpoint = tree.value(at: ["ssl", "checkpoint"])?.scalarString
                if needsSSL && sslCheckpoint == nil {
                    let c = try Resolver.sslConfig(tree, seed: seed)
                    try add(c, dependsOn: nil, label: RunLabel(mode: "ssl", fold: nil, zoom: nil, labelFraction: 1, seed: seed, sweep: sweepLabel))
                    var identity = c
                    identity.threads = nil
                    sslID = runs.last { $0.config == c }?.id ?? runs.first { $0.config.mode == .ssl && $0.config.seed == seed }?.id
                }
                for mode in modes { for fold in foldList { for zoom in zooms { for fraction in fractions {
                    var c = try Resolver.downstreamConfig(tree, mode: mode, seed: seed, fold: fold, zoom: zoom, labelFraction: fraction)
                    var dep: String?
                    if [.le, .mlp, .sslft].contains(mode) {
                        if let ck = sslCheckpoint { c.initCheckpoint = ck } else { dep = sslID }
                    }
                    try add(c, dependsOn: dep, label: RunLabel(mode: mode.rawValue, fold: fold, zoom: zoom, labelFraction: fraction,
                                                                seed: seed, sweep: sweepLabel))
                } } } }
            }
        }
        return Plan(spec: spec, runs: runs)
    }

    /// SHA-256 of the split manifest the run will use (the dataset listing for SSL), and the
    /// image count. Reads the dataset folder; a missing one hashes its path only.
    static func manifestHash(_ c: RunConfig) throws -> (String, Int) {
        let root = URL(fileURLWithPath: c.root)
        guard FileManager.default.fileExists(atPath: root.path) else { return (SHA256.hex("missing:" + c.root), 0) }
        let dataset = try Dataset.load(c.dataset, root: root, task: c.task)
        if c.mode == .ssl {
            return (SHA256.hex(dataset.samples.map(\.path).joined(separator: "\n")), dataset.samples.count)
        }
        let m = try Manifest.make(dataset, folds: c.folds, groupByPatient: c.groupByPatient, zoom: c.zoom,
                                  testFraction: c.testRoot == nil && c.folds == nil ? (c.testFraction ?? 0.2) : c.testFraction,
                                  seed: c.splitSeed)
        return (m.contentHash, m.rows.count)
    }
}
