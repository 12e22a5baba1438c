import Foundation

extension RunSettings: Codable {
    /// Decodes with every key optional: the paper defaults of the decoded `mode` (ft when
    /// absent), then each key present, checked against its setting's domain. Unknown keys
    /// are ignored here; `csit train --config` rejects them with a suggestion first.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: SettingKey.self)
        let mode = try c.decodeIfPresent(RunConfig.Mode.self, forKey: SettingKey("mode")) ?? .ft
        self = RunSettings.paper(mode)
        for setting in RunSetting.all { try setting.decode(c, &self) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: SettingKey.self)
        for setting in RunSetting.all { try setting.encode(self, &c) }
    }
}

extension RunConfig: Codable {
    /// Decodes the identity settings (execution keys of older `config.json` files are read
    /// and dropped).
    public init(from decoder: Decoder) throws { self = try RunSettings(from: decoder).config }

    /// Encodes the identity settings only: `config.json` and the run id never see threads,
    /// loaders or caching. With `RunConfig.configFileKey` set, settings that do not apply
    /// to this run (BreakHis's `task` on another dataset, the SSL pretext tasks on a
    /// downstream run) are left out of the file; the run id keeps hashing every identity
    /// setting, so leaving them out changes no id. A setting added later
    /// (`RunSetting.omittedAtDefault`) enters the id only when it differs from its default,
    /// so runs made before it existed keep theirs. The slide tiling settings are written (and
    /// hashed) for dataset slides only: runs on other datasets keep their ids.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: SettingKey.self)
        let s = RunSettings(config: self, execution: ExecutionConfig(placeholder: ()))
        let file = encoder.userInfo[Self.configFileKey] as? Bool ?? false
        for setting in RunSetting.all where setting.role == .identity {
            if file && setting.key == "task" && dataset != .breakhis { continue }
            if file && setting.placement == .ssl && mode != .ssl { continue }
            if !has(setting) { continue }
            if !file && setting.omittedAtDefault && setting.text(in: s) == setting.defaultText(for: mode) { continue }
            try setting.encode(s, &c)
        }
    }

    /// Set to `true` in an encoder's `userInfo` when writing `config.json` for people.
    public static let configFileKey = CodingUserInfoKey(rawValue: "csit.configFile")!
}

extension ExecutionConfig: Codable {
    public init(from decoder: Decoder) throws {
        self = try RunSettings(from: decoder).execution
        let c = try decoder.container(keyedBy: SettingKey.self)
        initCheckpointPath = try c.decodeIfPresent(String.self, forKey: SettingKey("init_checkpoint_path"))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: SettingKey.self)
        let s = RunSettings(config: RunConfig(placeholder: ()), execution: self)
        for setting in RunSetting.all where setting.role == .execution { try setting.encode(s, &c) }
        try c.encodeIfPresent(initCheckpointPath, forKey: SettingKey("init_checkpoint_path"))
    }
}
