import Foundation

/// How a run executes: never part of its identity (changing it never changes the numbers
/// beyond float summation order), resolved once by the command line and recorded in
/// provenance.
public struct ExecutionConfig: Equatable, Sendable {
    /// csit's thread count (nil: leave the process-wide setting as it is).
    public var threads: Int?
    /// Loader threads.
    public var workers = 1
    /// Keep decoded images in memory between epochs.
    public var cacheImages = true
    /// The image cache's budget in MiB.
    public var cacheMiB = 2048
    /// Minutes between mid-epoch checkpoints (0: only at epoch ends and on stop signals).
    public var checkpointMinutes = 10.0
    /// Where an `ssl-run:<id>` init checkpoint lives on this machine (set by the runner).
    public var initCheckpointPath: String?
    /// The run's readable name (the runner's `by-label` alias; `csit train`: the output
    /// folder's name): the TensorBoard run name under `tb/`.
    public var label: String?

    public init() { self = RunSettings.paper(.ft).execution }
    init(placeholder: Void) {}
}

/// Every run setting, identity and execution together: what `csit train --config` YAML and
/// a spec's blocks set, through the settings table.
public struct RunSettings: Equatable, Sendable {
    public var config: RunConfig
    public var execution: ExecutionConfig

    public init(config: RunConfig, execution: ExecutionConfig) {
        (self.config, self.execution) = (config, execution)
    }

    /// The paper's settings for a mode: every setting's default from the table.
    public static func paper(_ mode: RunConfig.Mode) -> RunSettings {
        var s = RunSettings(config: RunConfig(placeholder: ()), execution: ExecutionConfig(placeholder: ()))
        for setting in RunSetting.all { setting.applyDefault(mode, to: &s) }
        s.config.mode = mode
        return s
    }

    /// Applies `key = text` through the table.
    ///
    /// - Throws: `SettingError` for an unknown key or a value outside the setting's domain.
    public mutating func set(_ key: String, _ text: String) throws {
        guard let setting = RunSetting.named(key) else {
            throw SettingError(key: key, value: text, expected: "a run setting"
                               + (RunSetting.keys.closest(to: key).map { " (did you mean '\($0)'?)" } ?? ""))
        }
        try setting.apply(text, to: &self)
    }
}

/// Settings given in order; later ones win. Mode comes first: it picks the paper defaults
/// the others override (paper defaults → model → `train` → `train.<mode>` → flags).
public struct SettingsPatch: Sendable {
    /// One `key = value` with where it came from (`run.yaml`, `--epochs`, `spec.yaml:12:5`).
    public struct Entry: Sendable {
        public var key: String
        public var value: String
        public var source: String
        public init(key: String, value: String, source: String) { (self.key, self.value, self.source) = (key, value, source) }
    }

    public var entries: [Entry] = []
    public init(_ entries: [Entry] = []) { self.entries = entries }

    public mutating func append(_ key: String, _ value: String, source: String) {
        entries.append(Entry(key: key, value: value, source: source))
    }

    /// The mode the patch selects (the last `mode` entry), if any.
    public var mode: RunConfig.Mode? { entries.last { $0.key == "mode" }.flatMap { RunConfig.Mode(rawValue: $0.value) } }

    /// Applies every entry in order.
    ///
    /// - Throws: `PatchError` naming the source, key, value and what was expected.
    public func apply(to s: inout RunSettings) throws {
        for e in entries {
            do { try s.set(e.key, e.value) } catch let err as SettingError { throw PatchError(source: e.source, error: err) }
        }
    }

    /// The paper defaults of the patch's mode (or `defaultMode`) with the patch applied.
    public func resolve(defaultMode: RunConfig.Mode = .ft) throws -> RunSettings {
        if let m = entries.last(where: { $0.key == "mode" }), RunConfig.Mode(rawValue: m.value) == nil {
            throw PatchError(source: m.source, error: SettingError(key: "mode", value: m.value,
                                                                  expected: SettingDomain.choice(RunConfig.Mode.allCases.map(\.rawValue)).expected))
        }
        var s = RunSettings.paper(mode ?? defaultMode)
        try apply(to: &s)
        return s
    }
}

/// A settings patch entry that does not fit, with where it came from.
public struct PatchError: Error, CustomStringConvertible, Equatable {
    public var source: String
    public var error: SettingError
    public var description: String { "\(source): \(error)" }
}

extension RunConfig {
    /// Every identity setting's value as the settings table writes it (`true`, `1.0e-3`,
    /// `none`, …), by key: what listings and diffs show and match, in the words `--set` takes.
    public var settingTexts: [String: String] {
        let s = RunSettings(config: self, execution: ExecutionConfig())
        return Dictionary(RunSetting.all.filter { $0.role == .identity && has($0) }.compactMap { r in r.text(in: s).map { (r.key, $0) } },
                          uniquingKeysWith: { a, _ in a })
    }

    /// Whether the run has the setting at all: the slide tiling belongs to slide datasets
    /// only (written, hashed, listed and compared for them alone).
    public func has(_ setting: RunSetting) -> Bool { setting.placement != .dataset || dataset == .slides }
}
