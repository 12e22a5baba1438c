import Foundation
import TensorKit
import Training

/// The plan as submitted, written into the results folder so every cluster task runs
/// exactly the configuration that was planned, even if the spec file changes afterwards.
public struct FrozenPlan: Codable, Sendable {
    public struct Run: Codable, Sendable {
        public var id: String
        public var config: RunConfig
        public var execution: ExecutionConfig
        public var dependsOn: String?
        public var labels: [RunLabel]
        /// Absent in plans frozen before resources existed.
        public var resources: Resources?
    }

    public var spec: String
    public var runs: [Run]

    public init(_ plan: Plan, specPath: String) {
        spec = specPath
        runs = plan.runs.map { Run(id: $0.id, config: $0.config, execution: $0.execution, dependsOn: $0.dependsOn, labels: $0.labels,
                                  resources: $0.resources.isEmpty ? nil : $0.resources) }
    }

    public static func url(_ store: RunStore) -> URL { store.root.appendingPathComponent("plan.json") }

    /// Merges this plan's runs into the frozen plan already in the results folder (specs
    /// that share a folder add their runs; for a run already there this plan's entry wins,
    /// so changed execution settings and labels take effect) and writes it atomically, under
    /// a lock on `plan.lock` so two runners never drop each other's runs.
    public func write(to store: RunStore) throws {
        try RunStore.makeFolder(store.root)
        let lockPath = store.root.appendingPathComponent("plan.lock").path
        let fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunStoreError.cannotLock(lockPath, String(cString: strerror(errno))) }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw RunStoreError.cannotLock(lockPath, String(cString: strerror(errno))) }
        defer { flock(fd, LOCK_UN) }
        let mine = Dictionary(runs.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var merged = (FrozenPlan.read(store)?.runs ?? []).map { mine[$0.id] ?? $0 }
        var known = Set(merged.map(\.id))
        for r in runs where known.insert(r.id).inserted { merged.append(r) }
        var out = self
        out.runs = merged
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try e.encode(out), to: Self.url(store))
    }

    public static func read(_ store: RunStore) -> FrozenPlan? {
        guard let data = try? Data(contentsOf: url(store)) else { return nil }
        return try? JSONDecoder().decode(FrozenPlan.self, from: data)
    }

    public func planned(_ id: String) -> PlannedRun? {
        runs.first { $0.id == id }.map { PlannedRun(id: $0.id, config: $0.config, execution: $0.execution, dependsOn: $0.dependsOn, labels: $0.labels,
                                        images: RunImages(), resources: $0.resources ?? Resources()) }
    }
}
