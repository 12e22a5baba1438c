import ArgumentParser
import Foundation
import Training

/// `csit settings`: every run setting, its values, paper defaults, flag and spec place.
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "List every run setting (the table in experiments/README.md) or one setting's paper defaults per mode.",
        discussion: "Example:\n  csit settings batch_size")

    @Argument(help: "One setting key (e.g. batch_size); omitted: the whole table in Markdown.") var key: String?

    func run() throws {
        guard let key else { print(RunSetting.markdownTable, terminator: ""); return }
        // A flag's name finds its setting too: `csit settings data` (the flag --data sets root).
        let flag = "--" + key.trimmingCharacters(in: CharacterSet(charactersIn: "-")).replacingOccurrences(of: "_", with: "-")
        guard let s = RunSetting.named(key) ?? RunSetting.all.first(where: { $0.flags.contains(flag) }) else {
            throw ValidationError("unknown setting '\(key)'" + (RunSetting.keys.closest(to: key).map { " (did you mean '\($0)'?)" } ?? ""))
        }
        print("\(s.key): \(s.help)")
        print("values: \(s.domain.expected)\(s.isOptional ? " or unset" : "")")
        print("flag: \(s.flag)" + (s.aliases.isEmpty ? "" : " (also " + s.aliases.joined(separator: ", ") + ")"))
        print("role: \(s.role.rawValue), spec: \(s.placement.rawValue)")
        for m in RunConfig.Mode.allCases { print("default for \(m.rawValue): \(s.defaultText(for: m) ?? "unset")") }
    }
}
