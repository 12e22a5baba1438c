import Foundation

/// One run setting, declared once in `RunSetting.all`: its key, the values it accepts, its
/// paper default per mode, its command-line flag and help, where a spec may set it, and
/// whether it belongs to the run's identity. The spec schema, the resolver, `config.json`
/// and `--config` decoding, `csit train`'s flags and help, and the settings table in
/// experiments/README.md are all derived from these declarations.
public struct RunSetting: @unchecked Sendable {
    /// Whether a setting changes what is computed or only how.
    public enum Role: String, Sendable {
        /// Changes the numbers: hashed into the run id, compared on resume.
        case identity
        /// Changes only how the run executes (threads, loaders, caching): never hashed,
        /// recorded in provenance.
        case execution
    }

    /// Where an experiment spec sets the value.
    public enum Placement: String, Sendable {
        /// `train:`, `train.<mode>:` and `ssl:` blocks (and sweeps over them).
        case train
        /// The `model:` block.
        case model
        /// The `ssl:` block only: settings of the SSL pretraining alone (its pretext tasks).
        case ssl
        /// Set by the planner from `dataset:`, `protocol:`, `modes:` and `ssl.checkpoint`.
        case planned
        /// The `dataset:` block (and `ssl.dataset:`) under its own key: how whole slides are
        /// tiled (dataset slides only; part of the run id only for slides).
        case dataset
        /// Only on the command line or in the environment: a spec describes what to compute,
        /// not the machine it runs on.
        case commandLine
    }

    /// The snake-case key of `config.json`, `--config` YAML and spec blocks.
    public let key: String
    /// The long flag of `csit train`: the key with dashes (`--image-size`), as in every
    /// other subcommand.
    public let flag: String
    /// Accepted but not shown in help: the published main.py names (`--input-size`,
    /// `--model`, `--data-path`), so its command lines still work.
    public let aliases: [String]
    public let help: String
    public let role: Role
    public let placement: Placement
    public let domain: SettingDomain
    /// True when the setting may be unset (no value at all).
    public let isOptional: Bool
    /// A setting added after runs existed: while it holds its default it is left out of the
    /// run id (and of `config.json` for modes it does not apply to), so those runs keep their ids.
    public let omittedAtDefault: Bool

    let read: (RunSettings) -> String?
    let assign: (inout RunSettings, String?) -> Bool
    let paperDefault: (RunConfig.Mode) -> String?
    let decode: (KeyedDecodingContainer<SettingKey>, inout RunSettings) throws -> Void
    let encode: (RunSettings, inout KeyedEncodingContainer<SettingKey>) throws -> Void

    /// The current value's text, nil when unset.
    public func text(in s: RunSettings) -> String? { read(s) }

    /// The paper's value for `mode` as text (nil: unset by default); a random-init control
    /// takes its probe's (`RunConfig.Mode.settingsBase`) unless declared for it.
    public func defaultText(for mode: RunConfig.Mode) -> String? { paperDefault(mode) }

    /// Sets the value from text as a user writes it (`null`/`none` unset an optional setting).
    ///
    /// - Throws: `SettingError` naming the key, the value and what was expected.
    public func apply(_ text: String, to s: inout RunSettings) throws {
        let unset = isOptional && (text == "null" || text == "none" || text == "~")
        guard unset ? assign(&s, nil) : (domain.contains(text) && assign(&s, text)) else {
            throw SettingError(key: key, value: text, expected: domain.expected + (isOptional ? " (or null)" : ""))
        }
    }

    /// Sets the paper default for `mode`.
    func applyDefault(_ mode: RunConfig.Mode, to s: inout RunSettings) {
        _ = assign(&s, paperDefault(mode))
    }

    /// All flags of the setting, the main one first.
    public var flags: [String] { [flag] + aliases }

    /// The setting with `key`, if any.
    public static func named(_ key: String) -> RunSetting? { byKey[key] }

    /// Every key, in table order.
    public static var keys: [String] { all.map(\.key) }

    static let byKey: [String: RunSetting] = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })
}

/// Keys of the settings' coding containers: any setting key.
public struct SettingKey: CodingKey, Hashable {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(_ s: String) { stringValue = s }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}

extension RunSetting {
    /// A setting that always has a value.
    static func value<T: SettingValue>(
        _ key: String, _ path: WritableKeyPath<RunSettings, T>, _ domain: SettingDomain, default value: T,
        paper: [RunConfig.Mode: T] = [:], flag: String? = nil, aliases: [String] = [], role: Role = .identity,
        placement: Placement = .train, omittedAtDefault: Bool = false, help: String
    ) -> RunSetting {
        RunSetting(
            key: key, flag: flag ?? "--" + key.replacingOccurrences(of: "_", with: "-"), aliases: aliases, help: help,
            role: role, placement: placement, domain: domain, isOptional: false, omittedAtDefault: omittedAtDefault,
            read: { $0[keyPath: path].settingText },
            assign: { s, text in
                guard let text, let v = T(settingText: text) else { return false }
                s[keyPath: path] = v
                return true
            },
            paperDefault: { (paper[$0] ?? paper[$0.settingsBase] ?? value).settingText },
            decode: { c, s in
                let k = SettingKey(key)
                guard c.contains(k) else { return }
                let v = try c.decode(T.self, forKey: k)
                guard domain.contains(v.settingText) else {
                    throw DecodingError.dataCorruptedError(forKey: k, in: c, debugDescription: "expected \(domain.expected)")
                }
                s[keyPath: path] = v
            },
            encode: { s, c in try c.encode(s[keyPath: path], forKey: SettingKey(key)) })
    }

    /// A setting that may be unset.
    static func optional<T: SettingValue>(
        _ key: String, _ path: WritableKeyPath<RunSettings, T?>, _ domain: SettingDomain,
        paper: [RunConfig.Mode: T] = [:], flag: String? = nil, aliases: [String] = [], role: Role = .identity,
        placement: Placement = .train, omittedAtDefault: Bool = false, help: String
    ) -> RunSetting {
        RunSetting(
            key: key, flag: flag ?? "--" + key.replacingOccurrences(of: "_", with: "-"), aliases: aliases, help: help,
            role: role, placement: placement, domain: domain, isOptional: true, omittedAtDefault: omittedAtDefault,
            read: { $0[keyPath: path]?.settingText },
            assign: { s, text in
                guard let text else { s[keyPath: path] = nil; return true }
                guard let v = T(settingText: text) else { return false }
                s[keyPath: path] = v
                return true
            },
            paperDefault: { (paper[$0] ?? paper[$0.settingsBase])?.settingText },
            decode: { c, s in
                let k = SettingKey(key)
                guard c.contains(k) else { return }
                if try c.decodeNil(forKey: k) { s[keyPath: path] = nil; return }
                let v = try c.decode(T.self, forKey: k)
                guard domain.contains(v.settingText) else {
                    throw DecodingError.dataCorruptedError(forKey: k, in: c, debugDescription: "expected \(domain.expected)")
                }
                s[keyPath: path] = v
            },
            encode: { s, c in try c.encodeIfPresent(s[keyPath: path], forKey: SettingKey(key)) })
    }
}
