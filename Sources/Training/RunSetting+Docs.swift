import Foundation

extension RunSetting {
    /// The settings table of experiments/README.md, generated from the declarations (a
    /// golden test keeps the README equal to it; `csit settings` prints it).
    public static var markdownTable: String {
        let modes = RunConfig.Mode.allCases
        var s = "| key | values | default | per mode | flag | spec | role | meaning |\n|---|---|---|---|---|---|---|---|\n"
        for setting in all {
            let base = setting.defaultText(for: .ft)
            let perMode = modes.compactMap { m -> String? in
                let d = setting.defaultText(for: m)
                return d == base ? nil : "\(m.rawValue): \(d ?? "unset")"
            }.joined(separator: ", ")
            let spec: String
            switch setting.placement {
            case .train: spec = "`train`, `train.<mode>`, `ssl`"
            case .model: spec = "`model`"
            case .ssl: spec = "`ssl`"
            case .planned: spec = "planned"
            case .dataset: spec = "`dataset`, `ssl.dataset`"
            case .commandLine: spec = "no"
            }
            let cells = ["`\(setting.key)`", setting.domain.expected + (setting.isOptional ? " or unset" : ""),
                         base.map { "`\($0)`" } ?? "unset", perMode, "`\(setting.flag)`" + (setting.aliases.isEmpty ? "" : " (also " + setting.aliases.map { "`\($0)`" }.joined(separator: ", ") + ")"),
                         spec, setting.role.rawValue, setting.help]
            s += "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        return s
    }
}
